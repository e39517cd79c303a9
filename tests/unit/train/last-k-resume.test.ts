/**
 * A last-k run stopped within its second epoch and resumed: the resumed worker loads last/, whose
 * frozen tensors are the starting checkpoint's, so it finds the same prefix graph and hidden-state
 * cache (nothing computed twice), trains the rest, and ends where an uninterrupted run with the
 * same seed ends (every epoch once, the same weights within 1e-4).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { RunDetail } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { datasetSplitImages } from '../../../src/main/datasets/query.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { until } from '../../helpers/wait-until.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-train-lastk-resume-');
let ctx: AppContext;
let handlers: Handlers;
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);
const BATCH = 2;

const ended = (id: number) =>
  until(`run ${id} to end`, async () => {
    const r: RunDetail = await call('runs.get', { id });
    return r.status === 'running' || r.status === 'queued' ? null : r;
  });

function stepsInEpoch(runId: number, epoch: number): number {
  return (ctx.db.prepare("SELECT count(*) AS n FROM run_metrics WHERE run_id = ? AND epoch = ? AND step IS NOT NULL AND split = 'train' AND name = 'loss'").get(runId, epoch) as { n: number }).n;
}

describe('last-k resume', needs(lung, vitTiny), () => {
  let datasetId: number;
  const config = () => ({ datasetId, init: vitTiny, mode: 'last-k', lastK: 1, epochs: 2, batchSize: BATCH, lr: 1e-3, seed: 9, augment: null });

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    datasetId = (await importDataset(ctx.db, { path: lung!, name: 'lung' })).id;
  }, 120_000);

  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });

  it('stopped in epoch 2 and resumed, ends as an uninterrupted run', async () => {
    const stepsPerEpoch = Math.ceil(datasetSplitImages(ctx.db, datasetId, 'train').length / BATCH);
    const straight = await ended((await call('training.start', config())).id);
    expect(straight, straight.error ?? '').toMatchObject({ status: 'completed', epochsCompleted: 2 });
    const hiddenRoot = join(home.dir, 'home', 'cache', 'training', 'hidden');
    const cachedFiles = () => readdirSync(hiddenRoot).flatMap((d) => readdirSync(join(hiddenRoot, d)).filter((f) => f.endsWith('.f32')));
    const cachedBefore = cachedFiles();
    expect(cachedBefore.length).toBeGreaterThan(0);

    const id = (await call('training.start', config())).id;
    await until('two steps of epoch 2', () => (stepsInEpoch(id, 2) >= 2 ? true : null));
    expect(await call('runs.cancel', { id })).toEqual({ cancelled: true });
    const stopped = await ended(id);
    expect(stopped).toMatchObject({ status: 'cancelled', epochsCompleted: 1 });
    expect(stepsInEpoch(id, 2)).toBeLessThan(stepsPerEpoch);

    await call('runs.resume', { id });
    const done = await ended(id);
    expect(done, done.error ?? '').toMatchObject({ status: 'completed', epochsCompleted: 2 });
    expect([stepsInEpoch(id, 1), stepsInEpoch(id, 2)]).toEqual([stepsPerEpoch, stepsPerEpoch]);
    // the same frozen weights: the same cache entries, none added
    expect(cachedFiles().sort()).toEqual(cachedBefore.sort());

    const a = await loadCheckpoint(straight.lastDir!);
    const b = await loadCheckpoint(done.lastDir!);
    for (const [name, e] of a.weights) {
      const x = e.data as Float32Array;
      const y = b.weights.get(name)!.data as Float32Array;
      let m = 0;
      for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
      expect(m, name).toBeLessThan(1e-4);
    }
  }, 600_000);
});
