/**
 * Heatmap cells on screen meet exactly: each cell's rectangle ends where its neighbour's begins,
 * in whole device pixels, so no untinted lattice shows between tiles at any zoom or turn.
 */
import { describe, expect, it } from 'vitest';
import { planGrid } from '../../../src/main/analysis/tiling.js';
import type { Projection } from '../../../src/renderer/src/annotations/projection.js';
import { cellRects, type CellRect } from '../../../src/renderer/src/analysis/heatmapCells.js';
import { buildTileData } from '../../../src/renderer/src/analysis/tileData.js';

// CMU-1-Small-Region.svs: 2220 x 2967 at 0.499 µm/px, one level; ViT tiles of 224 px at 0.5 µm/px.
const slide = { width: 2220, height: 2967, levels: [{ width: 2220, height: 2967, downsample: 1 }] };

function gridData(overlap: number) {
  const g = planGrid(slide, 0.499, 0.5, 224, overlap);
  return buildTileData({ ...g, tiles: g.cols * g.rows, tissueTiles: g.cols * g.rows }, ['a', 'b'], [], 0, false);
}

/** Screen = rotation(quarter turns) · flip · scale · image + origin. */
function projection(scale: number, e: number, f: number, quarterTurns: 0 | 1 | 2 | 3, flip = false): Projection {
  const [cos, sin] = [[1, 0], [0, 1], [-1, 0], [0, -1]][quarterTurns]!;
  const fx = flip ? -1 : 1;
  return { a: cos * scale * fx, b: sin * scale * fx, c: -sin * scale, d: cos * scale, e, f, scale };
}

/** Every rectangle's right/bottom edge is exactly the next one's left/top; none is empty; the block is solid. */
function expectSeamless(rects: CellRect[], cols: number) {
  const byCell = new Map(rects.map((r) => [r.cell, r]));
  const area = rects.reduce((s, r) => s + r.w * r.h, 0);
  const minX = Math.min(...rects.map((r) => r.x));
  const minY = Math.min(...rects.map((r) => r.y));
  const maxX = Math.max(...rects.map((r) => r.x + r.w));
  const maxY = Math.max(...rects.map((r) => r.y + r.h));
  for (const r of rects) {
    expect(r.w).toBeGreaterThan(0);
    expect(r.h).toBeGreaterThan(0);
    for (const n of [byCell.get(r.cell + 1), byCell.get(r.cell + cols)]) {
      if (!n) continue;
      // Neighbours in the grid touch along a whole side on screen, whichever way the view is turned.
      const touchX = r.x + r.w === n.x || n.x + n.w === r.x;
      const touchY = r.y + r.h === n.y || n.y + n.h === r.y;
      expect(touchX !== touchY).toBe(true);
      if (touchX) expect([n.y, n.h]).toEqual([r.y, r.h]);
      else expect([n.x, n.w]).toEqual([r.x, r.w]);
    }
  }
  // No gaps and no overlaps: the cells' areas add up to the block they span.
  expect(area).toBe((maxX - minX) * (maxY - minY));
}

describe('heatmap cell rectangles', () => {
  const range = { c0: 2, c1: 7, r0: 3, r1: 9 };
  for (const overlap of [0, 0.5]) {
    for (const [scale, dpr] of [
      [0.6, 1], // 12x on a 20x scan
      [0.75, 1.25], // 15x on a high-density screen
      [0.0371, 2], // zoomed out: cells a few pixels wide
      [3.3, 1],
    ] as const) {
      it(`tile the screen with no gap at scale ${scale}, dpr ${dpr}, overlap ${overlap}`, () => {
        const data = gridData(overlap);
        expect(data.cols).toBeGreaterThan(range.c1);
        for (const turns of [0, 1, 2, 3] as const) {
          for (const flip of [false, true]) {
            const p = projection(scale, 123.37, -45.81, turns, flip);
            expectSeamless(cellRects(data, p, range, dpr, turns % 2 === 0), data.cols);
          }
        }
      });
    }
  }

  it('a cell spans its stride on screen, rounded to whole device pixels', () => {
    const data = gridData(0);
    const rects = cellRects(data, projection(0.6, 10.4, 20.6, 0), range, 1, true);
    for (const r of rects) expect(Math.abs(r.w - data.stride * 0.6)).toBeLessThanOrEqual(1);
    expect(rects.every((r) => Number.isInteger(r.x) && Number.isInteger(r.y) && Number.isInteger(r.w) && Number.isInteger(r.h))).toBe(true);
    expect(rects).toHaveLength((range.c1 - range.c0 + 1) * (range.r1 - range.r0 + 1));
  });
});
