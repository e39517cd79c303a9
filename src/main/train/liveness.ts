/**
 * Interrupted runs: a run is interrupted only when the process that owns it is gone, never while
 * it lives. The pid says which process; the heartbeat guards against the pid having been reused
 * by an unrelated process after a crash (a worker beats at least every few seconds between
 * steps, so a long-silent "owner" that is not a training worker is someone else).
 */
import { procFile, processAlive } from '../process-alive.js';
import type { RunsRepo } from '../store/runs-repo.js';

/** A heartbeat older than this, from a pid that is not a training worker, means the pid was reused. */
const STALE_SECONDS = 15 * 60;
export const WORKER_MARK = 'train-worker';

function heartbeatAgeSeconds(heartbeatAt: string | null): number {
  if (!heartbeatAt) return Infinity;
  return (Date.now() - Date.parse(heartbeatAt)) / 1000;
}

/** Whether the owner of a running run is still there. */
export function ownerAlive(pid: number | null, heartbeatAt: string | null, isWorker: boolean): boolean {
  if (pid === null || !processAlive(pid)) return false;
  if (!isWorker || heartbeatAgeSeconds(heartbeatAt) < STALE_SECONDS) return true;
  const cmdline = procFile(pid, 'cmdline');
  // without /proc (macOS, Windows) a live pid is taken at its word
  return cmdline === null || cmdline.includes(WORKER_MARK);
}

/** Marks queued and running runs whose process is gone as interrupted; returns their ids. */
export function reconcileRuns(repo: RunsRepo): number[] {
  const gone: number[] = [];
  for (const r of repo.active()) {
    if (r.pid === process.pid) continue; // ours: alive by definition
    if (!ownerAlive(r.pid, r.heartbeatAt, r.status === 'running') && repo.markInterrupted(r.id, r.pid)) gone.push(r.id);
  }
  return gone;
}
