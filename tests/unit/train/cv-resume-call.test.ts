/**
 * runs.resumeGroup through the contract's dispatch: a last-k cross-validation (tiny ViT, last
 * block, three epochs, no augmentation, a few lung patches) whose cv worker is killed with
 * SIGKILL while its second fold trains is resumed: the first fold's completed run is kept as it
 * was (not trained again), the killed run continues from its checkpoint (same run, every epoch
 * recorded once), the third fold is trained, on the same folds; mean ± sd equal an uninterrupted
 * group's within 1e-4. A head sweep left running by a process that died is found failed and
 * resumed in the worker with exactly an uninterrupted sweep's numbers. A running, completed or
 * unknown group is not resumed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, type Handlers } from '../../../src/shared/api.js';
import type { GroupProgress, RunGroup } from '../../../src/shared/contract/run-groups.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { headCvRequest, startHeadCvGroup } from '../../../src/main/train/cv/head-cv-run.js';
import { createHandlers } from '../../../src/main/handlers.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { groupEnds, waitFor } from './group-progress.js';
import { fewLung } from './cv-fixtures.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-cv-resume-');
let ctx: AppContext;
let handlers: Handlers;
const progress: GroupProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

const ended = groupEnds(progress);

afterAll(() => {
  ctx?.db.close();
  home.cleanup();
});

describe('runs.resumeGroup after a cv worker killed with SIGKILL', { ...needs(lung, vitTiny), timeout: 900_000 }, () => {
  let datasetId: number;
  // three passes of three steps per fold: time to kill the second fold's run between its epochs
  const request = (name: string) => ({ datasetId, mode: 'last-k', train: { init: vitTiny!, lastK: 1, epochs: 3, batchSize: 2, lr: 0.001, augment: null }, folds: 3, seed: 1, name });
  const runRows = (groupId: number) =>
    ctx.db.prepare('SELECT id, status, epochs_completed AS epochs, started_at AS started, finished_at AS finished, heartbeat_at AS beat, config_json AS config FROM runs WHERE group_id = ? ORDER BY id').all(groupId) as {
      id: number;
      status: string;
      epochs: number;
      started: string;
      finished: string | null;
      beat: string;
      config: string;
    }[];
  const epochsOf = (runId: number) => (ctx.db.prepare('SELECT DISTINCT epoch FROM run_metrics WHERE run_id = ? AND step IS NULL ORDER BY epoch').all(runId) as { epoch: number }[]).map((r) => r.epoch);

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createHandlers(ctx);
    ctx.events.onAny((name, payload) => {
      if (name === 'training.groupProgress') progress.push(payload as GroupProgress);
    });
    datasetId = (await importDataset(ctx.db, { path: fewLung(home.dir, 6), name: 'few' })).id;
  });

  it('keeps the finished fold, continues the killed one, trains the rest: the numbers of an uninterrupted group', async () => {
    const whole = await call('training.startGroup', request('whole'));
    expect((await ended(whole.id)).status).toBe('completed');
    const expected: RunGroup = await call('runs.group', { id: whole.id });

    const started = await call('training.startGroup', request('killed'));
    await waitFor('the second fold past its first epoch', () => progress.some((p) => p.groupId === started.id && p.phase === 'training' && p.done === 1 && p.run!.epoch >= 2));
    const killedRun = progress.find((p) => p.groupId === started.id && p.phase === 'training' && p.done === 1)!.run!.id;
    const { pid } = ctx.db.prepare('SELECT pid FROM runs WHERE id = ?').get(killedRun) as { pid: number };
    expect(pid).not.toBe(process.pid);
    process.kill(pid, 'SIGKILL');
    expect((await ended(started.id)).status).toBe('failed');
    const before = runRows(started.id);
    // the killed run: still listed running by its dead worker until someone looks (then interrupted)
    expect(before.map((r) => r.status === 'interrupted' ? 'running' : r.status)).toEqual(['completed', 'running']);
    expect(before[1].id).toBe(killedRun);
    expect(before[1].epochs).toBeGreaterThanOrEqual(1);

    const resumed = calls['runs.resumeGroup'].output.parse(await call('runs.resumeGroup', { id: started.id }));
    expect(resumed).toMatchObject({ id: started.id, status: 'running', error: null });
    await expect(call('runs.resumeGroup', { id: started.id })).rejects.toMatchObject({ kind: 'conflict' });
    const end = await ended(started.id, 2);
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'completed', done: 3, total: 3 });

    const g: RunGroup = await call('runs.group', { id: started.id });
    const after = runRows(started.id);
    // three runs in all: the first untouched, the killed one continued (not a new run), the third new
    expect(after.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(after[0]).toEqual(before[0]);
    expect(after[1].id).toBe(killedRun);
    expect(after[1].epochs).toBe(3);
    expect(epochsOf(killedRun)).toEqual([1, 2, 3]);
    expect(g.results.map((f) => f.runId)).toEqual(after.map((r) => r.id));
    // the same folds: each run holds out the fold it is named for, with the uninterrupted group's counts
    expect(after.map((r) => JSON.parse(r.config).fold)).toEqual([0, 1, 2].map((index) => ({ k: 3, index, seed: 1 })));
    expect(g.results.map((f) => [f.seed, f.fold, f.n])).toEqual(expected.results.map((f) => [f.seed, f.fold, f.n]));
    // the resumed fold's numbers and the summary are the uninterrupted group's
    g.results.forEach((f, i) => {
      for (const [name, v] of Object.entries(expected.results[i].metrics)) expect(Math.abs(f.metrics[name] - v), `fold ${i} ${name}`).toBeLessThan(1e-4);
    });
    expect(g.best).toBe(expected.best);
    const want = expected.points[expected.best].metrics;
    const got = g.points[g.best].metrics;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [name, s] of Object.entries(want)) {
      expect(Math.abs(got[name].mean - s.mean), name).toBeLessThan(1e-4);
      expect(Math.abs((got[name].sd ?? 0) - (s.sd ?? 0)), name).toBeLessThan(1e-4);
    }
  });

  it('resumes a head sweep whose process died: failed when looked at, then exactly an uninterrupted sweep', async () => {
    const input = { datasetId, backbone: vitTiny!, head: 'logreg', folds: 2, seed: 3, sweep: { c: [0.1, 1] } };
    const whole = await call('training.startGroup', { ...input, name: 'heads whole' });
    expect((await ended(whole.id)).status).toBe('completed');
    // what a CLI killed with kill -9 before its first fold leaves: the group running, by a process now gone
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const id = startHeadCvGroup(ctx.db, headCvRequest(calls['training.startGroup'].input.parse({ ...input, name: 'heads crashed' })), gone);
    expect((await call('runs.group', { id })).status).toBe('failed');
    expect(await call('runs.resumeGroup', { id })).toMatchObject({ id, status: 'running', mode: 'head' });
    expect((await ended(id)).status).toBe('completed');
    const want: RunGroup = await call('runs.group', { id: whole.id });
    const got: RunGroup = await call('runs.group', { id });
    expect(got).toMatchObject({ status: 'completed', error: null, done: 4, total: 4 });
    expect(got.results).toEqual(want.results);
    expect(got.points).toEqual(want.points);
    expect(got.best).toBe(want.best);
    expect(got.pooledTest).toEqual(want.pooledTest);
  });

  it('refuses a completed group and one that does not exist', async () => {
    const [done] = (await call('runs.groups', {})).filter((x: any) => x.name === 'whole');
    await expect(call('runs.resumeGroup', { id: done.id })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(call('runs.resumeGroup', { id: 999 })).rejects.toMatchObject({ kind: 'not-found' });
  });
});
