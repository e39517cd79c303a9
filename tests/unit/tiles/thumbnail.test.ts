import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { thumbnail, thumbnailLevel, thumbnailSize } from '../../../src/main/slides/thumbnail.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { compareRgb, decodeRgb } from './pixels.js';
import { pngReader } from './png-reader.js';
import { needs } from '../../helpers/needs.js';

const ihc = sharedPath(SLIDES.ihc);

// the NDPI's pyramid as OpenSlide reports it
const ndpiLevels = [3968, 1984, 992, 496, 248, 124, 62].map((w, i) => ({ width: w, height: (w / 3968) * 4864, downsample: 2 ** i }));

describe('thumbnail level and size', () => {
  it('fits the longest side and never enlarges', () => {
    expect(thumbnailSize(3968, 4864, 256)).toEqual({ width: 209, height: 256 });
    expect(thumbnailSize(2220, 2967, 512)).toEqual({ width: 383, height: 512 });
    expect(thumbnailSize(500, 500, 1024)).toEqual({ width: 500, height: 500 });
    expect(thumbnailSize(10000, 3, 100)).toEqual({ width: 100, height: 1 });
  });

  it('uses the smallest level still at least the output size', () => {
    expect(thumbnailLevel(ndpiLevels, 209, 256)).toBe(4); // 248x304, not 124x152
    expect(thumbnailLevel(ndpiLevels, 248, 304)).toBe(4);
    expect(thumbnailLevel(ndpiLevels, 249, 304)).toBe(3);
    expect(thumbnailLevel(ndpiLevels, 50, 61)).toBe(6);
    expect(thumbnailLevel(ndpiLevels, 5000, 6000)).toBe(0);
  });
});

describe('thumbnail on the IHC image (in-test reader)', needs(ihc), () => {
  it('is a JPEG of the fitted size that looks like the image', async () => {
    const reader = await pngReader(ihc!);
    const jpeg = await thumbnail(reader, 128);
    const m = await sharp(jpeg).metadata();
    expect([m.format, m.width, m.height]).toEqual(['jpeg', 128, 128]);
    const expected = await decodeRgb(await sharp(ihc!).removeAlpha().resize(128, 128, { kernel: 'lanczos3' }).png().toBuffer());
    expect(compareRgb(await decodeRgb(jpeg), expected).mae).toBeLessThan(8);
    expect(reader.reads).toBe(1);
  });

  it('reads in bounded blocks when the level is too big for one read, with the same result', async () => {
    const whole = await decodeRgb(await thumbnail(await pngReader(ihc!), 100, { quality: 95 }));
    const reader = await pngReader(ihc!);
    const blocks = await decodeRgb(await thumbnail(reader, 100, { quality: 95, maxReadPixels: 128 * 128 }));
    expect(reader.reads).toBeGreaterThan(4);
    expect([blocks.width, blocks.height]).toEqual([100, 100]);
    // block edges resample a few border pixels differently; no seams or misplaced blocks
    expect(compareRgb(blocks, whole).mae).toBeLessThan(2);
  });
});
