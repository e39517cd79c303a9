/** What the live panel says about a run from its latest progress event and its stored state. */
import type { RunStatus, RunSummary, TrainingProgress } from '@shared/contract/training';

export const phaseLabels: Record<TrainingProgress['phase'], string> = {
  preparing: 'Preparing: reading images',
  features: 'Computing backbone features',
  training: 'Training',
  validating: 'Validating',
  evaluating: 'Evaluating the best checkpoint',
  done: 'Done',
};

/** The headline of a run's progress: what it is doing now, or how it ended. */
export function statusLabel(status: RunStatus | null, phase: TrainingProgress['phase'] | null, progress: TrainingProgress | null): string {
  if (status === 'running' && progress?.cancelling) return 'Cancelling…';
  if (phase) return phaseLabels[phase];
  if (status === 'running') return 'Running';
  if (status === 'queued') return 'Queued: waiting to start';
  if (status === 'completed') return 'Completed';
  return status ? `Stopped (${status})` : 'Loading…';
}

/** The status to show: an event newer than the stored row wins, a finished row wins over a stale event. */
export function liveStatus(progress: TrainingProgress | null, run: Pick<RunSummary, 'status'> | null): RunStatus | null {
  const finished = (s: RunStatus) => s !== 'running' && s !== 'queued';
  if (run && finished(run.status)) return run.status;
  return progress?.status ?? run?.status ?? null;
}

/**
 * Fraction of the run done, in [0, 1], or null while there is nothing to measure (reading images,
 * computing features: the bar then runs indeterminate).
 */
export function progressFraction(progress: TrainingProgress | null, run: Pick<RunSummary, 'status' | 'epochs' | 'epochsCompleted'> | null): number | null {
  const status = liveStatus(progress, run);
  // nothing loaded yet: an empty bar, not an indeterminate one that would jump when the run arrives
  if (status === null) return 0;
  if (status === 'completed') return 1;
  const epochs = progress?.epochs || run?.epochs || 0;
  if (epochs <= 0) return null;
  if (progress && status === 'running') {
    if ((progress.phase === 'training' || progress.phase === 'validating') && progress.steps > 0 && progress.epoch > 0) {
      return clamp((progress.epoch - 1 + progress.step / progress.steps) / epochs);
    }
    if (progress.phase === 'evaluating' || progress.phase === 'done') return 1;
    if (progress.phase === 'preparing' || progress.phase === 'features') return run && run.epochsCompleted > 0 ? clamp(run.epochsCompleted / epochs) : null;
  }
  return run ? clamp(run.epochsCompleted / epochs) : 0;
}

/** "features 12/90" as a fraction, so the feature pass gets a bar of its own. */
export function messageFraction(message: string | undefined): number | null {
  const m = /(\d+)\s*\/\s*(\d+)/.exec(message ?? '');
  if (!m || +m[2] === 0) return null;
  return clamp(+m[1] / +m[2]);
}

/**
 * The words beside the second bar, which measures one pass over the images (reading them, or the
 * backbone computing their features) rather than the run: "Features 12 / 90 images".
 */
export function subTaskLabel(phase: TrainingProgress['phase'] | null, message: string | undefined): string | null {
  const m = /(\d+)\s*\/\s*(\d+)/.exec(message ?? '');
  if (!m) return null;
  const what = phase === 'features' || /feature|embedding/i.test(message ?? '') ? 'Backbone features' : 'Images read';
  return `${what}: ${m[1]} / ${m[2]} images`;
}

function clamp(v: number): number {
  return Math.min(1, Math.max(0, v));
}
