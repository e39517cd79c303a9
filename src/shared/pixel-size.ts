/**
 * How a slide's pixel size reads wherever it is shown (library, metadata panel, analysis, reports,
 * CLI), so a value the user typed in is never mistaken for one the scanner recorded.
 * Plain functions: no zod, safe for the renderer bundle.
 */

export type PixelSizeSource = 'file' | 'user';

export const MPP_SOURCE_TEXT: Record<PixelSizeSource, string> = {
  file: 'from the file',
  user: 'set by the user',
};

/** "0.5 µm/px" (or "0.5 × 0.51 µm/px" when x and y differ by 1% or more), `digits` significant. */
export function mppText(mpp: { x: number; y: number }, digits = 3): string {
  const n = (v: number) => String(+v.toPrecision(digits));
  const same = Math.abs(mpp.x - mpp.y) / Math.max(mpp.x, mpp.y) < 0.01;
  return same ? `${n(mpp.x)} µm/px` : `${n(mpp.x)} × ${n(mpp.y)} µm/px`;
}

/** "0.5 µm/px, set by the user"; null when there is no pixel size. */
export function mppWithSource(mpp: { x: number; y: number } | null, source: PixelSizeSource | null, digits = 3): string | null {
  if (!mpp) return null;
  return source ? `${mppText(mpp, digits)}, ${MPP_SOURCE_TEXT[source]}` : mppText(mpp, digits);
}
