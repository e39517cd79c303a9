/**
 * From a run's recorded metrics to chart series. Everything shares an epoch axis: per-epoch
 * values sit at whole epochs, and the per-step training loss is spread over the epoch it belongs
 * to (step i of n at epoch - 1 + i/n), so the noisy step curve and the smooth epoch curve line up.
 */
import type { MetricPoint } from '@shared/contract/training';
import type { ChartPoint, ChartSeries } from '../charts/LineChart';

const TRAIN = '#4e79a7';
const VAL = '#f28e2b';

/** Per-epoch values by `<split>_<name>`, in epoch order. */
export function epochCurves(points: readonly MetricPoint[]): Record<string, ChartPoint[]> {
  const out: Record<string, ChartPoint[]> = {};
  for (const p of points) if (p.step === null) (out[`${p.split}_${p.name}`] ??= []).push({ x: p.epoch, y: p.value });
  for (const k of Object.keys(out)) out[k].sort((a, b) => a.x - b.x);
  return out;
}

/**
 * The per-step training loss on the epoch axis. An epoch still running has fewer steps recorded
 * than it will have; `live` (from the progress events) or the longest finished epoch says how many.
 */
export function stepLossPoints(points: readonly MetricPoint[], live?: { epoch: number; steps: number } | null): ChartPoint[] {
  const byEpoch = new Map<number, { step: number; value: number }[]>();
  for (const p of points) {
    if (p.step === null || p.split !== 'train' || p.name !== 'loss') continue;
    let list = byEpoch.get(p.epoch);
    if (!list) byEpoch.set(p.epoch, (list = []));
    list.push({ step: p.step, value: p.value });
  }
  const longest = Math.max(0, ...[...byEpoch.values()].map((l) => l.length));
  const out: ChartPoint[] = [];
  for (const epoch of [...byEpoch.keys()].sort((a, b) => a - b)) {
    const list = byEpoch.get(epoch)!.sort((a, b) => a.step - b.step);
    const expected = Math.max(list.length, live && live.epoch === epoch ? live.steps : longest);
    list.forEach((p, i) => out.push({ x: epoch - 1 + (i + 1) / expected, y: p.value }));
  }
  return out;
}

export function lossSeries(points: readonly MetricPoint[], live?: { epoch: number; steps: number } | null): ChartSeries[] {
  const epochs = epochCurves(points);
  return [
    { id: 'train_loss_step', label: 'train loss (per step)', points: stepLossPoints(points, live), color: TRAIN, width: 1, opacity: 0.35 },
    { id: 'train_loss', label: 'train loss', points: epochs.train_loss ?? [], color: TRAIN, markers: true },
    { id: 'val_loss', label: 'val loss', points: epochs.val_loss ?? [], color: VAL, markers: true },
  ];
}

export function accuracySeries(points: readonly MetricPoint[]): ChartSeries[] {
  const epochs = epochCurves(points);
  const series: ChartSeries[] = [
    { id: 'train_accuracy', label: 'train accuracy', points: epochs.train_accuracy ?? [], color: TRAIN, markers: true },
    { id: 'val_accuracy', label: 'val accuracy', points: epochs.val_accuracy ?? [], color: VAL, markers: true },
  ];
  if (epochs.val_balanced_accuracy?.length) {
    series.push({ id: 'val_balanced_accuracy', label: 'val balanced accuracy', points: epochs.val_balanced_accuracy, color: VAL, dashed: true, width: 1.5 });
  }
  return series;
}

/** The first epoch that may still change: the one after the last with per-epoch values. */
export function openEpoch(metrics: readonly MetricPoint[]): number {
  let done = 0;
  for (const m of metrics) if (m.step === null && m.epoch > done) done = m.epoch;
  return done + 1;
}

/** Recorded metrics with everything from `from` on replaced by a fresh read of those epochs. */
export function mergeFrom(old: readonly MetricPoint[], from: number, fresh: readonly MetricPoint[]): MetricPoint[] {
  return [...old.filter((m) => m.epoch < from), ...fresh];
}
