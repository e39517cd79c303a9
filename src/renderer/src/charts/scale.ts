/**
 * The arithmetic behind the SVG charts: round tick steps (1, 2, 5 x 10^k), domains widened to
 * whole ticks, linear maps from data to pixels and the nearest point under the pointer. Pure, so
 * the unit tests check it without a DOM.
 */

export type Domain = readonly [number, number];

/** A round step (1, 2 or 5 times a power of ten) giving about `count` intervals over `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Removes float noise (0.30000000000000004) so ticks print and compare cleanly. */
function clean(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, decimals)));
}

/** Ticks at multiples of a round step inside [min, max]; `integer` keeps the step whole (epochs, counts). */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) return [clean(min, Math.abs(min) || 1)];
  let step = niceStep(max - min, count);
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(i * step, step));
  return ticks;
}

/**
 * The data range widened to the enclosing round ticks, so the axis starts and ends on a label.
 * An empty or single-valued range still gets a usable, non-zero span.
 */
export function niceDomain(values: readonly number[], count = 5, opts: { includeZero?: boolean; integer?: boolean } = {}): Domain {
  const finite = values.filter(Number.isFinite);
  if (opts.includeZero) finite.push(0);
  if (finite.length === 0) return [0, 1];
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    const pad = opts.integer ? 1 : Math.abs(min) * 0.1 || 1;
    min -= opts.integer && min - pad < 0 && min >= 0 ? 0 : pad;
    max += pad;
  }
  let step = niceStep(max - min, count);
  if (opts.integer) step = Math.max(1, Math.round(step));
  return [clean(Math.floor(min / step + 1e-9) * step, step), clean(Math.ceil(max / step - 1e-9) * step, step)];
}

/** Maps [d0, d1] onto [r0, r1] (r1 < r0 for a y axis that grows upwards). */
export function linearScale(domain: Domain, range: Domain): { (v: number): number; invert(px: number): number } {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = (v: number) => (k === 0 ? (r0 + r1) / 2 : r0 + (v - d0) * k);
  f.invert = (px: number) => (k === 0 ? d0 : d0 + (px - r0) / k);
  return f;
}

/** Decimals that tell neighbouring ticks apart for this step (0.25 → 2, 5 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d <= 10; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 10;
}

/** A tick label: as many decimals as the ticks need, thousands separated, tiny values in e-notation. */
export function formatTick(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v) || 1;
  if (v !== 0 && step < 1e-3) return v.toExponential(1);
  const d = stepDecimals(step);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** Index of the value in `sorted` (ascending) closest to `x`; -1 when empty. */
export function nearestIndex(sorted: readonly number[], x: number): number {
  if (sorted.length === 0) return -1;
  let lo = 0;
  let hi = sorted.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(sorted[lo] - x) <= Math.abs(sorted[hi] - x) ? lo : hi;
}

/** An SVG path through the points, broken where a value is missing (NaN) instead of drawn through zero. */
export function linePath(points: readonly { x: number; y: number }[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sx(p.x).toFixed(2)},${sy(p.y).toFixed(2)}`;
    pen = true;
  }
  return d;
}
