/**
 * The tile service, thumbnails and the DeepZoom writer on the shared slides through the real
 * readers (openSlide()), checked against OpenSlide's Python DeepZoomGenerator where OpenSlide
 * reads the file (SVS, NDPI, and the PNG as an ImageSlide).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileRegion, type DeepZoomGeometry } from '../../../src/main/slides/deepzoom.js';
import { writeDeepZoom } from '../../../src/main/slides/dzi-writer.js';
import { openSlide } from '../../../src/main/slides/open-slide.js';
import { SlideError, type SlideReader } from '../../../src/main/slides/reader.js';
import { thumbnail } from '../../../src/main/slides/thumbnail.js';
import { renderTile, TileService } from '../../../src/main/slides/tile-service.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { pyGeometry, runReference, type PyGeometry } from './openslide-python.js';
import { boxShrink, compareRgb, crop, decodeRgb, type Rgb8 } from './pixels.js';
import { has, needs } from '../../helpers/needs.js';

const WHITE = { r: 255, g: 255, b: 255 };
let cacheRoot = '';
beforeAll(async () => {
  cacheRoot = await mkdtemp(join(tmpdir(), 'tessella-tiles-slides-'));
});
afterAll(async () => {
  await rm(cacheRoot, { recursive: true, force: true });
});

/** Corners and a middle tile of a few levels: full resolution, the next ones down, a small one. */
function sampleAddresses(g: DeepZoomGeometry): [number, number, number][] {
  const top = g.levels.length - 1;
  const levels = new Set([top, top - 1, top - 2, top - 4, 3]);
  const out: [number, number, number][] = [];
  for (const l of levels) {
    const { cols, rows } = g.levels[l];
    const seen = new Set<string>();
    for (const [c, r] of [[0, 0], [cols - 1, rows - 1], [cols - 1, 0], [0, rows - 1], [cols >> 1, rows >> 1]]) {
      if (!seen.has(`${c}_${r}`)) out.push([l, c, r]);
      seen.add(`${c}_${r}`);
    }
  }
  return out;
}

/** The error of JPEG q85 on the reference tile itself, plus an allowance for resampler differences. */
async function jpegBudget(ref: Rgb8, allowance = 1): Promise<number> {
  const jpeg = await sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return compareRgb(await decodeRgb(jpeg), ref).mae + allowance;
}

const openslideSlides = [
  ['svs', SLIDES.svs],
  ['ndpi', SLIDES.ndpi],
  ['png', SLIDES.ihc],
] as const;

for (const [name, rel] of openslideSlides) {
  const path = sharedPath(rel);
  describe(`tiles of ${name} against OpenSlide Python`, needs(path, has.pythonOpenSlide), () => {
    let reader: SlideReader;
    let svc: TileService;
    let g: DeepZoomGeometry;
    let py: PyGeometry;
    let addresses: [number, number, number][] = [];
    let refDir = '';
    const ref = (l: number, c: number, r: number) => decodeRgb(join(refDir, `${l}_${c}_${r}.png`));
    /**
     * get_tile() shrinks with PIL's thumbnail(), which keeps the read region's aspect ratio; on
     * the few-pixel levels that can come out a pixel narrower than the tile size DeepZoom itself
     * declares (get_tile_dimensions). Tessella always returns the declared size, so pixels are
     * only compared where Python's tile has it too.
     */
    const declaredSize = (l: number, c: number, r: number) => {
      const row = py.tiles.find((t) => t[0] === l && t[1] === c && t[2] === r)!;
      return [row[8], row[9]];
    };
    /**
     * Where the slide ends inside a DeepZoom pixel, get_tile() stretches the last tile's clipped
     * region over the whole tile, so its content drifts from 0 at the tile origin to under one
     * pixel at the far edge. The service keeps DeepZoom's exact scale (it cuts low levels from
     * one whole-level image), so on the last column/row only the half nearest the origin, where
     * the drift is under half a pixel, is compared.
     */
    const comparedPart = (l: number, c: number, r: number, ours: Rgb8, expected: Rgb8): [Rgb8, Rgb8] => {
      if (!svc.usesLevelImage(reader, l)) return [ours, expected];
      const w = c === g.levels[l].cols - 1 ? Math.ceil(ours.width / 2) : ours.width;
      const h = r === g.levels[l].rows - 1 ? Math.ceil(ours.height / 2) : ours.height;
      return [crop(ours, 0, 0, w, h), crop(expected, 0, 0, w, h)];
    };
    const comparable = async (l: number, c: number, r: number) => {
      const expected = await ref(l, c, r);
      const [w, h] = declaredSize(l, c, r);
      if (expected.width === w && expected.height === h) return expected;
      expect(Math.abs(expected.width - w) + Math.abs(expected.height - h), `${l}/${c}_${r}`).toBe(1);
      expect(w * h, `${l}/${c}_${r} is a tiny tile`).toBeLessThan(100);
      return null;
    };

    beforeAll(async () => {
      reader = await openSlide(path!, { cacheDir: join(cacheRoot, 'readers') });
      svc = new TileService({ cacheDir: join(cacheRoot, `tiles-${name}`) });
      g = svc.geometry(reader);
      py = pyGeometry([path!]);
      addresses = sampleAddresses(g);
      refDir = await mkdtemp(join(cacheRoot, `ref-${name}-`));
      runReference(['tiles', path!, refDir, ...addresses.map((a) => a.join('/'))]);
    });
    afterAll(() => reader?.close());

    it('has the same levels, grid and tile regions as DeepZoomGenerator on this file', () => {
      expect(g.levels.map((l) => [l.width, l.height])).toEqual(py.levelDimensions);
      expect(g.levels.map((l) => [l.cols, l.rows])).toEqual(py.levelTiles);
      expect(g.tileCount).toBe(py.tileCount);
      const ours = py.tiles.map(([l, c, r]) => {
        const t = tileRegion(g, l, c, r);
        return [l, c, r, t.x, t.y, t.slideLevel, t.readWidth, t.readHeight, t.width, t.height];
      });
      expect(ours).toEqual(py.tiles);
    });

    it("renders tile by tile as Python does: exact at slide resolution, within resampler differences below it", async () => {
      for (const [l, c, r] of addresses) {
        const ours = await decodeRgb(await renderTile(reader, g, l, c, r, { format: 'png', quality: 85, background: WHITE }));
        expect([ours.width, ours.height]).toEqual(declaredSize(l, c, r));
        const expected = await comparable(l, c, r);
        if (!expected) continue;
        const m = compareRgb(ours, expected);
        if (g.levels[l].slideToDz === 1) expect(m.mae, `${l}/${c}_${r}`).toBe(0);
        // PIL (box reduce + Lanczos) and libvips (shrink + Lanczos3) differ by well under one level on average
        else expect(m.mae, `${l}/${c}_${r}`).toBeLessThan(1);
      }
    });

    it('cuts low levels from whole-level images as faithfully as Python renders them', async () => {
      let checked = 0;
      for (const [l, c, r] of addresses) {
        const served = await decodeRgb(await svc.render(reader, l, c, r, { format: 'png', quality: 85 }));
        expect([served.width, served.height]).toEqual(declaredSize(l, c, r));
        const expected = await comparable(l, c, r);
        if (!expected || !svc.usesLevelImage(reader, l)) continue;
        // the exact area average of the slide pixels this tile covers
        const s = g.levels[l].slideToDz;
        expect(Number.isInteger(s)).toBe(true);
        const t = tileRegion(g, l, c, r);
        const px = await reader.readRegion(t.slideLevel, t.x, t.y, s * t.width, s * t.height);
        const truth = boxShrink(px, s, t.width, t.height);
        const [ours, theirs] = comparedPart(l, c, r, served, expected);
        const [truthPart] = comparedPart(l, c, r, truth, truth);
        // a handful of pixels says nothing about a filter
        if (ours.width * ours.height < 64) continue;
        // Two Lanczos steps (level, then the smaller level from it) against PIL's one: a different
        // filter, no less faithful to the area average, and close to Python's tile.
        expect(compareRgb(ours, truthPart).mae, `${l}/${c}_${r}`).toBeLessThanOrEqual(compareRgb(theirs, truthPart).mae + 0.5);
        expect(compareRgb(ours, theirs).mae, `${l}/${c}_${r}`).toBeLessThan(2.5);
        checked++;
      }
      // the NDPI's own pyramid goes down to 62x76: only its few-pixel levels use level images
      if (name !== 'ndpi') expect(checked).toBeGreaterThan(0);
    });

    it('reads the slide once for all the low-resolution levels', async () => {
      const lowest = g.levels.findIndex((_, i) => !svc.usesLevelImage(reader, i));
      const fresh = new TileService();
      let reads = 0;
      const spy: SlideReader = Object.create(reader, {
        readRegion: { value: (...a: Parameters<SlideReader['readRegion']>) => (reads++, reader.readRegion(...a)) },
      });
      let tiles = 0;
      for (let l = 0; l < lowest; l++) {
        for (let r = 0; r < g.levels[l].rows; r++) {
          for (let c = 0; c < g.levels[l].cols; c++) {
            await fresh.getTile({ hash: `once-${name}`, reader: spy }, l, c, r);
            tiles++;
          }
        }
      }
      // svs: one 6.6 Mpx level, so every DZ level below full resolution comes from one read of it
      if (name === 'svs') expect([lowest, tiles]).toEqual([12, 52]);
      // ndpi: its own pyramid serves down to 62x76 (DZ level 7)
      if (name === 'ndpi') expect(lowest).toBe(7);
      if (name === 'png') expect(lowest).toBe(9);
      expect(reads).toBe(lowest > 0 ? 1 : 0);
    });

    it('serves JPEG tiles of the right size (edges included) within the JPEG budget of the reference', async () => {
      for (const [l, c, r] of addresses) {
        const jpeg = await svc.getTile({ hash: `h-${name}`, reader }, l, c, r);
        expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
        const ours = await decodeRgb(jpeg);
        expect([ours.width, ours.height], `${l}/${c}_${r}`).toEqual(declaredSize(l, c, r));
        const expected = await comparable(l, c, r);
        if (!expected) continue;
        const [a, b] = comparedPart(l, c, r, ours, expected);
        // level-image tiles get the filter difference measured in the test above on top
        const allowance = svc.usesLevelImage(reader, l) ? 2.5 : 1;
        expect(compareRgb(a, b).mae, `${l}/${c}_${r}`).toBeLessThanOrEqual(await jpegBudget(b, allowance));
      }
    });

    // DAPI fluorescence is so smooth that a one-pixel shift stays inside JPEG's error; there the
    // exact lossless comparison above is what pins the alignment, so the NDPI has no such test.
    if (name !== 'ndpi') it('would notice a tile read one pixel off', async () => {
      const top = g.levels.length - 1;
      const [c, r] = [g.levels[top].cols >> 1, g.levels[top].rows >> 1];
      const expected = await ref(top, c, r);
      const ours = await decodeRgb(await svc.getTile({ hash: `h-${name}`, reader }, top, c, r));
      const w = expected.width - 1;
      const off = compareRgb(crop(ours, 1, 0, w, expected.height), crop(expected, 0, 0, w, expected.height));
      expect(off.mae).toBeGreaterThan(1.5 * (await jpegBudget(expected)));
    });

    it('rejects addresses outside the grid with bad-request', async () => {
      const top = g.levels.length - 1;
      for (const [l, c, r] of [
        [top + 1, 0, 0],
        [top, g.levels[top].cols, 0],
        [top, 0, g.levels[top].rows],
        [0, 1, 0],
        [-1, 0, 0],
      ]) {
        const err = await svc.getTile({ hash: `h-${name}`, reader }, l, c, r).catch((e: unknown) => e);
        expect(err, `${l}/${c}_${r}`).toBeInstanceOf(SlideError);
        expect((err as SlideError).code).toBe('bad-request');
      }
    });
  });
}

const dicom = sharedPath(SLIDES.dicom);
describe('tiles of the DICOM slide (no OpenSlide reference: 3.4.1 cannot read DICOM)', needs(dicom), () => {
  it('serves full-resolution tiles equal to the region the reader returns, edges sized by DeepZoom', async () => {
    const reader = await openSlide(dicom!, { cacheDir: join(cacheRoot, 'readers') });
    try {
      const svc = new TileService();
      const g = svc.geometry(reader);
      const top = g.levels.length - 1;
      const { cols, rows } = g.levels[top];
      for (const [c, r] of [[0, 0], [cols - 1, rows - 1], [cols >> 1, rows >> 1]]) {
        const t = tileRegion(g, top, c, r);
        const ours = await decodeRgb(await svc.getTile({ hash: 'dicom', reader }, top, c, r));
        expect([ours.width, ours.height]).toEqual([t.width, t.height]);
        const px = await reader.readRegion(t.slideLevel, t.x, t.y, t.readWidth, t.readHeight);
        const direct = await decodeRgb(
          await sharp(px.data, { raw: { width: px.width, height: px.height, channels: 4 } }).flatten({ background: WHITE }).png().toBuffer(),
        );
        expect(compareRgb(ours, direct).mae).toBeLessThanOrEqual(await jpegBudget(direct));
      }
      const small = await sharp(await svc.getTile({ hash: 'dicom', reader }, 0, 0, 0)).metadata();
      expect([small.width, small.height]).toEqual([1, 1]);
    } finally {
      reader.close();
    }
  });
});

const ndpi = sharedPath(SLIDES.ndpi);
describe('thumbnail and DeepZoom export on the NDPI', needs(ndpi), () => {
  it('makes the thumbnail from the smallest level big enough, not from level 0', async () => {
    const reader = await openSlide(ndpi!, { cacheDir: join(cacheRoot, 'readers') });
    try {
      const levelsRead: number[] = [];
      const spy: SlideReader = Object.create(reader, {
        readRegion: { value: (level: number, x: number, y: number, w: number, h: number) => (levelsRead.push(level), reader.readRegion(level, x, y, w, h)) },
      });
      const jpeg = await thumbnail(spy, 256);
      const m = await sharp(jpeg).metadata();
      expect([m.format, m.width, m.height]).toEqual(['jpeg', 209, 256]);
      expect(levelsRead).toEqual([4]); // 248x304
      // the same picture as level 4 shrunk directly
      const l4 = await reader.readRegion(4, 0, 0, 248, 304);
      const expected = await decodeRgb(
        await sharp(l4.data, { raw: { width: 248, height: 304, channels: 4 } }).flatten({ background: WHITE }).resize(209, 256, { fit: 'fill' }).png().toBuffer(),
      );
      // saturated blue on black: 4:2:0 JPEG is what costs here, so the budget is JPEG's own error
      expect(compareRgb(await decodeRgb(jpeg), expected).mae).toBeLessThanOrEqual(await jpegBudget(expected));
    } finally {
      reader.close();
    }
  });

  it('exports as many tiles as DeepZoomGenerator counts', needs(has.pythonOpenSlide), async () => {
    const reader = await openSlide(ndpi!, { cacheDir: join(cacheRoot, 'readers') });
    try {
      const out = await mkdtemp(join(cacheRoot, 'dzi-'));
      const res = await writeDeepZoom(reader, out, 'ndpi', { quality: 60 });
      const py = pyGeometry([ndpi!]);
      expect(res.tileCount).toBe(py.tileCount);
      let files = 0;
      for (let l = 0; l < res.levelCount; l++) files += (await readdir(join(res.filesDir, String(l)))).length;
      expect(files).toBe(py.tileCount);
      const edge = await sharp(join(res.filesDir, String(res.levelCount - 1), '15_19.jpeg')).metadata();
      expect([edge.width, edge.height]).toEqual([159, 39]);
    } finally {
      reader.close();
    }
  });
});
