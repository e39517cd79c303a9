/**
 * Starts the training worker for a queued run and follows it: relays its progress, asks it to
 * stop, and when it ends without saying how (killed, crashed), records what that means: killed
 * by a signal is interrupted (its process is gone; resumable), any other exit is a failure.
 */
import type { RunStatus, TrainingProgress } from '../../shared/contract/training.js';
import type { RunsRepo } from '../store/runs-repo.js';
import type { TrainJob, WorkerMessage } from './worker-protocol.js';
import { trainWorker } from '../workers/entry.js';
import { forkJob } from '../workers/forked-job.js';

export interface RunOutcome {
  /** As the run ended; null if it cannot be told (the database row is gone). */
  status: RunStatus | null;
  error: string | null;
}

export interface LaunchedRun {
  runId: number;
  pid: number;
  cancel(): void;
  done: Promise<RunOutcome>;
}

export function launchTraining(repo: RunsRepo, job: TrainJob, onProgress?: (p: TrainingProgress) => void): LaunchedRun {
  let reported: RunStatus | null = null;
  let error: string | null = null;
  const forked = forkJob<WorkerMessage>(trainWorker(), job, (m) => {
    if (m.type === 'progress') onProgress?.(m.progress);
    else if (m.type === 'finished') reported = m.status;
    else if (m.type === 'error') error = m.message;
  });
  const { child } = forked;
  const done = new Promise<RunOutcome>((resolve) => {
    child.once('exit', (code, signal) => {
      const pid = child.pid ?? null;
      // The host may have closed the data home while the worker was writing its last rows (a
      // CLI or test that ends once the run reads completed): the worker's own word is all there is.
      if (!repo.isOpen()) return resolve({ status: reported, error });
      const row = repo.liveness(job.runId);
      if (row && (row.status === 'running' || row.status === 'queued') && (row.pid === pid || row.pid === process.pid)) {
        if (signal) repo.markInterrupted(job.runId, row.pid);
        else repo.finish(job.runId, row.pid, 'failed', error ?? `training worker exited with code ${code}: ${forked.lastWords()}`);
      }
      const after = repo.liveness(job.runId);
      resolve({ status: after?.status ?? reported, error: error ?? (after?.status === 'failed' ? repo.get(job.runId)?.error ?? null : null) });
    });
  });
  return {
    runId: job.runId,
    pid: child.pid ?? -1,
    cancel: forked.cancel,
    done,
  };
}
