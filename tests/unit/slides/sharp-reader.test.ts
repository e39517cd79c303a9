/**
 * The sharp (libvips) reader: plain images, TIFF pyramids without OpenSlide, the pyramid cache
 * for large sequential images, and refusal of absurd headers. Pixels are compared with the vips
 * command line and with OpenSlide; memory of a 50k x 50k slide is measured in a child process.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWithOpenSlide } from '../../../src/main/slides/openslide.js';
import { DomainError } from '../../../src/main/errors.js';
import { SlideError } from '../../../src/main/slides/reader.js';
import { IN_MEMORY_PIXELS, openWithSharp } from '../../../src/main/slides/sharp-reader.js';
import {
  BIG_SIDE,
  bigPatternPixel,
  makeAbsurdTiff,
  makeBigPyramidTiff,
  makeTruncatedCopy,
  syntheticDir,
  testPicture,
} from '../../helpers/make-slides.js';
import { crop, pixelDiff, vipsExtractArea } from '../../helpers/reference-decoders.js';
import { runChild } from '../../helpers/run-child.js';
import { repoRoot, SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { has, needs } from '../../helpers/needs.js';

const png = sharedPath(SLIDES.ihc);
const svs = sharedPath(SLIDES.svs);

let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'tessella-sharp-cache-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('sharp reader on skimage_ihc.png', needs(png), () => {
  it('describes a single-level 512 x 512 PNG without resolution or associated images', async () => {
    const r = await openWithSharp(png!, { cacheDir });
    expect(r.readerName).toBe('sharp');
    expect(r.metadata).toMatchObject({
      format: 'png',
      vendor: null,
      width: 512,
      height: 512,
      levels: [{ width: 512, height: 512, downsample: 1 }],
      mpp: null,
      objectivePower: null,
      associatedImages: [],
    });
    expect(r.metadata.properties['image.format']).toBe('png');
    r.close();
  });

  it('reads regions identical to vips extract_area, transparent off the image', needs(has.vips), async () => {
    const r = await openWithSharp(png!, { cacheDir });
    for (const [x, y, w, h] of [
      [100, 37, 200, 150],
      [0, 0, 512, 512],
    ]) {
      const ours = await r.readRegion(0, x, y, w, h);
      expect(ours.data.equals((await vipsExtractArea(png!, x, y, w, h)).data)).toBe(true);
    }
    const edge = await r.readRegion(0, 480, -10, 64, 40);
    const inside = await vipsExtractArea(png!, 480, 0, 32, 30);
    expect(crop(edge, 0, 10, 32, 30).equals(inside.data)).toBe(true);
    expect(crop(edge, 32, 0, 32, 40).every((v) => v === 0)).toBe(true);
    expect(crop(edge, 0, 0, 32, 10).every((v) => v === 0)).toBe(true);
    r.close();
  });

  it('reports a truncated PNG as corrupt when its pixels are read', async () => {
    const cut = await makeTruncatedCopy(png!, 0.5, 'ihc-half.png');
    const r = await openWithSharp(cut, { cacheDir });
    const err = await r.readRegion(0, 0, 0, 64, 64).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlideError);
    expect(err).toMatchObject({ code: 'corrupt' });
    expect((err as Error).message).toContain('ihc-half.png');
  });
});

describe('sharp reader colour handling', () => {
  it('turns a 16-bit greyscale PNG into 8-bit RGBA', async () => {
    const grey = join(syntheticDir, 'grey16.png');
    const ramp = new Uint16Array(64 * 32).map((_, i) => (i % 64) * 1040);
    await sharp(ramp, { raw: { width: 64, height: 32, channels: 1 } }).toColourspace('grey16').png().toFile(grey);
    expect((await sharp(grey).metadata()).depth).toBe('ushort');
    const r = await openWithSharp(grey, { cacheDir });
    const img = await r.readRegion(0, 0, 0, 64, 32);
    expect(img.data.length).toBe(64 * 32 * 4);
    const px = (x: number) => [...img.data.subarray(x * 4, x * 4 + 4)];
    // 16-bit values scale to 8 bits (v / 257) and grey becomes R = G = B.
    for (const x of [0, 17, 40, 63]) {
      const v = Math.round((x * 1040) / 257);
      for (const [i, c] of px(x).slice(0, 3).entries()) expect(Math.abs(c - v), `pixel ${x} channel ${i}`).toBeLessThanOrEqual(1);
      expect(px(x)[3]).toBe(255);
    }
  });
});

describe('sharp reader on the Aperio SVS (the no-OpenSlide path)', needs(svs), () => {
  it('finds the level, Aperio resolution and associated images from the TIFF directories', async () => {
    const r = await openWithSharp(svs!, { cacheDir });
    const m = r.metadata;
    expect(m.format).toBe('aperio');
    expect(m.vendor).toBe('aperio');
    expect(m.levels).toEqual([{ width: 2220, height: 2967, downsample: 1 }]);
    expect(m.mpp).toEqual({ x: 0.499, y: 0.499 });
    expect(m.objectivePower).toBe(20);
    expect(m.properties['aperio.AppMag']).toBe('20');
    expect([...m.associatedImages].sort()).toEqual(['label', 'macro', 'thumbnail']);
  });

  it('decodes the same pixels as OpenSlide (same JPEG tiles, libjpeg-turbo both)', needs(has.openslide), async () => {
    const ours = await openWithSharp(svs!, { cacheDir });
    const ref = (await openWithOpenSlide(svs!))!;
    try {
      for (const [x, y, w, h] of [
        [1000, 1200, 300, 200],
        [2100, 2900, 200, 100],
      ]) {
        expect((await ours.readRegion(0, x, y, w, h)).data.equals((await ref.readRegion(0, x, y, w, h)).data)).toBe(true);
      }
      for (const name of ['label', 'macro', 'thumbnail']) {
        const a = await ours.readAssociatedImage(name);
        const b = await ref.readAssociatedImage(name);
        expect([a.width, a.height]).toEqual([b.width, b.height]);
        expect(a.data.equals(b.data)).toBe(true);
      }
    } finally {
      ref.close();
    }
  });
});

describe('absurd TIFF headers', () => {
  it.each([false, true])('refuses a TIFF claiming 10^6 x 10^6 pixels (tiled: %s) as too-large', async (tiled) => {
    const p = await makeAbsurdTiff(1_000_000, 1_000_000, tiled);
    const err = await openWithSharp(p, { cacheDir }).catch((e: unknown) => e);
    // A tiled one is checked against the tile index, a strip one (a plain image) against the plain budget.
    expect(err).toBeInstanceOf(tiled ? SlideError : DomainError);
    expect(err).toMatchObject({ kind: 'too-large' });
    expect((err as Error).message).toMatch(/1000000 x 1000000/);
  });
});

describe('large plain images go through the pyramid cache', () => {
  // Just over the in-memory limit, so the reader must convert instead of decoding it whole.
  const side = Math.ceil(Math.sqrt(IN_MEMORY_PIXELS)) + 104;
  let big: string;
  beforeAll(async () => {
    big = join(syntheticDir, `plain-${side}.png`);
    await sharp(testPicture(side, side), { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(big);
  });

  it('converts once to a lossless tiled pyramid and reads it exactly', needs(has.vips), async () => {
    const own = mkdtempSync(join(tmpdir(), 'tessella-pyr-'));
    try {
      const r = await openWithSharp(big, { cacheDir: own });
      expect(r.metadata.format).toBe('png');
      expect(r.metadata.levels.length).toBeGreaterThan(1);
      expect(r.metadata.levels[1]).toEqual({ width: Math.floor(side / 2), height: Math.floor(side / 2), downsample: side / Math.floor(side / 2) });
      const cached = readdirSync(own).filter((f) => f.endsWith('.tif'));
      expect(cached).toHaveLength(1);
      const firstWrite = statSync(join(own, cached[0])).mtimeMs;

      const ours = await r.readRegion(0, side - 300, 1000, 256, 256);
      expect(ours.data.equals((await vipsExtractArea(big, side - 300, 1000, 256, 256)).data)).toBe(true);

      const again = await openWithSharp(big, { cacheDir: own });
      expect(again.metadata.levels).toEqual(r.metadata.levels);
      expect(statSync(join(own, cached[0])).mtimeMs).toBe(firstWrite);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe('a 50,000 x 50,000 pyramidal tiled JPEG TIFF', () => {
  let big: string;
  beforeAll(async () => {
    big = await makeBigPyramidTiff();
  }, 600_000);

  it('opens as a 9-level pyramid and reads tiles matching the generated pattern', async () => {
    const r = await openWithSharp(big, { cacheDir });
    expect(r.metadata.format).toBe('generic-tiff');
    expect([r.metadata.width, r.metadata.height]).toEqual([BIG_SIDE, BIG_SIDE]);
    expect(r.metadata.levels.map((l) => l.width)).toEqual([50000, 25000, 12500, 6250, 3125, 1562, 781, 390, 195]);
    for (const [x, y] of [
      [0, 0],
      [30_000, 20_000],
    ]) {
      const tile = await r.readRegion(0, x, y, 256, 256);
      const expected = Buffer.alloc(256 * 256 * 4);
      for (let j = 0; j < 256; j++) {
        for (let i = 0; i < 256; i++) expected.set([...bigPatternPixel(x + i, y + j), 255], (j * 256 + i) * 4);
      }
      // JPEG at quality 85 on a smooth gradient stays within a few levels; a misplaced tile would be off by tens.
      const d = pixelDiff(tile.data, expected);
      expect(d.max).toBeLessThanOrEqual(6);
      expect(d.mean).toBeLessThan(1);
    }
    r.close();
  });

  it('matches OpenSlide on a reduced level', needs(has.openslide), async () => {
    const ours = await openWithSharp(big, { cacheDir });
    const ref = (await openWithOpenSlide(big))!;
    try {
      expect(ref.metadata.levels).toEqual(ours.metadata.levels);
      const a = await ours.readRegion(4, 16 * 1000, 16 * 700, 300, 300);
      const b = await ref.readRegion(4, 16 * 1000, 16 * 700, 300, 300);
      expect(a.data.equals(b.data)).toBe(true);
    } finally {
      ref.close();
    }
  });

  it('opens and reads the first tile with a peak RSS under 500 MB (child process)', () => {
    for (const [mod, fn] of [
      ['src/main/slides/sharp-reader.ts', 'openWithSharp'],
      ['src/main/slides/open-slide.ts', 'openSlide'],
    ]) {
      const result = runChild<{ reader: string; width: number; maxRssMb: number }>(
        `const m = await import(${JSON.stringify(join(repoRoot, mod))});
         const r = await m.${fn}(${JSON.stringify(big)}, { cacheDir: ${JSON.stringify(cacheDir)} });
         const tile = await r.readRegion(0, 0, 0, 256, 256);
         r.close();
         console.log(JSON.stringify({ reader: r.readerName, width: tile.width, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`,
      );
      expect(result.width).toBe(256);
      expect(result.maxRssMb).toBeLessThan(500);
    }
  });
});

describe('sharp reader input checks', needs(png), () => {
  it('keeps unknown associated image names, bad levels and reads after close out', async () => {
    const r = await openWithSharp(png!, { cacheDir });
    await expect(r.readAssociatedImage('label')).rejects.toMatchObject({ code: 'bad-request' });
    await expect(r.readRegion(3, 0, 0, 10, 10)).rejects.toMatchObject({ code: 'bad-request' });
    r.close();
    await expect(r.readRegion(0, 0, 0, 10, 10)).rejects.toMatchObject({ code: 'bad-request' });
  });
});
