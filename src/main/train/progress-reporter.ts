/**
 * A training worker's progress, published two ways: as events to its launcher (over IPC) and
 * stored with the run, so a page opened mid-run and an app following a run that another process
 * (the CLI) trains see the same epoch, step and ETA. A cancel request is published the moment it
 * arrives, flagged `cancelling`, so every viewer can say so until the run ends.
 */
import type { TrainingProgress } from '../../shared/contract/training.js';
import type { RunsRepo } from '../store/runs-repo.js';

export interface ProgressReporterOptions {
  repo: RunsRepo;
  runId: number;
  pid: number;
  epochs: number;
  signal: AbortSignal;
  onProgress?: (p: TrainingProgress) => void;
  /** Reports closer together than this are dropped unless forced. */
  minIntervalMs: number;
}

export class ProgressReporter {
  phase: TrainingProgress['phase'] = 'preparing';
  /** The latest per-epoch values, carried by every report. */
  metrics: Record<string, number> = {};
  private current: TrainingProgress;
  private lastAt = 0;
  private readonly onAbort = () => this.publish({ ...this.current, cancelling: true });

  constructor(private readonly o: ProgressReporterOptions) {
    this.current = this.build({});
    o.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  report(p: Partial<TrainingProgress>, force = false): void {
    if (!force && Date.now() - this.lastAt < this.o.minIntervalMs) return;
    this.lastAt = Date.now();
    this.current = this.build(p);
    this.publish(this.current);
  }

  dispose(): void {
    this.o.signal.removeEventListener('abort', this.onAbort);
  }

  private build(p: Partial<TrainingProgress>): TrainingProgress {
    const { runId, epochs, signal } = this.o;
    return {
      runId,
      status: 'running',
      phase: this.phase,
      epoch: 0,
      epochs,
      step: 0,
      steps: 0,
      loss: null,
      lr: null,
      imagesPerSecond: null,
      etaSeconds: null,
      metrics: this.metrics,
      ...p,
      ...(signal.aborted ? { cancelling: true } : {}),
    };
  }

  private publish(p: TrainingProgress): void {
    this.o.repo.setProgress(this.o.runId, this.o.pid, p);
    this.o.onProgress?.(p);
  }
}
