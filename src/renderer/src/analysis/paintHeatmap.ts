/**
 * Paints the tile heatmap for one frame. With many cells in view the pre-rendered raster is
 * drawn scaled in one call; zoomed in, the visible cells (bbox-culled) are filled as rectangles
 * snapped to device pixels, so neighbours meet without seams. Cells large on screen get a
 * one-pixel gap that shows the grid (cut out of the raster along the grid lines when it is used).
 */
import type { Projection } from '../annotations/projection';
import { visibleImageBounds } from '../annotations/projection';
import type { HeatmapRaster } from './heatmapRaster';
import type { HeatmapStyle } from './heatmapStyle';
import { cellRange, type TileData } from './tileData';

/**
 * Above this many cells in view the raster is cheaper than rectangles: in software-rendered
 * Chromium 15,000 fillRects take ~50 ms a frame, the scaled raster well under 1 ms whatever the count.
 */
const rectLimit = 2_500;
/** Cells at least this many device pixels wide are drawn with a gap between them. */
const gapFrom = 14;

export interface HeatmapScene {
  data: TileData;
  raster: HeatmapRaster;
  style: HeatmapStyle;
  /** Tile under the pointer, and the one the gallery jumped to, outlined; -1 for none. */
  hover: number;
  focused: number;
  slide: { width: number; height: number };
}

const colourCache = new Map<number, string>();

/** CSS colour of a packed RGBA pixel (few distinct values: a LUT or the class palette). */
function cssOf(pixel: number, bytes: Uint8ClampedArray, offset: number): string {
  let s = colourCache.get(pixel);
  if (!s) {
    s = `rgb(${bytes[offset]},${bytes[offset + 1]},${bytes[offset + 2]})`;
    if (colourCache.size > 4096) colourCache.clear();
    colourCache.set(pixel, s);
  }
  return s;
}

/** Device-pixel edges of grid lines k·stride + inset, k = lo..hi+1, along one screen axis. */
function edges(lo: number, hi: number, data: TileData, scale: number, origin: number, dpr: number): Float64Array {
  const out = new Float64Array(hi - lo + 2);
  for (let k = lo; k <= hi + 1; k++) out[k - lo] = Math.round((scale * (k * data.stride + data.inset) + origin) * dpr);
  return out;
}

export function paintHeatmap(ctx: CanvasRenderingContext2D, p: Projection, width: number, height: number, dpr: number, scene: HeatmapScene) {
  const { data, raster, style, slide } = scene;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (!style.visible || data.count === 0) return;

  const view = visibleImageBounds(p, width, height);
  const { c0, c1, r0, r1 } = cellRange(data, view.minX, view.minY, view.maxX, view.maxY);
  if (c0 > c1 || r0 > r1) return;

  ctx.save();
  // Edge tiles reach past the slide; the overlay stops where the slide does.
  ctx.setTransform(p.a * dpr, p.b * dpr, p.c * dpr, p.d * dpr, p.e * dpr, p.f * dpr);
  ctx.beginPath();
  ctx.rect(0, 0, slide.width, slide.height);
  ctx.clip();
  ctx.globalAlpha = style.opacity;

  const eps = 1e-9 * Math.max(Math.abs(p.a), Math.abs(p.b), Math.abs(p.c), Math.abs(p.d));
  const upright = Math.abs(p.b) <= eps && Math.abs(p.c) <= eps;
  const quarter = Math.abs(p.a) <= eps && Math.abs(p.d) <= eps;
  const visibleCells = (c1 - c0 + 1) * (r1 - r0 + 1);

  const cellPx = Math.abs(p.scale * data.stride * dpr);
  const gap = cellPx >= gapFrom && (upright || quarter) ? 1 : 0;
  if (visibleCells > rectLimit || (!upright && !quarter)) {
    // Mid-rotation or zoomed out: one scaled image, nearest-neighbour so cells stay crisp.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(raster.canvas, data.inset, data.inset, data.cols * data.stride, data.rows * data.stride);
    if (gap) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalAlpha = 1;
      ctx.globalCompositeOperation = 'destination-out';
      cutGridLines(ctx, p, data, c0, c1, r0, r1, dpr, upright);
    }
  } else {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    // Column lines land on screen x when upright, on screen y when turned a quarter.
    const colEdges = upright ? edges(c0, c1, data, p.a, p.e, dpr) : edges(c0, c1, data, p.b, p.f, dpr);
    const rowEdges = upright ? edges(r0, r1, data, p.d, p.f, dpr) : edges(r0, r1, data, p.c, p.e, dpr);
    const bytes = new Uint8ClampedArray(raster.pixels.buffer);
    for (let r = r0; r <= r1; r++) {
      const ya = rowEdges[r - r0];
      const yb = rowEdges[r - r0 + 1];
      for (let c = c0; c <= c1; c++) {
        const cell = r * data.cols + c;
        const pixel = raster.pixels[cell];
        if (pixel === 0) continue;
        ctx.fillStyle = cssOf(pixel, bytes, cell * 4);
        const xa = colEdges[c - c0];
        const xb = colEdges[c - c0 + 1];
        if (upright) ctx.fillRect(Math.min(xa, xb), Math.min(ya, yb), Math.abs(xb - xa) - gap, Math.abs(yb - ya) - gap);
        else ctx.fillRect(Math.min(ya, yb), Math.min(xa, xb), Math.abs(yb - ya) - gap, Math.abs(xb - xa) - gap);
      }
    }
  }
  ctx.restore();

  for (const tile of [scene.focused, scene.hover]) {
    if (tile >= 0 && tile < data.count) outlineTile(ctx, p, dpr, data.x[tile], data.y[tile], data.tileSize);
  }
}

/** Clears a one-pixel line just inside each grid line in view (the raster path's tile gaps). */
function cutGridLines(ctx: CanvasRenderingContext2D, p: Projection, data: TileData, c0: number, c1: number, r0: number, r1: number, dpr: number, upright: boolean) {
  const colEdges = upright ? edges(c0, c1, data, p.a, p.e, dpr) : edges(c0, c1, data, p.b, p.f, dpr);
  const rowEdges = upright ? edges(r0, r1, data, p.d, p.f, dpr) : edges(r0, r1, data, p.c, p.e, dpr);
  const { width, height } = ctx.canvas;
  // Upright, columns are vertical lines; a quarter turn makes them horizontal.
  const vertical = upright ? colEdges : rowEdges;
  const horizontal = upright ? rowEdges : colEdges;
  // The gap sits at the far side of each cell, as the rectangles' does.
  const shift = (e: Float64Array) => (e.length > 1 && e[1] > e[0] ? -1 : 0);
  const dx = shift(vertical);
  const dy = shift(horizontal);
  for (const x of vertical) ctx.fillRect(x + dx, 0, 1, height);
  for (const y of horizontal) ctx.fillRect(0, y + dy, width, 1);
}

/** The hovered tile's full extent, in white over black so it reads on any colour. */
function outlineTile(ctx: CanvasRenderingContext2D, p: Projection, dpr: number, x: number, y: number, size: number) {
  ctx.save();
  ctx.setTransform(p.a * dpr, p.b * dpr, p.c * dpr, p.d * dpr, p.e * dpr, p.f * dpr);
  const px = 1 / (p.scale * dpr);
  ctx.lineWidth = 3 * px;
  ctx.strokeStyle = 'rgba(0,0,0,0.7)';
  ctx.strokeRect(x, y, size, size);
  ctx.lineWidth = 1.5 * px;
  ctx.strokeStyle = '#ffffff';
  ctx.strokeRect(x, y, size, size);
  ctx.restore();
}
