/** The rows of the side-by-side comparison table, and which run is best in each. */
import { lowerIsBetter } from './formatRun';

export const compareMetrics: { key: string; label: string }[] = [
  { key: 'accuracy', label: 'Accuracy' },
  { key: 'balancedAccuracy', label: 'Balanced accuracy' },
  { key: 'macroF1', label: 'Macro F1' },
  { key: 'auc', label: 'ROC AUC' },
  { key: 'logLoss', label: 'Log loss' },
  { key: 'ece', label: 'Calibration error (ECE)' },
  { key: 'seconds', label: 'Training time' },
  { key: 'imagesPerSecond', label: 'Throughput' },
];

/** Columns holding the best value of a row (ties all count); none when fewer than two runs have a value. */
export function bestColumns(values: readonly (number | null | undefined)[], key: string): Set<number> {
  const finite = values.map((v, i) => [v, i] as const).filter((e): e is readonly [number, number] => typeof e[0] === 'number' && Number.isFinite(e[0]));
  if (finite.length < 2) return new Set();
  const lower = lowerIsBetter(key);
  const best = finite.reduce((b, [v]) => (lower ? Math.min(b, v) : Math.max(b, v)), lower ? Infinity : -Infinity);
  return new Set(finite.filter(([v]) => v === best).map(([, i]) => i));
}
