/**
 * Resume after a kill: the same run twice, once straight through and once with its worker
 * killed (SIGKILL) mid-run and then continued with `tessella train --resume`. The killed run is
 * reported interrupted only once its process is gone; after the resume each epoch is recorded
 * once, no metric is missing, the database is intact, and with the same seed every recorded
 * number and the final metrics match the uninterrupted run's within 1e-3.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../src/main/store/db.js';
import { RunsRepo } from '../../../src/main/store/runs-repo.js';
import { processAlive } from '../../../src/main/process-alive.js';
import { reconcileRuns } from '../../../src/main/train/liveness.js';
import { tessella } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, oneJson, vitTiny } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-train-resume-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

const EPOCHS = 5;
const args = (out: string) => ['train', '--dataset', 'lung', '--init', vitTiny!, '--epochs', String(EPOCHS), '--batch-size', '16', '--lr', '5e-3', '--seed', '7', '--out', out, '--json'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-epoch and per-step values of a run, keyed "epoch/step/split/name", without wall-clock timings. */
function values(db: Db, runId: number): Map<string, number> {
  const rows = db.prepare('SELECT epoch, step, split, name, value FROM run_metrics WHERE run_id = ?').all(runId) as { epoch: number; step: number | null; split: string; name: string; value: number }[];
  return new Map(rows.filter((r) => !/seconds|images_per_second/.test(r.name)).map((r) => [`${r.epoch}/${r.step ?? '-'}/${r.split}/${r.name}`, r.value]));
}

describe('resume after a kill', needs(lung, vitTiny), () => {
  let straight: any;
  beforeAll(() => {
    const imp = tessella(['dataset', 'import', lung!, '--name', 'lung', '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
    const r = tessella(args(join(home.dir, 'straight')), env, 600_000);
    expect(r.code, r.stderr).toBe(0);
    straight = oneJson(r.stdout);
  }, 600_000);

  it('continues a killed run to the same result as an uninterrupted one', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), ...args(join(home.dir, 'killed'))], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      // wait until the second run has two epochs behind it, then kill its worker outright
      let row: { id: number; status: string; pid: number | null; epochs_completed: number } | undefined;
      // a deadline, not a count of polls: on a busy machine two epochs can take minutes
      for (const end = Date.now() + 480_000; Date.now() < end; ) {
        row = db.prepare('SELECT id, status, pid, epochs_completed FROM runs WHERE id != ? ORDER BY id DESC LIMIT 1').get(straight.runId) as typeof row;
        if (row && row.status === 'running' && row.epochs_completed >= 2) break;
        await sleep(50);
      }
      expect(row).toMatchObject({ status: 'running' });
      const runId = row!.id;
      const workerPid = row!.pid!;
      expect(workerPid).not.toBe(child.pid); // training runs in its own process, not the CLI's
      // alive: not interrupted, whatever its heartbeat says
      expect(reconcileRuns(new RunsRepo(db))).toEqual([]);
      expect(new RunsRepo(db).get(runId)!.status).toBe('running');
      process.kill(workerPid, 'SIGKILL');

      const code = await exited;
      expect(code).not.toBe(0);
      expect(stderr).toMatch(new RegExp(`run ${runId} was interrupted .*--resume ${runId}`));
      expect(processAlive(workerPid)).toBe(false);
      const listed = oneJson(tessella(['runs', '--json'], env).stdout).find((r: { id: number }) => r.id === runId);
      expect(listed.status).toBe('interrupted');
      const done = listed.epochsCompleted;
      expect(done).toBeGreaterThanOrEqual(2);
      expect(done).toBeLessThan(EPOCHS);

      const resumed = tessella(['train', '--resume', String(runId), '--json'], env, 600_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      const after = oneJson(resumed.stdout);
      expect(after).toMatchObject({ runId, status: 'completed', epochsCompleted: EPOCHS, bestEpoch: straight.bestEpoch });

      // same numbers as the uninterrupted run, step by step and epoch by epoch
      const a = values(db, straight.runId);
      const b = values(db, runId);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      let worst = 0;
      for (const [k, v] of a) worst = Math.max(worst, Math.abs(v - b.get(k)!));
      console.log(`[resume] killed after ${done} epochs; largest difference over ${a.size} recorded values: ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-3);
      for (const split of ['val', 'test'] as const) {
        for (const k of ['accuracy', 'balancedAccuracy', 'macroF1', 'auc', 'logLoss', 'ece']) {
          expect(Math.abs(after.metrics[split][k] - straight.metrics[split][k]), `${split} ${k}`).toBeLessThan(1e-3);
        }
        expect(after.metrics[split].confusion).toEqual(straight.metrics[split].confusion);
      }

      // each epoch once, and the database intact
      const perEpoch = db.prepare("SELECT epoch, count(*) AS n FROM run_metrics WHERE run_id = ? AND step IS NULL AND split = 'train' AND name = 'loss' GROUP BY epoch").all(runId);
      expect(perEpoch).toEqual(Array.from({ length: EPOCHS }, (_, i) => ({ epoch: i + 1, n: 1 })));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT status, pid, epochs_completed FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'completed', pid: null, epochs_completed: EPOCHS });
    } finally {
      db.close();
    }
  }, 600_000);
});
