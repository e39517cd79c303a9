/**
 * Starts the training worker for a queued run and follows it: relays its progress, asks it to
 * stop, and when it ends without saying how (killed, crashed), records what that means: killed
 * by a signal is interrupted (its process is gone; resumable), any other exit is a failure.
 */
import { fork } from 'node:child_process';
import type { RunStatus, TrainingProgress } from '../../shared/contract/training.js';
import type { RunsRepo } from '../store/runs-repo.js';
import type { ParentMessage, TrainJob, WorkerMessage } from './worker-protocol.js';
import { trainWorker } from '../workers/entry.js';
import { sendIpc } from '../workers/peer-message.js';

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

const TAIL_BYTES = 4000;

export function launchTraining(repo: RunsRepo, job: TrainJob, onProgress?: (p: TrainingProgress) => void): LaunchedRun {
  const { path, execArgv } = trainWorker();
  const child = fork(path, [JSON.stringify(job)], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-TAIL_BYTES));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A spawn failure or a failed signal: the 'exit' handler (or its absence) is what counts, never a crash here.
  child.on('error', (e) => keep(Buffer.from(`\n${e.message}`)));
  let reported: RunStatus | null = null;
  let error: string | null = null;
  child.on('message', (m: WorkerMessage) => {
    if (m.type === 'progress') onProgress?.(m.progress);
    else if (m.type === 'finished') reported = m.status;
    else if (m.type === 'error') error = m.message;
  });
  const done = new Promise<RunOutcome>((resolve) => {
    child.once('exit', (code, signal) => {
      const pid = child.pid ?? null;
      // The host may have closed the data home while the worker was writing its last rows (a
      // CLI or test that ends once the run reads completed): the worker's own word is all there is.
      if (!repo.isOpen()) return resolve({ status: reported, error });
      const row = repo.liveness(job.runId);
      if (row && (row.status === 'running' || row.status === 'queued') && (row.pid === pid || row.pid === process.pid)) {
        if (signal) repo.markInterrupted(job.runId, row.pid);
        else repo.finish(job.runId, row.pid, 'failed', error ?? `training worker exited with code ${code}: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
      }
      const after = repo.liveness(job.runId);
      resolve({ status: after?.status ?? reported, error: error ?? (after?.status === 'failed' ? repo.get(job.runId)?.error ?? null : null) });
    });
  });
  return {
    runId: job.runId,
    pid: child.pid ?? -1,
    // The child may be exiting already (its channel closing): then the message cannot go, and a
    // signal is the way to stop it; a child that has exited needs nothing.
    cancel() {
      void sendIpc(child, { type: 'cancel' } satisfies ParentMessage).then((sent) => {
        if (!sent && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      });
    },
    done,
  };
}
