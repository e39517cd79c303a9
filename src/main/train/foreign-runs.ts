/**
 * Runs trained by another process (the CLI, a second app window on the same home) send this one
 * no events: their workers store their progress with the run instead, and this follower reads it
 * back every second and re-emits it as training.progress, so their pages move as ours do. A run
 * that leaves the active set (finished, cancelled, its process gone) is announced once more with
 * its final state. The database is only read while such runs exist beside ours.
 */
import type { TrainingProgress } from '../../shared/contract/training.js';
import type { Db } from '../store/db.js';
import type { RunsRepo } from '../store/runs-repo.js';
import { reconcileRuns } from './liveness.js';

export const FOREIGN_POLL_MS = 1000;

export interface ForeignRunsOptions {
  db: Db;
  repo: RunsRepo;
  /** Runs this process launched or queued: their progress comes over IPC. */
  isOurs(id: number): boolean;
  emitProgress(p: TrainingProgress): void;
  /** Announces a run's stored state (it has ended). */
  emitState(id: number): void;
  intervalMs?: number;
}

/** Starts following; returns the function that stops it. */
export function followForeignRuns(o: ForeignRunsOptions): () => void {
  const lastSent = new Map<number, string>();
  const tick = () => {
    // the context was closed under us (tests, shutdown): nothing more to follow
    if (!o.db.open) return stop();
    let active = o.repo.activeProgress().filter((r) => !o.isOurs(r.id));
    // a worker killed outright leaves its run "running": found here, it is reported interrupted
    if (active.length && reconcileRuns(o.repo).length) active = o.repo.activeProgress().filter((r) => !o.isOurs(r.id));
    const now = new Set<number>();
    for (const r of active) {
      now.add(r.id);
      const key = JSON.stringify(r.progress);
      if (r.progress && lastSent.get(r.id) !== key) o.emitProgress(r.progress);
      lastSent.set(r.id, key);
    }
    for (const id of [...lastSent.keys()]) {
      if (now.has(id)) continue;
      lastSent.delete(id);
      if (!o.isOurs(id)) o.emitState(id);
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch (e) {
      // a busy or closing database: the next tick tries again, a closed one stops the follower
      if (!o.db.open) stop();
      else process.emitWarning(`following runs of other processes: ${(e as Error).message}`);
    }
  }, o.intervalMs ?? FOREIGN_POLL_MS);
  timer.unref();
  function stop() {
    clearInterval(timer);
  }
  return stop;
}
