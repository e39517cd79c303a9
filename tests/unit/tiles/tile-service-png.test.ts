/**
 * The tile service over the IHC image through a minimal in-test reader, so these checks hold
 * whatever the production readers do. OpenSlide Python reads the same PNG as an ImageSlide,
 * which gives a reference tile for every address.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTile, TileService } from '../../../src/main/slides/tile-service.js';
import { SlideError, type SlideReader } from '../../../src/main/slides/reader.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { runReference } from './openslide-python.js';
import { pngReader } from './png-reader.js';
import { compareRgb, crop, decodeRgb } from './pixels.js';
import { has, needs } from '../../helpers/needs.js';

const ihc = sharedPath(SLIDES.ihc);
const WHITE = { r: 255, g: 255, b: 255 };

describe('TileService on the IHC image (in-test reader)', needs(ihc), () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessella-tiles-png-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every tile of every level the size DeepZoom says, overlaps included', async () => {
    const reader = await pngReader(ihc!);
    const svc = new TileService();
    const g = svc.geometry(reader);
    expect(g.levels.map((l) => [l.cols, l.rows])).toEqual([
      [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [2, 2], [3, 3],
    ]);
    const top = g.levels.length - 1;
    const sizes: string[] = [];
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        const m = await sharp(await svc.getTile({ hash: 'ihc', reader }, top, col, row)).metadata();
        expect(m.format).toBe('jpeg');
        sizes.push(`${m.width}x${m.height}`);
      }
    }
    // 512 = 254 + 254 + 4: first 254+1, middle 1+254+1, last 1+4
    expect(sizes).toEqual(['255x255', '256x255', '5x255', '255x256', '256x256', '5x256', '255x5', '256x5', '5x5']);
    const small = await sharp(await svc.getTile({ hash: 'ihc', reader }, 0, 0, 0)).metadata();
    expect([small.width, small.height]).toEqual([1, 1]);
  });

  it('rejects coordinates outside the grid and bad qualities with bad-request', async () => {
    const reader = await pngReader(ihc!);
    const svc = new TileService();
    const slide = { hash: 'ihc', reader };
    const cases: [number, number, number, number?][] = [
      [10, 0, 0],
      [-1, 0, 0],
      [9, 3, 0],
      [9, 0, 3],
      [8, 2, 0],
      [9, -1, 0],
      [9, 1.5, 0],
      [9, 0, 0, 0],
      [9, 0, 0, 101],
    ];
    for (const [l, c, r, q] of cases) {
      const err = await svc.getTile(slide, l, c, r, q === undefined ? {} : { quality: q }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlideError);
      expect((err as SlideError).code).toBe('bad-request');
    }
    expect(reader.reads).toBe(0);
  });

  it('shares one read between concurrent requests and serves repeats from memory, then disk', async () => {
    const reader = await pngReader(ihc!);
    const svc = new TileService({ cacheDir: dir });
    const slide = { hash: 'ihc-cache', reader };
    const all = await Promise.all(Array.from({ length: 5 }, () => svc.getTile(slide, 9, 1, 1)));
    expect(reader.reads).toBe(1);
    for (const t of all) expect(t).toBe(all[0]);
    expect(await svc.getTile(slide, 9, 1, 1)).toBe(all[0]);
    expect(reader.reads).toBe(1);
    // another quality is another tile
    const q60 = await svc.getTile(slide, 9, 1, 1, { quality: 60 });
    expect(reader.reads).toBe(2);
    expect(q60.length).toBeLessThan(all[0].length);
    await svc.flush();

    const fresh = await pngReader(ihc!);
    const restarted = new TileService({ cacheDir: dir });
    const again = await restarted.getTile({ hash: 'ihc-cache', reader: fresh }, 9, 1, 1);
    expect(fresh.reads).toBe(0);
    expect(again.equals(all[0])).toBe(true);
  });

  it('builds a low-resolution level image once per reader, and again after forget()', async () => {
    const reader = await pngReader(ihc!);
    const svc = new TileService();
    const slide = { hash: 'ihc-levels', reader };
    expect([7, 8, 9].map((l) => svc.usesLevelImage(reader, l))).toEqual([true, true, false]);
    await Promise.all([svc.getTile(slide, 8, 0, 0), svc.getTile(slide, 8, 1, 1), svc.getTile(slide, 5, 0, 0), svc.getTile(slide, 0, 0, 0)]);
    expect(reader.reads).toBe(1);
    svc.forget(reader);
    await svc.getTile(slide, 7, 0, 0);
    expect(reader.reads).toBe(2);
  });

  it('flattens transparent areas onto the slide background', async () => {
    const base = await pngReader(ihc!, { 'openslide.background-color': '00FF00' });
    // left half of every read transparent, as OpenSlide returns for areas with no scan data
    const reader: SlideReader = {
      ...base,
      metadata: base.metadata,
      async readRegion(level, x, y, w, h) {
        const img = await base.readRegion(level, x, y, w, h);
        for (let r = 0; r < h; r++) for (let c = 0; c < w >> 1; c++) img.data.fill(0, (r * w + c) * 4, (r * w + c) * 4 + 4);
        return img;
      },
    };
    const svc = new TileService();
    const px = await decodeRgb(await svc.getTile({ hash: 'transparent', reader }, 9, 1, 1, { quality: 95 }));
    const green = compareRgb(crop(px, 8, 8, 100, 240), { width: 100, height: 240, data: Buffer.alloc(100 * 240 * 3).fill(Buffer.from([0, 255, 0])) });
    expect(green.mae).toBeLessThan(3);
    const rightHalf = crop(px, 160, 8, 90, 240);
    const notGreen = compareRgb(rightHalf, { width: 90, height: 240, data: Buffer.alloc(90 * 240 * 3).fill(Buffer.from([0, 255, 0])) });
    expect(notGreen.mae).toBeGreaterThan(50);
  });

  it('renders regions too big for one read in blocks, with the same picture', async () => {
    const reader = await pngReader(ihc!);
    const g = new TileService().geometry(reader);
    const opts = { format: 'png' as const, quality: 85, background: WHITE };
    for (const [l, c, r] of [[8, 0, 0], [6, 0, 0], [8, 1, 1]]) {
      const whole = await decodeRgb(await renderTile(reader, g, l, c, r, opts));
      const before = reader.reads;
      const blocks = await decodeRgb(await renderTile(reader, g, l, c, r, { ...opts, maxReadPixels: 100 * 100 }));
      const t = g.levels[l];
      if (t.slideToDz > 1 && whole.width > 8) expect(reader.reads - before, `${l}/${c}_${r}`).toBeGreaterThan(4);
      expect([blocks.width, blocks.height]).toEqual([whole.width, whole.height]);
      // only pixels next to block edges see a different Lanczos support
      expect(compareRgb(blocks, whole).mae, `${l}/${c}_${r}`).toBeLessThan(1);
    }
  });

  describe('against OpenSlide Python DeepZoomGenerator (ImageSlide)', needs(has.pythonOpenSlide), () => {
    const addresses = ['9/0/0', '9/1/1', '9/2/2', '9/2/0', '8/0/0', '8/1/1', '8/1/0', '7/0/0', '5/0/0', '2/0/0'];
    let refDir = '';
    beforeAll(async () => {
      refDir = await mkdtemp(join(tmpdir(), 'tessella-tiles-ref-'));
      runReference(['tiles', ihc!, refDir, ...addresses]);
    });
    afterAll(async () => {
      await rm(refDir, { recursive: true, force: true });
    });
    const ref = (a: string) => decodeRgb(join(refDir, `${a.replaceAll('/', '_')}.png`));

    it('matches exactly at full resolution and within resampler differences when shrunk (lossless output)', async () => {
      const reader = await pngReader(ihc!);
      const g = new TileService().geometry(reader);
      for (const a of addresses) {
        const [l, c, r] = a.split('/').map(Number);
        const ours = await decodeRgb(await renderTile(reader, g, l, c, r, { format: 'png', quality: 85, background: WHITE }));
        const m = compareRgb(ours, await ref(a));
        // level 9 is the image itself: no resampling, so the same pixels
        if (l === 9) expect(m.mae, a).toBe(0);
        // PIL (box reduce + Lanczos) and libvips (shrink + Lanczos3) differ by well under one level on average
        else expect(m.mae, a).toBeLessThan(1);
      }
    });

    it('JPEG tiles differ from the reference no more than JPEG itself costs, and a 1-pixel shift would show', async () => {
      const reader = await pngReader(ihc!);
      const svc = new TileService();
      for (const a of addresses) {
        const [l, c, r] = a.split('/').map(Number);
        const expected = await ref(a);
        const ours = await decodeRgb(await svc.getTile({ hash: 'ihc', reader }, l, c, r));
        // The budget: the error of encoding the reference tile itself at quality 85, plus one
        // level for the resampler difference measured above.
        const jpegOfRef = await decodeRgb(
          await sharp(expected.data, { raw: { width: expected.width, height: expected.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer(),
        );
        const budget = compareRgb(jpegOfRef, expected).mae + 1;
        const m = compareRgb(ours, expected);
        expect(m.mae, a).toBeLessThanOrEqual(budget);
        if (expected.width > 16) {
          const w = expected.width - 1;
          const off = compareRgb(crop(ours, 1, 0, w, expected.height), crop(expected, 0, 0, w, expected.height));
          expect(off.mae, `${a} shifted`).toBeGreaterThan(budget * 1.5);
        }
      }
    });
  });
});
