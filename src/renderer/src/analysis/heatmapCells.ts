/**
 * Where each heatmap cell lands on screen, in whole device pixels. Neighbouring cells share the
 * rounded grid line between them, so they meet exactly: no untinted seam, no double-painted
 * line, at any zoom (a lattice of 1-px gaps read as tissue structure at 12-15x).
 */
import type { Projection } from '../annotations/projection';
import type { TileData } from './tileData';

export interface CellRect {
  /** Grid cell, row-major. */
  cell: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Device-pixel positions of grid lines k·stride + inset, k = lo..hi+1, along one screen axis. */
export function gridEdges(lo: number, hi: number, data: Pick<TileData, 'stride' | 'inset'>, scale: number, origin: number, dpr: number): Float64Array {
  const out = new Float64Array(hi - lo + 2);
  for (let k = lo; k <= hi + 1; k++) out[k - lo] = Math.round((scale * (k * data.stride + data.inset) + origin) * dpr);
  return out;
}

/**
 * Screen rectangles (device pixels) of grid cells c0..c1 × r0..r1 for a view that is upright or
 * turned by a quarter (flips included); each spans from its grid line to the next one.
 */
export function cellRects(data: Pick<TileData, 'stride' | 'inset' | 'cols'>, p: Projection, range: { c0: number; c1: number; r0: number; r1: number }, dpr: number, upright: boolean): CellRect[] {
  const { c0, c1, r0, r1 } = range;
  // Column lines land on screen x when upright, on screen y when turned a quarter.
  const colEdges = upright ? gridEdges(c0, c1, data, p.a, p.e, dpr) : gridEdges(c0, c1, data, p.b, p.f, dpr);
  const rowEdges = upright ? gridEdges(r0, r1, data, p.d, p.f, dpr) : gridEdges(r0, r1, data, p.c, p.e, dpr);
  const out: CellRect[] = [];
  for (let r = r0; r <= r1; r++) {
    const ya = rowEdges[r - r0]!;
    const yb = rowEdges[r - r0 + 1]!;
    for (let c = c0; c <= c1; c++) {
      const xa = colEdges[c - c0]!;
      const xb = colEdges[c - c0 + 1]!;
      const cell = r * data.cols + c;
      if (upright) out.push({ cell, x: Math.min(xa, xb), y: Math.min(ya, yb), w: Math.abs(xb - xa), h: Math.abs(yb - ya) });
      else out.push({ cell, x: Math.min(ya, yb), y: Math.min(xa, xb), w: Math.abs(yb - ya), h: Math.abs(xb - xa) });
    }
  }
  return out;
}
