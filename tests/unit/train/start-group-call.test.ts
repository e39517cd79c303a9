/**
 * training.startGroup through the contract's dispatch, as the Training page uses it: a two-fold
 * cross-validation of a logistic-regression head on the tiny ViT over the lung patches, run in
 * the worker process, listed by runs.groups while it runs, its progress as events, its mean ± sd
 * exactly the per-fold numbers; the pre-flight refuses more folds than a class has images; a
 * cancelled sweep is kept, marked cancelled.
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
import { lung, lungCopy, vitTiny } from './fixtures.js';

const home = tempHome('tessella-start-group-');
let ctx: AppContext;
let handlers: Handlers;
const progress: GroupProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

/** The progress event that ends a group (every group ends with one). */
function ended(groupId: number, timeoutMs = 300_000): Promise<GroupProgress> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`group ${groupId} did not end in ${timeoutMs} ms`)), timeoutMs);
    const poll = setInterval(() => {
      const p = progress.find((e) => e.groupId === groupId && e.phase === 'done');
      if (!p) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(p);
    }, 50);
  });
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sampleSd = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1));

afterAll(() => {
  ctx?.db.close();
  home.cleanup();
});

describe('training.startGroup, training.groupPreflight and runs.cancelGroup', { ...needs(lung, vitTiny), timeout: 300_000 }, () => {
  let datasetId: number;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createHandlers(ctx);
    ctx.events.onAny((name, payload) => {
      if (name === 'training.groupProgress') progress.push(payload as GroupProgress);
    });
    datasetId = (await importDataset(ctx.db, { path: lungCopy(home.dir).dir, name: 'lung' })).id;
  });

  it('refuses, before starting, more folds than a class has images, in one line', async () => {
    const ok = await call('training.groupPreflight', { datasetId, backbone: vitTiny!, folds: 2, sweep: {} });
    expect(ok).toEqual({ findings: [], fits: 2 });
    const sweep = await call('training.groupPreflight', { datasetId, backbone: vitTiny!, head: 'mlp', folds: 3, repeats: 2, sweep: { lr: [0.001, 0.01], epochs: [5, 10, 20] } });
    expect(sweep.fits).toBe(3 * 2 * 6);
    // a small set: 6 lung_aca and 3 lung_n images
    const small = lungSubset(join(home.dir, 'small'), { lung_aca: 6, lung_n: 3 });
    const smallId = (await importDataset(ctx.db, { path: small, name: 'small' })).id;
    expect((await call('training.groupPreflight', { datasetId: smallId, backbone: vitTiny!, folds: 3, sweep: {} })).findings).toEqual([]);
    const many = await call('training.groupPreflight', { datasetId: smallId, backbone: vitTiny!, folds: 5, sweep: {} });
    expect(many.findings).toHaveLength(1);
    expect(many.findings[0]).toMatchObject({ severity: 'error', code: 'too-few-for-folds' });
    expect(many.findings[0].message).toMatch(/class "lung_n" has 3 images, fewer than the 5 folds/);
    const refused = call('training.startGroup', { datasetId: smallId, backbone: vitTiny!, folds: 5, sweep: {} });
    await expect(refused).rejects.toMatchObject({ kind: 'invalid-input', code: 'too-few-for-folds' });
    expect((await refused.catch((e) => e)).message).not.toContain('\n');
    await expect(call('training.groupPreflight', { datasetId, backbone: vitTiny!, folds: 11, sweep: {} })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(call('training.startGroup', { datasetId, backbone: vitTiny!, head: 'logreg', folds: 3, sweep: { lr: [0.1] } })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(call('training.startGroup', { datasetId: 999, backbone: vitTiny!, folds: 3, sweep: {} })).rejects.toMatchObject({ kind: 'not-found' });
    expect(await call('runs.groups', {})).toEqual([]);
  });

  it('runs a two-fold cross-validation in the worker, listed while running, with mean ± sd of the folds', async () => {
    const started = calls['training.startGroup'].output.parse(await call('training.startGroup', { datasetId, backbone: vitTiny!, head: 'logreg', folds: 2, seed: 1, sweep: {} }));
    expect(started).toMatchObject({ status: 'running', kind: 'cv', mode: 'head', folds: 2, repeats: 1, total: 2, datasetName: 'lung' });
    expect((await call('runs.groups', {})).map((g: any) => g.id)).toEqual([started.id]);
    const end = await ended(started.id);
    expect(end).toMatchObject({ status: 'completed', done: 2, total: 2 });
    // the worker said which fold of how many as it went
    const folds = progress.filter((p) => p.groupId === started.id && p.phase === 'folds');
    expect(folds.map((p) => `${p.done}/${p.total}`)).toEqual(['1/2', '2/2']);

    const g = calls['runs.group'].output.parse(await call('runs.group', { id: started.id }));
    expect(g).toMatchObject({ status: 'completed', error: null, done: 2, total: 2 });
    expect(g.results.map((f) => [f.seed, f.fold])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    // every image held out exactly once
    expect(g.results.reduce((a, f) => a + f.n.test, 0)).toBe(90);
    for (const f of g.results) expect(f.n.train + f.n.val + f.n.test).toBe(90);
    expect(g.pooledTest!.n).toBe(90);
    const summary = g.points[g.best].metrics;
    for (const name of ['test_accuracy', 'test_auc', 'test_ece', 'val_accuracy']) {
      const values = g.results.map((f) => f.metrics[name]);
      expect(summary[name].n, name).toBe(2);
      expect(summary[name].mean, name).toBeCloseTo(mean(values), 12);
      expect(summary[name].sd!, name).toBeCloseTo(sampleSd(values), 12);
    }
    // chance is 1/3: the embeddings separate the classes well above it
    expect(summary.test_accuracy.mean).toBeGreaterThan(0.5);
  });

  it('cancels a sweep mid-way: the group is kept, marked cancelled', async () => {
    const started = await call('training.startGroup', {
      datasetId,
      backbone: vitTiny!,
      head: 'mlp',
      folds: 10,
      repeats: 5,
      sweep: { lr: [0.001, 0.003, 0.01], epochs: [100, 200] },
      name: 'to cancel',
    });
    expect(started).toMatchObject({ status: 'running', kind: 'sweep', total: 10 * 5 * 6 });
    // a fold fitted: the cancel lands between folds, not before the worker started
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (progress.some((p) => p.groupId === started.id && p.phase === 'folds')) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    expect(await call('runs.cancelGroup', { id: started.id })).toEqual({ cancelled: true });
    const end = await ended(started.id);
    expect(end.status).toBe('cancelled');
    const g = await call('runs.group', { id: started.id });
    expect(g.status).toBe('cancelled');
    expect(g.done).toBeGreaterThan(0);
    expect(g.done).toBeLessThan(300);
    expect(g.results).toEqual([]);
    expect(await call('runs.cancelGroup', { id: started.id })).toEqual({ cancelled: false });
    const listed = await call('runs.groups', {});
    expect(listed.map((x: any) => [x.name, x.status])).toEqual([
      ['to cancel', 'cancelled'],
      [null, 'completed'],
    ]);
  });
});
