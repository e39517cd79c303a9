/**
 * Colours the app and its reports share, so a class or a run has the same colour on screen, in
 * an exported heatmap and in a PDF. Plain data: no zod, safe for the renderer bundle.
 */

/** Stops of the 'turbo' colormap (Google, 2019) at 0, 1/8, ..., 1; linear in between. */
export const TURBO_STOPS: [number, number, number][] = [
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

/** Tableau 10: distinct categorical colours for a model's classes and for runs side by side. */
export const CATEGORICAL = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The colour of category `index` (repeating past ten), as #rrggbb. */
export function categoricalHex(index: number): string {
  return CATEGORICAL[((index % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length]!;
}

/** The same colour as bytes, for writing pixels. */
export function categoricalRgb(index: number): [number, number, number] {
  const n = parseInt(categoricalHex(index).slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
