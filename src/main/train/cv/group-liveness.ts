/**
 * Groups whose process is gone: a group listed as running by a process that ended (a crashed app,
 * a CLI killed with kill -9) is marked failed, so it can be resumed.
 */
import { processAlive } from '../../process-alive.js';
import type { RunGroupsRepo } from '../../store/run-groups-repo.js';

/** Marks failed the running groups whose process is gone; `ours`: whether this process still runs group `id`. */
export function reconcileGroups(repo: RunGroupsRepo, ours: (id: number) => boolean = () => false): void {
  for (const g of repo.running()) {
    const mine = g.pid === process.pid;
    if (mine ? !ours(g.id) : g.pid === null || !processAlive(g.pid)) repo.stop(g.id, 'failed', 'the process running it ended before it did');
  }
}
