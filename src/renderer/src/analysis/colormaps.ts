/**
 * Colour maps for probability heatmaps, as 256-entry RGB lookup tables so colouring 100,000
 * tiles is one array read each. Viridis is perceptually uniform and reads in greyscale; the
 * diverging map is centred on 0.5, where a probability stops favouring the class; turbo is what
 * the server draws explanation maps and exported heatmaps with, and stands out from H&E purple.
 */
import { TURBO_STOPS } from '@shared/colors';

export type ColormapName = 'viridis' | 'diverging' | 'turbo';

export const colormapNames: { name: ColormapName; label: string }[] = [
  { name: 'viridis', label: 'Viridis' },
  { name: 'diverging', label: 'Diverging (blue–red, 0.5 white)' },
  { name: 'turbo', label: 'Turbo' },
];

// Control points sampled from matplotlib's viridis, a ColorBrewer RdBu reversed, and Google's
// turbo at the stops the server's heatmaps use (src/shared/colors.ts).
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
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(points[k][ch] * (1 - t) + points[k + 1][ch] * t);
  }
  return lut;
}

export const luts: Record<ColormapName, Uint8Array> = {
  viridis: buildLut(stops.viridis),
  diverging: buildLut(stops.diverging),
  turbo: buildLut(stops.turbo),
};

/** Index into a LUT (times 3 for the byte offset) for a value in 0..1. */
export function lutIndex(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value * 255)));
}

export function cssColor(name: ColormapName, value: number): string {
  const lut = luts[name];
  const i = lutIndex(value) * 3;
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}

/** A CSS linear-gradient of the map, for legends. */
export function cssGradient(name: ColormapName): string {
  const parts: string[] = [];
  for (let k = 0; k <= 10; k++) parts.push(`${cssColor(name, k / 10)} ${k * 10}%`);
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
