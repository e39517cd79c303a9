/**
 * The colour maps probability heatmaps are drawn with, on screen and in reports alike, as
 * 256-entry RGB lookup tables (colouring 100,000 tiles is one array read each). Viridis is
 * perceptually uniform and reads in greyscale; the diverging map is centred on 0.5, where a
 * probability stops favouring the class; turbo stands out from H&E purple.
 * Plain data: no zod, safe for the renderer bundle.
 */
import { TURBO_STOPS } from './colors.js';

export const COLORMAP_NAMES = ['viridis', 'diverging', 'turbo'] as const;
export type ColormapName = (typeof COLORMAP_NAMES)[number];

/** What the viewer shows first, and a report uses unless told which the screen showed. */
export const DEFAULT_COLORMAP: ColormapName = 'viridis';

export const COLORMAP_LABELS: Record<ColormapName, string> = {
  viridis: 'Viridis',
  diverging: 'Diverging (blue–red, 0.5 white)',
  turbo: 'Turbo',
};

// Control points sampled from matplotlib's viridis, a ColorBrewer RdBu reversed, and Google's turbo.
const stops: Record<ColormapName, [number, number, number][]> = {
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [109, 205, 89],
    [180, 222, 44],
    [253, 231, 37],
  ],
  diverging: [
    [5, 48, 97],
    [33, 102, 172],
    [67, 147, 195],
    [146, 197, 222],
    [209, 229, 240],
    [247, 247, 247],
    [253, 219, 199],
    [244, 165, 130],
    [214, 96, 77],
    [178, 24, 43],
    [103, 0, 31],
  ],
  turbo: TURBO_STOPS,
};

function buildLut(points: [number, number, number][]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const f = (i / 255) * (points.length - 1);
    const k = Math.min(points.length - 2, Math.floor(f));
    const t = f - k;
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(points[k]![ch]! * (1 - t) + points[k + 1]![ch]! * t);
  }
  return lut;
}

export const luts: Record<ColormapName, Uint8Array> = {
  viridis: buildLut(stops.viridis),
  diverging: buildLut(stops.diverging),
  turbo: buildLut(stops.turbo),
};

/** Index into a LUT (times 3 for the byte offset) for a value in 0..1 (clamped; NaN counts as 0). */
export function lutIndex(value: number): number {
  return Number.isNaN(value) ? 0 : Math.max(0, Math.min(255, Math.round(value * 255)));
}

/** RGB of `value` (0..1) through map `name`: the very bytes the viewer paints. */
export function colormapRgb(name: ColormapName, value: number): [number, number, number] {
  const lut = luts[name];
  const i = lutIndex(value) * 3;
  return [lut[i]!, lut[i + 1]!, lut[i + 2]!];
}

export function isColormapName(v: unknown): v is ColormapName {
  return typeof v === 'string' && (COLORMAP_NAMES as readonly string[]).includes(v);
}
