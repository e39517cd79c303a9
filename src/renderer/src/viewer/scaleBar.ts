/**
 * Picks a scale-bar length a pathologist would draw by hand: 1, 2 or 5 times a power of ten,
 * in µm, as long as possible without exceeding `maxPixels` on screen.
 */
export function niceScaleBar(micronsPerScreenPixel: number, maxPixels = 140): { microns: number; pixels: number } | null {
  if (!(micronsPerScreenPixel > 0) || !Number.isFinite(micronsPerScreenPixel)) return null;
  const maxMicrons = micronsPerScreenPixel * maxPixels;
  const magnitude = 10 ** Math.floor(Math.log10(maxMicrons));
  let microns = magnitude;
  for (const step of [5, 2, 1]) {
    if (step * magnitude <= maxMicrons) {
      microns = step * magnitude;
      break;
    }
  }
  return { microns, pixels: microns / micronsPerScreenPixel };
}
