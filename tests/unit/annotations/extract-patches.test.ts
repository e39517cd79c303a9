/**
 * Patch extraction on the real slides with the shared QuPath-style annotations: grid positions,
 * level-0 sizes at a chosen mpp, centres inside the polygons with holes excluded, glass rejected,
 * pixels equal to the slide's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPatches, extractedDatasetDir, type ExtractedPatch, type ExtractResult } from '../../../src/main/annotations/extract-patches.js';
import { DEFAULT_MIN_TISSUE, tissueFraction } from '../../../src/main/annotations/tissue.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { openFixture, qupathFile, qupathText, svsPath, type Fixture } from './context.js';
import { needs } from '../../helpers/needs.js';

const ndpiPath = sharedPath(SLIDES.ndpi);
const ihcPath = sharedPath(SLIDES.ihc);
const tilesDir = sharedPath('data/patches/histolab_tissue_vs_background');

let f: Fixture;
let r: ExtractResult;
let callbackGot: ExtractedPatch[] | null = null;
const features: { id: string; geometry: { type: string; coordinates: number[][][] | number[][][][] } }[] = qupathFile ? JSON.parse(qupathText).features : [];

beforeAll(async () => {
  if (!svsPath || !qupathFile) return;
  f = await openFixture();
  f.svc.importGeoJson(f.slideId, qupathText);
  r = await extractPatches(f.ctx, { slideIds: [f.slideId], mpp: 0.5, size: 224, outDir: join(f.home, 'out') }, (patches) => {
    callbackGot = patches;
  });
});
afterAll(() => f?.cleanup());

/** Winding-number test, independent of the code under test (which uses even-odd crossings). */
function insideRing(ring: number[][], x: number, y: number): boolean {
  let wn = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[i + 1];
    const side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
    if (y1 <= y && y2 > y && side > 0) wn++;
    else if (y1 > y && y2 <= y && side < 0) wn--;
  }
  return wn !== 0;
}
function insideGeometry(g: (typeof features)[number]['geometry'], x: number, y: number): boolean {
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
  return polys.some(([outer, ...holes]) => insideRing(outer, x, y) && !holes.some((h) => insideRing(h, x, y)));
}

describe('extractPatches on CMU-1-Small-Region.svs at 0.5 µm/px', needs(svsPath, qupathFile), () => {
  it('reads level-0 regions of 224 * 0.5 / 0.499 ≈ 224.4 px, resized to nothing, and writes 224 px PNGs', async () => {
    expect(r.slides).toHaveLength(1);
    expect(r.slides[0]).toMatchObject({ level: 0, readWidth: 224, readHeight: 224 });
    expect(r.patches.length).toBeGreaterThan(0);
    for (const p of r.patches) {
      expect(Math.abs(p.width0 - (224 * 0.5) / 0.499)).toBeLessThan(1);
      expect(p).toMatchObject({ slideId: f.slideId, mpp: 0.5, height0: p.width0 });
      const meta = await sharp(p.file).metadata();
      expect([meta.width, meta.height, meta.format, meta.channels]).toEqual([224, 224, 'png', 3]);
    }
  });

  it('puts patches on a slide-aligned grid with their centres inside their polygon, holes excluded', () => {
    const step = (224 * 0.5) / 0.499;
    for (const p of r.patches) {
      expect(Math.abs(p.x - Math.round(Math.round(p.x / step) * step))).toBe(0);
      expect(Math.abs(p.y - Math.round(Math.round(p.y / step) * step))).toBe(0);
      const feature = features.find((x) => x.id === p.annotationId)!;
      expect(insideGeometry(feature.geometry, p.x + p.width0 / 2, p.y + p.height0 / 2), `${p.x},${p.y}`).toBe(true);
    }
    // The Tumor square 1400..1900 has a hole 1550..1750 x 1750..1950: of the four grid cells
    // whose centres fall in the square, (1571, 1796) has its centre (1683, 1908) in the hole.
    const square = r.patches.filter((p) => p.annotationId === 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d').map((p) => [p.x, p.y]);
    expect(square).toEqual([[1347, 1571], [1571, 1571], [1347, 1796]]);
    expect(r.patches.some((p) => p.x === 1571 && p.y === 1796)).toBe(false);
  });

  it('writes files as <out>/<class>/<slide>_<x>_<y>.png with the slide pixels', async () => {
    const byClass = Object.fromEntries(readdirSync(r.outDir).map((d) => [d, readdirSync(join(r.outDir, d)).sort()]));
    expect(Object.keys(byClass).sort()).toEqual([...new Set(r.patches.map((p) => p.label))].sort());
    for (const p of r.patches) expect(p.file).toBe(join(r.outDir, p.label, `CMU-1-Small-Region_${p.x}_${p.y}.png`));
    const reader = await f.ctx.slides.reader(f.slideId);
    for (const p of r.patches.slice(0, 3)) {
      const region = await reader.readRegion(0, p.x, p.y, 224, 224);
      const want = await sharp(region.data, { raw: { width: 224, height: 224, channels: 4 } }).removeAlpha().raw().toBuffer();
      const got = await sharp(p.file).raw().toBuffer();
      expect(got.equals(want)).toBe(true);
    }
  });

  it('rejects glass: the square drawn on glass (40..240) gives a candidate and no patch; what is written is tissue', async () => {
    expect(r.patches.some((p) => p.annotationId === '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d')).toBe(false);
    expect(r.slides[0].rejectedGlass).toBeGreaterThanOrEqual(1);
    expect(r.slides[0].written + r.slides[0].rejectedGlass).toBe(r.slides[0].candidates);
    for (const p of r.patches) {
      const { data } = await sharp(p.file).raw().toBuffer({ resolveWithObject: true });
      expect(tissueFraction(data, 3)).toBeGreaterThanOrEqual(DEFAULT_MIN_TISSUE);
    }
    // Points and lines enclose nothing; the four area annotations are the regions.
    expect(r.slides[0].regions).toBe(4);
    expect(r.skippedUnclassified).toBe(0);
  });

  it('hands the patches to the callback (where the datasets code will add them)', () => {
    expect(callbackGot).toEqual(r.patches);
  });

  it('at 1.0 µm/px reads ≈ 449 px regions and shrinks them to 224; a class filter and limit apply', async () => {
    const r2 = await extractPatches(f.ctx, { slideIds: [f.slideId], mpp: 1.0, size: 224, outDir: join(f.home, 'out-1'), classes: ['Stroma'] });
    expect(r2.slides[0]).toMatchObject({ level: 0, readWidth: 449, readHeight: 449, regions: 1 });
    expect(r2.patches.length).toBeGreaterThan(0);
    const reader = await f.ctx.slides.reader(f.slideId);
    for (const p of r2.patches) {
      expect(p.label).toBe('Stroma');
      expect(p.width0).toBe(449);
      const stats = await sharp(p.file).stats();
      expect([stats.channels.length, (await sharp(p.file).metadata()).width]).toEqual([3, 224]);
      const region = await reader.readRegion(0, p.x, p.y, 449, 449);
      const ref = await sharp(region.data, { raw: { width: 449, height: 449, channels: 4 } }).removeAlpha().stats();
      for (let c = 0; c < 3; c++) expect(Math.abs(stats.channels[c].mean - ref.channels[c].mean)).toBeLessThan(2);
    }
    await expect(extractPatches(f.ctx, { slideIds: [f.slideId], mpp: 1, size: 224, outDir: join(f.home, 'x'), classes: ['Tumour'] })).rejects.toThrow(
      /no annotation class named "Tumour"; classes are: .*Tumor/,
    );
    const one = await extractPatches(f.ctx, { slideIds: [f.slideId], mpp: 1.0, size: 224, outDir: join(f.home, 'out-limit'), limit: 1 });
    expect(one.patches).toHaveLength(1);
  });

  it('several slides in one call: reads the NDPI from its level 1 and names files by slide', needs(ndpiPath), async () => {
    const ndpi = await f.ctx.slides.ensure(ndpiPath!);
    f.svc.importGeoJson(ndpi.id, qupathText);
    const r3 = await extractPatches(f.ctx, { slideIds: [f.slideId, ndpi.id], mpp: 0.5, size: 224, outDir: extractedDatasetDir(f.ctx, 'two slides'), classes: ['Tumor'], minTissue: 0 });
    expect(r3.outDir).toBe(join(f.ctx.home.root, 'datasets', 'extracted', 'two slides'));
    // 0.5 / 0.2282 = 2.19: level 1 (downsample 2) is the coarsest at least that fine.
    expect(r3.slides[1]).toMatchObject({ level: 1, readWidth: Math.round((224 * 0.5) / 0.2281750559028887 / 2) });
    const fromNdpi = r3.patches.filter((p) => p.slideId === ndpi.id);
    expect(fromNdpi.length).toBe(r3.slides[1].candidates);
    for (const p of fromNdpi) {
      expect(p.file).toMatch(/Tumor\/slideio_test3-DAPI-2-387_\d+_\d+\.png$/);
      expect((await sharp(p.file).metadata()).width).toBe(224);
    }
  });

  it('refuses a slide that does not say its mpp, before writing anything', needs(ihcPath), async () => {
    const png = await f.ctx.slides.ensure(ihcPath!);
    await expect(extractPatches(f.ctx, { slideIds: [f.slideId, png.id], mpp: 0.5, size: 224, outDir: join(f.home, 'none') })).rejects.toThrow(/does not say its resolution/);
    expect(() => readdirSync(join(f.home, 'none'))).toThrow();
  });
});

describe('the glass test on the histolab reference tiles', needs(tilesDir), () => {
  it('keeps every tissue tile and rejects every plain-glass tile (pen ink is not glass)', async () => {
    const rows = readFileSync(join(tilesDir!, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const [label, file] of rows) {
      const { data, info } = await sharp(join(tilesDir!, label, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const t = tissueFraction(data, info.channels as 3);
      if (label === 'tissue') expect(t, file).toBeGreaterThanOrEqual(DEFAULT_MIN_TISSUE);
      else if (!file.includes('pen')) expect(t, file).toBeLessThan(DEFAULT_MIN_TISSUE);
    }
  });
});
