/**
 * Tile predictions packed into typed arrays on the analysis grid, so overlays can colour
 * 100,000 tiles without objects per tile and find the tile under the pointer by arithmetic:
 * a tile at grid column c starts at c·stride, and `cell` maps each grid cell to its tile.
 */
import type { TileGrid, TilePrediction } from '@shared/contract/analysis';

export interface TileData {
  labels: string[];
  count: number;
  cols: number;
  rows: number;
  stride: number;
  tileSize: number;
  /**
   * With overlap each tile is shown as the stride-sized cell around its centre, so neighbours
   * do not paint over each other: cells start `inset` level-0 pixels into their tile.
   */
  inset: number;
  x: Int32Array;
  y: Int32Array;
  /** Most probable class of each tile. */
  label: Uint16Array;
  /** Row-major, `labels.length` per tile. */
  probs: Float32Array;
  /** Tile index per grid cell (row-major, cols × rows), -1 where no tile was classified. */
  cell: Int32Array;
  /** Fewer tiles than the analysis holds came back (the call's limit). */
  truncated: boolean;
  total: number;
}

export function buildTileData(grid: TileGrid, labels: string[], tiles: TilePrediction[], total: number, truncated: boolean): TileData {
  const n = tiles.length;
  const k = labels.length;
  const x = new Int32Array(n);
  const y = new Int32Array(n);
  const label = new Uint16Array(n);
  const probs = new Float32Array(n * k);
  const cell = new Int32Array(grid.cols * grid.rows).fill(-1);
  for (let i = 0; i < n; i++) {
    const t = tiles[i];
    x[i] = t.x;
    y[i] = t.y;
    label[i] = t.label;
    for (let j = 0; j < k; j++) probs[i * k + j] = t.probs[j] ?? 0;
    const c = Math.round(t.x / grid.stride);
    const r = Math.round(t.y / grid.stride);
    if (c >= 0 && c < grid.cols && r >= 0 && r < grid.rows) cell[r * grid.cols + c] = i;
  }
  return {
    labels,
    count: n,
    cols: grid.cols,
    rows: grid.rows,
    stride: grid.stride,
    tileSize: grid.tileSize,
    inset: (grid.tileSize - grid.stride) / 2,
    x,
    y,
    label,
    probs,
    cell,
    truncated,
    total,
  };
}

export function probability(data: TileData, tile: number, classIndex: number): number {
  return data.probs[tile * data.labels.length + classIndex];
}

/** Grid cell range (inclusive) meeting a level-0 box; empty when lo > hi. */
export function cellRange(data: TileData, minX: number, minY: number, maxX: number, maxY: number) {
  const s = data.stride;
  return {
    c0: Math.max(0, Math.floor((minX - data.inset) / s)),
    c1: Math.min(data.cols - 1, Math.floor((maxX - data.inset) / s)),
    r0: Math.max(0, Math.floor((minY - data.inset) / s)),
    r1: Math.min(data.rows - 1, Math.floor((maxY - data.inset) / s)),
  };
}

/** The classified tile whose cell holds level-0 point (px, py), or -1. */
export function tileAt(data: TileData, px: number, py: number): number {
  const c = Math.floor((px - data.inset) / data.stride);
  const r = Math.floor((py - data.inset) / data.stride);
  // The first row and column also own the margin before their cell (their tile starts at 0).
  const cc = c < 0 && px >= 0 ? 0 : c;
  const rr = r < 0 && py >= 0 ? 0 : r;
  if (cc < 0 || rr < 0 || cc >= data.cols || rr >= data.rows) return -1;
  const i = data.cell[rr * data.cols + cc];
  if (i < 0) return -1;
  // Past the last cell, only as far as the tile itself reaches.
  if (px >= data.x[i] + data.tileSize || py >= data.y[i] + data.tileSize) return -1;
  return i;
}

/**
 * The `perClass` tiles predicted as each class with the highest probability for it, best first:
 * one pass per class with a small sorted buffer, not a sort of every tile.
 */
export function topTiles(data: TileData, perClass: number): number[][] {
  const k = data.labels.length;
  const out: number[][] = [];
  for (let c = 0; c < k; c++) {
    const best: number[] = [];
    for (let i = 0; i < data.count; i++) {
      if (data.label[i] !== c) continue;
      const p = data.probs[i * k + c];
      if (best.length === perClass && p <= data.probs[best[best.length - 1] * k + c]) continue;
      let at = best.length;
      while (at > 0 && data.probs[best[at - 1] * k + c] < p) at--;
      best.splice(at, 0, i);
      if (best.length > perClass) best.pop();
    }
    out.push(best);
  }
  return out;
}
