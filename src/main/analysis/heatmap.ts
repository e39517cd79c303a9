/**
 * Probability heatmaps: one class's tile probabilities painted over the slide's extent at a
 * chosen output size (the thumbnail's, so the two line up pixel for pixel), averaged where tiles
 * overlap, transparent where no tile was classified.
 */
import sharp from 'sharp';
import type { PredictionRow } from '../store/analysis-repo.js';
import { colormapRgb, type ColormapName } from '../../shared/colormaps.js';
import { turbo } from './colormap.js';

/** Overlay opacity where there is a prediction. */
const ALPHA = 170;

/** Mean probability of class `c` per output pixel (NaN where no tile covers it). */
export function heatValues(tiles: Pick<PredictionRow, 'x' | 'y' | 'w' | 'h' | 'probs'>[], c: number, slide: { width: number; height: number }, out: { width: number; height: number }): Float32Array {
  const sum = new Float32Array(out.width * out.height);
  const count = new Uint16Array(out.width * out.height);
  const sx = out.width / slide.width;
  const sy = out.height / slide.height;
  for (const t of tiles) {
    // Pixels whose centre lies in the tile.
    const x0 = Math.max(0, Math.ceil(t.x * sx - 0.5));
    const x1 = Math.min(out.width, Math.ceil((t.x + t.w) * sx - 0.5));
    const y0 = Math.max(0, Math.ceil(t.y * sy - 0.5));
    const y1 = Math.min(out.height, Math.ceil((t.y + t.h) * sy - 0.5));
    const p = t.probs[c]!;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        sum[y * out.width + x]! += p;
        count[y * out.width + x]! += 1;
      }
    }
  }
  const v = new Float32Array(out.width * out.height);
  for (let i = 0; i < v.length; i++) v[i] = count[i] ? sum[i]! / count[i]! : NaN;
  return v;
}

/**
 * RGBA PNG of heatValues through a colour map: the viewer's (src/shared/colormaps.ts) when named,
 * as a report shows what the screen did; else turbo (0 = dark blue, 1 = dark red), as exports have it.
 */
export function heatmapPng(values: Float32Array, width: number, height: number, colormap?: ColormapName): Promise<Buffer> {
  const colour = colormap ? (v: number) => colormapRgb(colormap, v) : turbo;
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const [r, g, b] = colour(v);
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = ALPHA;
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer();
}
