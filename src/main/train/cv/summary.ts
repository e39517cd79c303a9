/**
 * Numbers of cross-validation: an evaluation report flattened to named scalars (so every metric,
 * per class too, can be averaged), and the mean ± sample sd of each across folds and seeds.
 */
import type { EvalReport } from '../../../shared/contract/training.js';
import type { MetricSummary } from '../../../shared/contract/run-groups.js';

/** `<prefix>_accuracy`, `<prefix>_auc`, ..., and per class `<prefix>_<metric>/<label>`; null values are left out. */
export function flattenReport(prefix: string, r: Omit<EvalReport, 'curves' | 'skipped'>): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, v: number | null) => {
    if (v !== null && Number.isFinite(v)) out[`${prefix}_${name}`] = v;
  };
  put('accuracy', r.accuracy);
  put('balanced_accuracy', r.balancedAccuracy);
  put('macro_f1', r.macroF1);
  put('auc', r.auc);
  put('log_loss', r.logLoss);
  put('ece', r.ece);
  for (const [label, m] of Object.entries(r.perClass)) {
    put(`precision/${label}`, m.precision);
    put(`recall/${label}`, m.recall);
    put(`f1/${label}`, m.f1);
    put(`auc/${label}`, m.auc);
  }
  return out;
}

/** Mean and sample standard deviation (divisor n - 1; null for one value). */
export function meanSd(values: number[]): MetricSummary {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: null, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sd: null, n };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)), n };
}

/** Every metric any of the records has, summarised over the records that have it. */
export function summarise(records: Record<string, number>[]): Record<string, MetricSummary> {
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  return Object.fromEntries(names.map((name) => [name, meanSd(records.map((r) => r[name]).filter((v): v is number => v !== undefined))]));
}

/** Index of the grid point with the best mean `monitor` (lowest for val_loss, else highest); the first on ties. */
export function bestPoint(points: { metrics: Record<string, MetricSummary> }[], monitor: string): number {
  const lower = monitor === 'val_loss';
  let best = 0;
  points.forEach((p, g) => {
    const a = p.metrics[monitor]?.mean;
    const b = points[best].metrics[monitor]?.mean;
    if (a !== undefined && Number.isFinite(a) && (b === undefined || !Number.isFinite(b) || (lower ? a < b : a > b))) best = g;
  });
  return best;
}
