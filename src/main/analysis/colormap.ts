/** Colours for overlays: a perceptual ramp for probabilities and a palette for classes. */
import { categoricalRgb, TURBO_STOPS } from '../../shared/colors.js';

/** RGB of a value in [0, 1] (clamped). */
export function turbo(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (TURBO_STOPS.length - 1);
  const i = Math.min(TURBO_STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = TURBO_STOPS[i]!;
  const b = TURBO_STOPS[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** A class's colour (by label index), the same as the app's overlays and legends use. */
export function classColor(index: number): [number, number, number] {
  return categoricalRgb(index);
}
