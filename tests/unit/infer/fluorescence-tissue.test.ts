/**
 * Fluorescence slides: tissue is signal over a dark background (the DAPI NDPI of ../shared and
 * a synthetic 12-bit scan), and thumbnails are contrast-stretched instead of near black.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSlideTissue } from '../../../src/main/analysis/slide-tissue';
import { gridTiles, planGrid } from '../../../src/main/analysis/tiling';
import { createAppContext } from '../../../src/main/app-context';
import { openSlide } from '../../../src/main/slides/open-slide';
import { stretchContrast, thumbnail } from '../../../src/main/slides/thumbnail';
import { TissueParams } from '../../../src/shared/contract/analysis';
import { makeGrey16Fluorescence } from '../../helpers/make-fluorescence';
import { needs } from '../../helpers/needs';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';

const ndpi = sharedPath(SLIDES.ndpi);
const home = tempHome('tessella-fluorescence-');
afterAll(() => home.cleanup());
const cacheDir = join(home.dir, 'cache');

async function meanBrightness(jpeg: Buffer): Promise<number> {
  const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) sum += Math.max(data[i]!, data[i + 1]!, data[i + 2]!);
  return sum / (data.length / 3);
}

describe('tissue on the DAPI NDPI', { ...needs(ndpi), timeout: 120_000 }, () => {
  it('keeps the tissue tiles as signal over the dark background (brightfield rules kept 5 of 90)', async () => {
    const reader = await openSlide(ndpi!, { cacheDir });
    try {
      const mpp = reader.metadata.mpp!.x;
      const geometry = planGrid(reader.metadata, mpp, 0.5, 224, 0);
      const count = async (type: 'brightfield' | 'fluorescence') => {
        const t = await detectSlideTissue(reader, mpp, TissueParams.parse({}), type);
        const tiles = gridTiles(geometry, t);
        return { t, tiles: tiles.length, tissue: tiles.filter((x) => x.tissue >= 0.25).length };
      };
      const bright = await count('brightfield');
      const fluo = await count('fluorescence');
      expect(bright.tiles).toBe(90);
      expect(bright.tissue).toBeLessThan(15);
      expect(fluo.tissue).toBeGreaterThan(45);
      expect(fluo.tissue).toBeLessThan(90); // the empty upper-left corner and lower edge stay out
      expect(fluo.t.penFraction).toBe(0);
      // The top-left corner is empty slide background; the lower middle is dense nuclei.
      const { mask, width, height } = fluo.t;
      expect(mask[2 * width + 2]).toBe(0);
      expect(mask[Math.round(height * 0.75) * width + Math.round(width * 0.5)]).toBe(1);
    } finally {
      reader.close();
    }
  });
});

describe('tissue on a 12-bit fluorescence scan', () => {
  it('finds the nuclei field, not the black surround, though the pixels are near black as 8-bit', async () => {
    const reader = await openSlide(await makeGrey16Fluorescence(), { cacheDir });
    try {
      // 320 x 240 at 1 µm/px, mask at 2 µm/px: 160 x 120; the nuclei lie in x 15-75%, y 20-80%.
      const t = await detectSlideTissue(reader, 1, TissueParams.parse({ maskMpp: 2, minAreaUm2: 100 }), 'fluorescence');
      expect([t.width, t.height]).toEqual([160, 120]);
      const at = (fx: number, fy: number) => t.mask[Math.round(fy * t.height) * t.width + Math.round(fx * t.width)];
      expect(at(0.45, 0.5)).toBe(1);
      expect(at(0.05, 0.05)).toBe(0);
      expect(at(0.9, 0.5)).toBe(0);
      expect(t.tissueFraction).toBeGreaterThan(0.2);
      expect(t.tissueFraction).toBeLessThan(0.5);
    } finally {
      reader.close();
    }
  });
});

describe('fluorescence thumbnails', () => {
  it('are contrast-stretched: a 12-bit scan is not near black', async () => {
    const reader = await openSlide(await makeGrey16Fluorescence(), { cacheDir });
    try {
      const plain = await meanBrightness(await thumbnail(reader, 128));
      const stretched = await meanBrightness(await thumbnail(reader, 128, { imageType: 'fluorescence' }));
      expect(plain).toBeLessThan(5);
      expect(stretched).toBeGreaterThan(plain * 5);
      expect(stretched).toBeGreaterThan(25);
    } finally {
      reader.close();
    }
  });

  it('stretch keeps the colours: every channel scaled by the same factor', () => {
    const rgb = Uint8Array.from([0, 0, 0, 0, 0, 10, 0, 5, 10, 0, 0, 20]);
    const range = stretchContrast(rgb);
    expect(range).toEqual({ low: 0, high: 20 });
    expect([...rgb]).toEqual([0, 0, 0, 0, 0, 128, 0, 64, 128, 0, 0, 255]);
  });

  it('the library serves the stretched thumbnail of a fluorescence slide, stored under its own name', async () => {
    const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    try {
      const slide = await ctx.slides.ensure(await makeGrey16Fluorescence());
      expect(slide.imageType).toBe('fluorescence');
      expect(await meanBrightness(await ctx.slides.thumbnail(slide.id))).toBeGreaterThan(25);
    } finally {
      ctx.close();
    }
  });
});
