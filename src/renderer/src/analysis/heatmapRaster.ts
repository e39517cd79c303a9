/**
 * The heatmap pre-rendered at one pixel per grid cell. Drawn scaled with smoothing off it is
 * the whole overlay in one drawImage whatever the tile count, and its pixels double as the
 * colour table the per-tile rectangles read when zoomed in.
 */
import { classRgb } from './classColors';
import { lutIndex, luts } from './colormaps';
import type { HeatmapStyle } from './heatmapStyle';
import type { TileData } from './tileData';

export interface HeatmapRaster {
  canvas: HTMLCanvasElement;
  /** The canvas's pixels as packed RGBA (platform byte order), row-major cols × rows; 0 is clear. */
  pixels: Uint32Array;
}

/** Fills `out` (cols × rows × 4 bytes) with each cell's colour; separate from the DOM for testing and speed. */
export function colourCells(data: TileData, style: Pick<HeatmapStyle, 'mode' | 'classIndex' | 'colormap' | 'threshold'>, out: Uint8ClampedArray) {
  out.fill(0);
  const k = data.labels.length;
  const lut = luts[style.colormap];
  const cls = Math.min(style.classIndex, k - 1);
  const palette = data.labels.map((_, i) => classRgb(i));
  for (let cellIndex = 0; cellIndex < data.cell.length; cellIndex++) {
    const i = data.cell[cellIndex];
    if (i < 0) continue;
    let r: number, g: number, b: number;
    if (style.mode === 'probability') {
      const p = data.probs[i * k + cls];
      if (p < style.threshold) continue;
      const at = lutIndex(p) * 3;
      r = lut[at];
      g = lut[at + 1];
      b = lut[at + 2];
    } else {
      const winner = data.label[i];
      if (data.probs[i * k + winner] < style.threshold) continue;
      [r, g, b] = palette[winner] ?? [255, 255, 255];
    }
    const o = cellIndex * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
}

export function rasterize(data: TileData, style: Pick<HeatmapStyle, 'mode' | 'classIndex' | 'colormap' | 'threshold'>): HeatmapRaster {
  const canvas = document.createElement('canvas');
  canvas.width = data.cols;
  canvas.height = data.rows;
  const image = new ImageData(data.cols, data.rows);
  colourCells(data, style, image.data);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return { canvas, pixels: new Uint32Array(image.data.buffer) };
}
