/** Mean ± sd of a metric across folds, in the metric's own format. */
import type { MetricSummary } from '@shared/contract/run-groups';
import { formatMetric } from './formatRun';

/** "83.3% ± 4.1%" for fractions, "0.1234 ± 0.0100" for losses and calibration error; the mean alone when sd is null. */
export function formatMeanSd(name: string, s: MetricSummary | undefined): string {
  if (!s || !Number.isFinite(s.mean)) return '—';
  const mean = formatMetric(name, s.mean);
  return s.sd === null ? mean : `${mean} ± ${formatMetric(name, s.sd)}`;
}
