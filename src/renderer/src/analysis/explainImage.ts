/**
 * An explanation map (rollout / Grad-CAM, 0..1) as a small RGBA canvas, one pixel per map cell,
 * in turbo like the server's own rendering. Stronger cells are more opaque, but every cell keeps
 * some colour so the area explained stays visible. Drawn over the slide with smoothing on, it
 * reads as the bilinear map the server renders.
 */
import type { ExplainMap, ExplainResult } from '@shared/contract/analysis';
import { lutIndex, luts } from './colormaps';

const minAlpha = 0.3;
const maxAlpha = 0.8;

/** The map the server drew its PNG from: rollout or Grad-CAM, else the first. */
export function mainMap(result: ExplainResult): ExplainMap | null {
  return result.maps.find((m) => m.name === 'rollout' || m.name === 'grad-cam') ?? result.maps[0] ?? null;
}

export function explainCanvas(map: ExplainMap): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = map.cols;
  canvas.height = map.rows;
  const image = new ImageData(map.cols, map.rows);
  const lut = luts.turbo;
  for (let i = 0; i < map.values.length && i < map.cols * map.rows; i++) {
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
