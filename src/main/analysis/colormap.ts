/** Colours for overlays: a perceptual ramp for probabilities and a palette for classes. */

/** Stops of the 'turbo' colormap (Google, 2019) at 0, 1/8, ..., 1; linear in between. */
const TURBO: [number, number, number][] = [
  [48, 18, 59],
  [65, 69, 171],
  [57, 130, 251],
  [27, 190, 216],
  [70, 233, 126],
  [164, 252, 60],
  [234, 205, 44],
  [251, 128, 34],
  [122, 4, 3],
];

/** RGB of a value in [0, 1] (clamped). */
export function turbo(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (TURBO.length - 1);
  const i = Math.min(TURBO.length - 2, Math.floor(t));
  const f = t - i;
  const a = TURBO[i]!;
  const b = TURBO[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** Tableau 10: distinct class colours, in label-index order (repeating past ten). */
const TAB10: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export function classColor(index: number): [number, number, number] {
  return TAB10[index % TAB10.length]!;
}
