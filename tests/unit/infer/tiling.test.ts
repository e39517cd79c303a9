/** Tile grids: resolution, level choice and tissue fractions, on the shared slides' geometry. */
import { describe, expect, it } from 'vitest';
import { gridTiles, planGrid, targetMpp } from '../../../src/main/analysis/tiling';
import { openSlide } from '../../../src/main/slides/open-slide';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);

describe('targetMpp', () => {
  it('takes the mpp asked, else the magnification (20x = 0.5 µm/px), else the training mpp, else 0.5', () => {
    expect(targetMpp({ mpp: 0.25, trainedMpp: 1 })).toBe(0.25);
    expect(targetMpp({ magnification: 20 })).toBe(0.5);
    expect(targetMpp({ magnification: 10, trainedMpp: 0.25 })).toBe(1);
    expect(targetMpp({ trainedMpp: 0.25 })).toBe(0.25);
    expect(targetMpp({})).toBe(0.5);
  });
});

describe('planGrid on CMU-1-Small-Region.svs (one level, 0.499 µm/px, 2220 x 2967)', needs(svs), () => {
  it('tiles at 0.5 µm/px with 224 px model inputs: 224 px tiles read at level 0, covering the slide', async () => {
    const r = await openSlide(svs!, { cacheDir: '/tmp' });
    try {
      const g = planGrid(r.metadata, 0.499, 0.5, 224, 0);
      expect(g).toMatchObject({ tileSize: 224, stride: 224, level: 0, readSize: 224, cols: 10, rows: 14 });
      // The last column and row reach the slide's right and bottom edges.
      expect((g.cols - 1) * g.stride + g.tileSize).toBeGreaterThanOrEqual(2220);
      expect((g.cols - 2) * g.stride + g.tileSize).toBeLessThan(2220);
      const half = planGrid(r.metadata, 0.499, 0.5, 224, 0.5);
      expect(half.stride).toBe(112);
      expect(half.cols).toBe(Math.ceil((2220 - 224) / 112) + 1);
      // Coarser than the scan: still level 0 (the only one), read larger and left to the processor to shrink.
      expect(planGrid(r.metadata, 0.499, 2, 224, 0)).toMatchObject({ level: 0, tileSize: 898, readSize: 898 });
    } finally {
      r.close();
    }
  });
});

describe('planGrid on the NDPI (7 levels, 0.228 µm/px)', needs(ndpi), () => {
  it('reads from the coarsest level that still has the target resolution', async () => {
    const r = await openSlide(ndpi!, { cacheDir: '/tmp' });
    try {
      const mpp = r.metadata.mpp!.x;
      // 0.5 µm/px is 2.19x level 0: level 1 (2x) is the coarsest at least that fine.
      expect(planGrid(r.metadata, mpp, 0.5, 224, 0)).toMatchObject({ level: 1, tileSize: 491, readSize: 246 });
      // 2 µm/px is 8.77x: level 3 (8x).
      expect(planGrid(r.metadata, mpp, 2, 224, 0)).toMatchObject({ level: 3, tileSize: 1963, readSize: 245 });
      // Finer than the scan: level 0, upsampled by the processor.
      expect(planGrid(r.metadata, mpp, 0.1, 224, 0)).toMatchObject({ level: 0, readSize: 98 });
    } finally {
      r.close();
    }
  });
});

describe('gridTiles', () => {
  it('measures each tile’s tissue from the mask, counting the part beyond the slide as no tissue', () => {
    // A 100 x 60 slide, mask at downsample 10 (10 x 6): the left half is tissue.
    const mask = new Uint8Array(60);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) mask[y * 10 + x] = 1;
    const grid = { targetMpp: 1, slideMpp: 1, inputSize: 40, tileSize: 40, stride: 40, level: 0, readSize: 40, cols: 3, rows: 2 };
    const tiles = gridTiles(grid, { mask, width: 10, height: 6, downsample: { x: 10, y: 10 } });
    expect(tiles.map((t) => [t.x, t.y])).toEqual([[0, 0], [40, 0], [80, 0], [0, 40], [40, 40], [80, 40]]);
    // Tile 2 of row 0 covers x 40..80: mask columns 4..7, one of four is tissue.
    expect(tiles.map((t) => t.tissue)).toEqual([1, 0.25, 0, 0.5, 0.125, 0]);
    expect(gridTiles(grid, null).every((t) => t.tissue === 1)).toBe(true);
  });
});
