/** Heatmaps: tile probabilities painted at thumbnail scale, averaged over overlaps, clear elsewhere. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { heatmapPng, heatValues } from '../../../src/main/analysis/heatmap';
import { turbo } from '../../../src/main/analysis/colormap';

describe('heatValues / heatmapPng', () => {
  // A 1000 x 500 slide drawn at 100 x 50: two 200 px tiles overlapping by half, one apart.
  const tiles = [
    { x: 0, y: 0, w: 200, h: 200, probs: Float32Array.of(0.2, 0.8) },
    { x: 100, y: 0, w: 200, h: 200, probs: Float32Array.of(0.6, 0.4) },
    { x: 800, y: 300, w: 200, h: 200, probs: Float32Array.of(1, 0) },
  ];
  const size = { width: 100, height: 50 };

  it('averages where tiles overlap and leaves uncovered pixels empty', () => {
    const v = heatValues(tiles, 0, { width: 1000, height: 500 }, size);
    expect(v[5 * 100 + 5]).toBeCloseTo(0.2, 6); // only tile 0
    expect(v[5 * 100 + 15]).toBeCloseTo(0.4, 6); // tiles 0 and 1
    expect(v[5 * 100 + 25]).toBeCloseTo(0.6, 6); // only tile 1
    expect(v[45 * 100 + 95]).toBeCloseTo(1, 6);
    expect(Number.isNaN(v[40 * 100 + 50]!)).toBe(true);
    // Pixel columns 0..19 and 10..29 (centres inside the tiles), rows 0..19.
    expect(Number.isNaN(v[20 * 100 + 5]!)).toBe(true);
    expect(Number.isNaN(v[5 * 100 + 30]!)).toBe(true);
  });

  it('draws the turbo colour of each value, transparent where there is none', async () => {
    const v = heatValues(tiles, 1, { width: 1000, height: 500 }, size);
    const { data, info } = await sharp(await heatmapPng(v, 100, 50)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([100, 50, 4]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * 100 + x) * 4, (y * 100 + x) * 4 + 4));
    expect(px(5, 5)).toEqual([...turbo(0.8), 170]);
    expect(px(95, 45)).toEqual([...turbo(0), 170]);
    expect(px(50, 40)[3]).toBe(0);
  });
});
