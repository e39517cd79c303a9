/** How a training run whose body threw is recorded; both trainers (network and head) end this way. */
import type { RunsRepo } from '../store/runs-repo.js';

/** Cancelled when the user asked (the abort is why it threw); otherwise failed with the error's message, rethrown. */
export function endRunOnError(repo: RunsRepo, runId: number, pid: number | null, signal: AbortSignal, e: unknown): 'cancelled' {
  if (signal.aborted) {
    repo.finish(runId, pid, 'cancelled');
    return 'cancelled';
  }
  repo.finish(runId, pid, 'failed', (e as Error).message);
  throw e;
}
