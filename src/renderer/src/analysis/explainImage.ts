/**
 * An explanation map (rollout / Grad-CAM, 0..1) as a small RGBA canvas, one pixel per map cell,
 * in turbo like the server's own rendering. Stronger cells are more opaque, but every cell keeps
 * some colour so the area explained stays visible. Drawn over the slide with smoothing on, it
 * reads as the bilinear map the server renders. Cells over glass (no analysed tissue tile of the
 * analysis shown) stay clear: a map of the background explains nothing.
 */
import type { ExplainMap, ExplainResult } from '@shared/contract/analysis';
import type { TileData } from './tileData';
import { lutIndex, luts } from './colormaps';

const minAlpha = 0.3;
const maxAlpha = 0.8;

/** The map the server drew its PNG from: rollout or Grad-CAM, else the first. */
export function mainMap(result: ExplainResult): ExplainMap | null {
  return result.maps.find((m) => m.name === 'rollout' || m.name === 'grad-cam') ?? result.maps[0] ?? null;
}

/**
 * Per map cell, whether its centre lies on a tile the analysis classified (tissue); null when
 * there is no analysis grid to tell, and every cell is drawn.
 */
export function tissueCells(map: ExplainMap, extent: { x: number; y: number; w: number; h: number } | null, tiles: TileData | null): Uint8Array | null {
  if (!extent || !tiles || tiles.count === 0) return null;
  const on = new Uint8Array(map.cols * map.rows);
  for (let r = 0; r < map.rows; r++) {
    const y = extent.y + ((r + 0.5) * extent.h) / map.rows;
    const gr = Math.floor((y - tiles.inset) / tiles.stride);
    if (gr < 0 || gr >= tiles.rows) continue;
    for (let c = 0; c < map.cols; c++) {
      const x = extent.x + ((c + 0.5) * extent.w) / map.cols;
      const gc = Math.floor((x - tiles.inset) / tiles.stride);
      if (gc >= 0 && gc < tiles.cols && tiles.cell[gr * tiles.cols + gc] >= 0) on[r * map.cols + c] = 1;
    }
  }
  return on;
}

export function explainCanvas(map: ExplainMap, tissue: Uint8Array | null = null): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = map.cols;
  canvas.height = map.rows;
  const image = new ImageData(map.cols, map.rows);
  const lut = luts.turbo;
  for (let i = 0; i < map.values.length && i < map.cols * map.rows; i++) {
    if (tissue && !tissue[i]) continue;
    const v = Math.max(0, Math.min(1, map.values[i]));
    const at = lutIndex(v) * 3;
    image.data[i * 4] = lut[at];
    image.data[i * 4 + 1] = lut[at + 1];
    image.data[i * 4 + 2] = lut[at + 2];
    image.data[i * 4 + 3] = Math.round(255 * (minAlpha + (maxAlpha - minAlpha) * v));
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}
