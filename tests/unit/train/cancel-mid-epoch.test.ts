/**
 * Cancel within an epoch: a run is cancelled through runs.cancel a couple of steps into its
 * second epoch. Its worker must stop within a few optimizer steps of the request (counted in the
 * database, not timed), the run is reported cancelled, last/ is the intact checkpoint of epoch 1,
 * and a resume trains the rest: every epoch recorded once, the cancelled epoch's steps once.
 *
 * The training images are decoded once and kept in memory, so the trainer's loop has nothing to
 * wait for: without a turn of the event loop between passes the cancel message would only be
 * read when the epoch's checkpoint is written, a whole epoch late.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { RunDetail, TrainingProgress } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { datasetSplitImages } from '../../../src/main/datasets/query.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { readTrainerState } from '../../../src/main/train/checkpoints.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { until } from '../../helpers/wait-until.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-train-cancel-');
let ctx: AppContext;
let handlers: Handlers;
const events: TrainingProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);
const BATCH = 2;

/** Optimizer steps recorded for the run, per epoch. */
function stepsByEpoch(runId: number): Map<number, number> {
  const rows = ctx.db.prepare("SELECT epoch, count(*) AS n FROM run_metrics WHERE run_id = ? AND step IS NOT NULL AND split = 'train' AND name = 'loss' GROUP BY epoch").all(runId) as { epoch: number; n: number }[];
  return new Map(rows.map((r) => [r.epoch, r.n]));
}

describe('cancel within an epoch', needs(lung, vitTiny), () => {
  let datasetId: number;
  let stepsPerEpoch: number;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    ctx.events.onAny((name, payload) => {
      if (name === 'training.progress') events.push(payload as TrainingProgress);
    });
    datasetId = (await importDataset(ctx.db, { path: lung!, name: 'lung' })).id;
    stepsPerEpoch = Math.ceil(datasetSplitImages(ctx.db, datasetId, 'train').length / BATCH);
  }, 120_000);

  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });

  it('stops a few steps after the request, keeps the last checkpoint and resumes', async () => {
    expect(stepsPerEpoch).toBeGreaterThan(20); // room to tell "a few steps" from "the rest of the epoch"
    const started: RunDetail = await call('training.start', { datasetId, init: vitTiny, mode: 'full', epochs: 2, batchSize: BATCH, lr: 1e-3, seed: 3, augment: null });
    const id = started.id;
    await until('two steps of epoch 2', () => ((stepsByEpoch(id).get(2) ?? 0) >= 2 ? true : null));
    const atRequest = stepsByEpoch(id).get(2)!;
    expect(await call('runs.cancel', { id })).toEqual({ cancelled: true });
    const cancelled: RunDetail = await until('the run to end', async () => {
      const r: RunDetail = await call('runs.get', { id });
      return r.status === 'running' || r.status === 'queued' ? null : r;
    });

    expect(cancelled).toMatchObject({ status: 'cancelled', epochsCompleted: 1, error: null });
    // the run page's backend line says how many threads train, of how many cores
    expect(cancelled.backend).toMatch(new RegExp(`^tfjs \\w+.*, \\d+ threads? of ${availableParallelism()} cores`));
    const after = stepsByEpoch(id).get(2)!;
    // the request is read before the next pass: the step in flight, and slack for a busy machine
    expect(after - atRequest).toBeLessThanOrEqual(3);
    expect(after).toBeLessThan(stepsPerEpoch);
    // the worker's own word, relayed once it has exited
    await until('the cancelled event', () => (events.some((e) => e.runId === id && e.status === 'cancelled') ? true : null));

    // last/ is epoch 1's checkpoint, whole
    const state = await readTrainerState(cancelled.lastDir!);
    expect(state).toMatchObject({ epoch: 1, optimizerSteps: stepsPerEpoch });
    const ck = await loadCheckpoint(cancelled.lastDir!);
    expect(Object.values(ck.id2label)).toEqual(['lung_aca', 'lung_n', 'lung_scc']);

    const resumed = await call('runs.resume', { id });
    expect(resumed.status).toBe('queued');
    const done: RunDetail = await until('the resumed run to end', async () => {
      const r: RunDetail = await call('runs.get', { id });
      return r.status === 'running' || r.status === 'queued' ? null : r;
    });
    expect(done, done.error ?? '').toMatchObject({ status: 'completed', epochsCompleted: 2 });
    expect([...stepsByEpoch(id)].sort()).toEqual([
      [1, stepsPerEpoch],
      [2, stepsPerEpoch],
    ]);
    const perEpoch = (await call('runs.metrics', { id, level: 'epoch' })).filter((m: any) => m.split === 'train' && m.name === 'loss');
    expect(perEpoch.map((m: any) => m.epoch)).toEqual([1, 2]);
  }, 600_000);
});
