/**
 * training.startGroup in last-k mode through the contract's dispatch, as the Training page starts
 * it: a three-fold cross-validation fine-tuning the last block of the tiny ViT on a few lung
 * patches (one epoch, no augmentation), run in the cv worker with the CLI's crossValidateRuns:
 * one run per fold, each holding out its fold, the group's mean ± sd exactly the folds' numbers;
 * the pre-flight refuses two folds and warns of a long one; a cancel mid-run keeps the group and
 * its fold's run, both marked cancelled. A worker killed outright (kill -9) leaves the group
 * failed, saying so, and its fold's run interrupted (cv-resume-call.test.ts resumes such a group).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, type Handlers } from '../../../src/shared/api.js';
import type { GroupProgress } from '../../../src/shared/contract/run-groups.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { createHandlers } from '../../../src/main/handlers.js';
import { needs } from '../../helpers/needs.js';
import { lungSubset } from '../../helpers/lung-subset.js';
import { tempHome } from '../../helpers/temp-home.js';
import { groupEnds, waitFor } from './group-progress.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-cv-fine-tune-');
let ctx: AppContext;
let handlers: Handlers;
const progress: GroupProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

const ended = groupEnds(progress);

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sampleSd = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1));

const PER_CLASS = 6;
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

afterAll(() => {
  ctx?.db.close();
  home.cleanup();
});

describe('training.startGroup for last-k fine-tuning', { ...needs(lung, vitTiny), timeout: 600_000 }, () => {
  let datasetId: number;
  const train = () => ({ init: vitTiny!, lastK: 1, epochs: 1, batchSize: 6, lr: 0.001, augment: null });
  const runsOf = (groupId: number) =>
    ctx.db.prepare('SELECT id, status, config_json AS config, final_json AS final FROM runs WHERE group_id = ? ORDER BY id').all(groupId) as { id: number; status: string; config: string; final: string | null }[];

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createHandlers(ctx);
    ctx.events.onAny((name, payload) => {
      if (name === 'training.groupProgress') progress.push(payload as GroupProgress);
    });
    const few = lungSubset(join(home.dir, 'few'), PER_CLASS, CLASSES);
    datasetId = (await importDataset(ctx.db, { path: few, name: 'few' })).id;
  });

  it('checks the plan first: two folds refused, a long one warned of, the cost counted in runs', async () => {
    const ok = await call('training.groupPreflight', { datasetId, mode: 'last-k', train: train(), folds: 3, seed: 1 });
    expect(ok).toEqual({ findings: [], fits: 3 });
    await expect(call('training.groupPreflight', { datasetId, mode: 'last-k', train: train(), folds: 2 })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(call('training.startGroup', { datasetId, mode: 'full', folds: 3 })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(call('training.startGroup', { datasetId, mode: 'last-k', train: train(), folds: 3, sweep: { c: [1] } })).rejects.toMatchObject({ kind: 'invalid-input' });
    const long = await call('training.groupPreflight', { datasetId, mode: 'full', train: { ...train(), epochs: 500 }, folds: 3, repeats: 5, sweep: { lr: [0.001, 0.01] } });
    expect(long.fits).toBe(30);
    expect(long.findings.map((f: any) => [f.severity, f.code])).toEqual([['warning', 'long-cross-validation']]);
    expect(long.findings[0].message).toMatch(/^30 full fine-tunes pass about [\d,]+ images/);
    expect(await call('runs.groups', {})).toEqual([]);
  });

  it('trains one run per fold in the worker, each holding out its fold, with mean ± sd of the folds', async () => {
    const started = calls['training.startGroup'].output.parse(await call('training.startGroup', { datasetId, mode: 'last-k', train: train(), folds: 3, seed: 1, name: 'last-k cv' }));
    expect(started).toMatchObject({ status: 'running', kind: 'cv', mode: 'last-k', head: null, backbone: null, folds: 3, repeats: 1, total: 3, datasetName: 'few' });
    const end = await ended(started.id);
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'completed', done: 3, total: 3 });
    // its start (none trained yet), then each fold's run as it ended
    expect(progress.filter((p) => p.groupId === started.id && p.phase === 'folds').map((p) => `${p.done}/${p.total}`)).toEqual(['0/3', '1/3', '2/3', '3/3']);
    // while a fold trained, the group said which run, at which epoch
    const training = progress.filter((p) => p.groupId === started.id && p.phase === 'training');
    expect(new Set(training.map((p) => p.run!.id)).size).toBe(3);
    expect(training.every((p) => p.run!.epochs === 1)).toBe(true);

    const g = calls['runs.group'].output.parse(await call('runs.group', { id: started.id }));
    expect(g).toMatchObject({ status: 'completed', error: null, done: 3, total: 3, pooledTest: null });
    expect(g.results.map((f) => [f.seed, f.fold])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    // every image held out exactly once, and each fold's three parts are the whole set
    const all = PER_CLASS * CLASSES.length;
    expect(g.results.reduce((a, f) => a + f.n.test, 0)).toBe(all);
    for (const f of g.results) expect(f.n.train + f.n.val + f.n.test).toBe(all);
    // the fold numbers are the fold runs' own evaluations
    const runs = runsOf(started.id);
    expect(runs.map((r) => r.id)).toEqual(g.results.map((f) => f.runId));
    runs.forEach((r, i) => {
      expect(r.status).toBe('completed');
      const config = JSON.parse(r.config);
      expect(config).toMatchObject({ mode: 'last-k', lastK: 1, epochs: 1, init: vitTiny, fold: { k: 3, index: i, seed: 1 } });
      const final = JSON.parse(r.final!);
      expect(final.test.n).toBe(g.results[i].n.test);
      expect(final.test.accuracy).toBe(g.results[i].metrics.test_accuracy);
      expect(final.val.accuracy).toBe(g.results[i].metrics.val_accuracy);
    });
    const summary = g.points[g.best].metrics;
    for (const name of ['test_accuracy', 'test_macro_f1', 'test_log_loss', 'val_accuracy']) {
      const values = g.results.map((f) => f.metrics[name]);
      expect(values.every(Number.isFinite), name).toBe(true);
      expect(summary[name].n, name).toBe(3);
      expect(summary[name].mean, name).toBeCloseTo(mean(values), 12);
      expect(summary[name].sd!, name).toBeCloseTo(sampleSd(values), 12);
    }
  });

  it('cancels while a fold trains: the group and that fold run are kept, marked cancelled', async () => {
    const started = await call('training.startGroup', { datasetId, mode: 'last-k', train: { ...train(), epochs: 50, batchSize: 2 }, folds: 3, repeats: 2, name: 'to cancel' });
    expect(started).toMatchObject({ status: 'running', total: 6 });
    await waitFor('a fold run training', () => progress.some((p) => p.groupId === started.id && p.phase === 'training'));
    expect(await call('runs.cancelGroup', { id: started.id })).toEqual({ cancelled: true });
    const end = await ended(started.id);
    expect(end.status).toBe('cancelled');
    const g = await call('runs.group', { id: started.id });
    expect(g).toMatchObject({ status: 'cancelled', error: null, results: [] });
    expect(g.done).toBeLessThan(6);
    const runs = runsOf(started.id);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.at(-1)!.status).toBe('cancelled');
    expect(await call('runs.cancelGroup', { id: started.id })).toEqual({ cancelled: false });
    expect((await call('runs.groups', {})).map((x: any) => [x.name, x.status])).toEqual([
      ['to cancel', 'cancelled'],
      ['last-k cv', 'completed'],
    ]);
  });

  it('a worker killed with SIGKILL: the group is failed, saying so; its fold run is found interrupted', async () => {
    const started = await call('training.startGroup', { datasetId, mode: 'last-k', train: { ...train(), epochs: 50, batchSize: 2 }, folds: 3, name: 'killed' });
    await waitFor('a fold run training', () => progress.some((p) => p.groupId === started.id && p.phase === 'training'));
    const runId = progress.find((p) => p.groupId === started.id && p.phase === 'training')!.run!.id;
    const { pid } = ctx.db.prepare('SELECT pid FROM runs WHERE id = ?').get(runId) as { pid: number };
    expect(pid).not.toBe(process.pid);
    process.kill(pid, 'SIGKILL');
    const end = await ended(started.id);
    expect(end.status).toBe('failed');
    const g = await call('runs.group', { id: started.id });
    expect(g.status).toBe('failed');
    expect(g.error).toMatch(/^the cross-validation worker was killed \(SIGKILL\)/);
    const run = await call('runs.get', { id: runId });
    expect(run.status).toBe('interrupted');
  });
});
