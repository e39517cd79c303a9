/** A run is interrupted only when its process is gone: pid checks, pid reuse, reconciliation. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResolvedTrainConfig } from '../../../src/shared/contract/training.js';
import { openDb } from '../../../src/main/store/db.js';
import { RunsRepo } from '../../../src/main/store/runs-repo.js';
import { processAlive } from '../../../src/main/process-alive.js';
import { ownerAlive, reconcileRuns } from '../../../src/main/train/liveness.js';
import { tempHome } from '../../helpers/temp-home.js';

const home = tempHome('tessella-liveness-');
afterAll(() => home.cleanup());

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('liveness', () => {
  it('tells live processes from gone ones', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
    expect(ownerAlive(null, null, true)).toBe(false);
    // a live process with a fresh heartbeat owns its run
    expect(ownerAlive(process.pid, new Date().toISOString(), true)).toBe(true);
    // a long-silent pid that is not a training worker has been reused by someone else
    expect(ownerAlive(process.pid, new Date(Date.now() - 3600_000).toISOString(), true)).toBe(false);
  });

  it('marks runs interrupted only when their process is gone', () => {
    const db = openDb(join(home.dir, 'tessella.db'));
    db.prepare("INSERT INTO datasets (name, source) VALUES ('d', 'folder')").run();
    const repo = new RunsRepo(db);
    const config = ResolvedTrainConfig.parse({ datasetId: 1, arch: 'vit-ti16', lr: 1e-4, weightDecay: 0.05 });
    const make = (pid: number) => repo.create({ name: null, datasetId: 1, datasetName: 'd', arch: 'vit-ti16', init: null, config, labels: ['a', 'b'], pid, skipped: [] });
    const gone = make(deadPid());
    const ours = make(process.pid);
    const running = make(deadPid());
    db.prepare("UPDATE runs SET status = 'running', pid = ? WHERE id = ?").run(process.ppid, running); // a live process, fresh heartbeat
    const crashed = make(deadPid());
    db.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(crashed);

    expect(reconcileRuns(repo).sort()).toEqual([gone, crashed].sort());
    expect(repo.get(gone)!.status).toBe('interrupted');
    expect(repo.get(crashed)!.status).toBe('interrupted');
    expect(repo.get(ours)!.status).toBe('queued');
    expect(repo.get(running)!.status).toBe('running');
    expect(reconcileRuns(repo)).toEqual([]);
    // an interrupted run can be queued again by a new launcher and claimed by its worker, once
    expect(repo.requeue(gone, process.pid)).toBe(true);
    expect(repo.claim(gone, 424242, 'test')).toBe(true);
    expect(repo.claim(gone, 434343, 'test')).toBe(false);
    db.close();
  });
});
