/** How runs' numbers read on the Training and Runs pages: durations, ETAs, metric names and values. */
import type { MonitorMetric, RunStatus } from '@shared/contract/training';
import { formatDuration } from '../format';

/** The time-left read-out; a run's first steps give no estimate yet. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return 'estimating time left…';
  if (seconds < 1) return 'almost done';
  return `about ${formatDuration(seconds)} left`;
}

export const monitorLabels: Record<MonitorMetric, string> = {
  val_loss: 'val loss',
  val_accuracy: 'val accuracy',
  val_balanced_accuracy: 'val balanced accuracy',
  val_macro_f1: 'val macro F1',
  val_auc: 'val AUC',
};

/** Losses, calibration error and time are better low; everything else here is better high. */
export function lowerIsBetter(name: string): boolean {
  return /loss|ece|seconds/i.test(name);
}

/** Fractions in [0, 1] that read better as percentages (accuracy, F1, AUC), losses as plain numbers. */
export function formatMetric(name: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (/seconds/i.test(name)) return formatDuration(value);
  if (/per_?second/i.test(name)) return `${value.toFixed(value >= 100 ? 0 : 1)} img/s`;
  if (lowerIsBetter(name) || /lr/.test(name)) return value < 1e-3 && value !== 0 ? value.toExponential(2) : value.toFixed(4);
  return `${(value * 100).toFixed(1)}%`;
}

export function formatInterval(ci: readonly [number, number] | null | undefined): string {
  if (!ci) return '';
  return `${(ci[0] * 100).toFixed(1)}–${(ci[1] * 100).toFixed(1)}%`;
}

export const statusColors: Record<RunStatus, 'default' | 'primary' | 'success' | 'error' | 'warning' | 'info'> = {
  queued: 'info',
  running: 'primary',
  completed: 'success',
  failed: 'error',
  cancelled: 'default',
  interrupted: 'warning',
};

export const resumable = (status: RunStatus) => status === 'interrupted' || status === 'cancelled' || status === 'failed';
export const stoppable = (status: RunStatus) => status === 'running' || status === 'queued';

/** A run's display name: its own, else its number and what it trains. */
export function runTitle(r: { id: number; name: string | null; arch: string; mode: string }): string {
  return r.name ?? `Run ${r.id} · ${r.arch} ${r.mode}`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Seconds from start to finish (the training time leaves out reading images and computing features). */
export function wallSeconds(r: { startedAt: string | null; finishedAt: string | null }): number | null {
  if (!r.startedAt || !r.finishedAt) return null;
  const s = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}

