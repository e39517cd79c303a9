/**
 * Paints the tile heatmap for one frame. With many cells in view the pre-rendered raster is
 * drawn scaled in one call; zoomed in, the visible cells (bbox-culled) are filled as rectangles
 * snapped to device pixels (heatmapCells.ts), so neighbours meet exactly. Smoothing draws the
 * raster with bilinear filtering at every zoom, blending each tile into its neighbours.
 */
import type { Projection } from '../annotations/projection';
import { visibleImageBounds } from '../annotations/projection';
import type { HeatmapRaster } from './heatmapRaster';
import { cellRects } from './heatmapCells';
import type { HeatmapStyle } from './heatmapStyle';
import { cellRange, type TileData } from './tileData';

/**
 * Above this many cells in view the raster is cheaper than rectangles: in software-rendered
 * Chromium 15,000 fillRects take ~50 ms a frame, the scaled raster well under 1 ms whatever the count.
 */
const rectLimit = 2_500;

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

  if (style.smooth || visibleCells > rectLimit || (!upright && !quarter)) {
    // Zoomed out or mid-rotation: one scaled image, nearest-neighbour so cells stay crisp;
    // smoothed, bilinear, so each tile's colour fades into its neighbours'.
    // (the canvas's default 'low' quality is bilinear when scaling up)
    ctx.imageSmoothingEnabled = style.smooth;
    ctx.drawImage(raster.canvas, data.inset, data.inset, data.cols * data.stride, data.rows * data.stride);
  } else {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const bytes = new Uint8ClampedArray(raster.pixels.buffer);
    for (const rect of cellRects(data, p, { c0, c1, r0, r1 }, dpr, upright)) {
      const pixel = raster.pixels[rect.cell];
      if (pixel === 0) continue;
      ctx.fillStyle = cssOf(pixel, bytes, rect.cell * 4);
      ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
    }
  }
  ctx.restore();

  for (const tile of [scene.focused, scene.hover]) {
    if (tile >= 0 && tile < data.count) outlineTile(ctx, p, dpr, data.x[tile], data.y[tile], data.tileSize);
  }
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
