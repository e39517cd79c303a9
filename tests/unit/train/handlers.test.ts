/**
 * The training.* and runs.* calls through the contract's dispatch, as the UI will use them:
 * a head-mode run on frozen ResNet features with Macenko stain normalisation, progress events,
 * metrics, comparison, export, evaluation (with the stored normalisation), the augmentation
 * preview, and cancel / resume / delete of a full-mode ViT run.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { RunDetail, TrainingProgress } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { datasetSplitImages } from '../../../src/main/datasets/query.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { embeddingCacheRoot, fileContentHash } from '../../../src/main/ml/infer/embedding-store.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, resnetTiny, vitTiny } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-train-handlers-');
let ctx: AppContext;
let handlers: Handlers;
const events: TrainingProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

async function until(id: number, done: (r: RunDetail) => boolean, timeoutMs = 300_000): Promise<RunDetail> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r: RunDetail = await call('runs.get', { id });
    if (done(r)) return r;
    if (Date.now() > end) throw new Error(`run ${id} still ${r.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
const finished = (r: RunDetail) => !['queued', 'running'].includes(r.status);

describe('training calls', needs(lung, resnetTiny, vitTiny), () => {
  let datasetId: number;
  let run: RunDetail;
  const reference = join(lung!, 'lung_aca', 'lungaca1001.jpeg');

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    ctx.events.onAny((name, payload) => {
      if (name === 'training.progress') events.push(payload as TrainingProgress);
    });
    datasetId = (await importDataset(ctx.db, { path: lung!, name: 'lung' })).id;
    const started: RunDetail = await call('training.start', {
      datasetId,
      init: resnetTiny,
      mode: 'head',
      epochs: 3,
      batchSize: 16,
      lr: 0.01,
      stain: { method: 'macenko', reference },
      name: 'head on resnet_tiny',
    });
    expect(started).toMatchObject({ status: 'queued', mode: 'head', arch: 'resnet', epochs: 3, labels: ['lung_aca', 'lung_n', 'lung_scc'] });
    expect(started.config).toMatchObject({ lr: 0.01, weightDecay: 0.05, optimizer: 'adamw', seed: 0 });
    run = await until(started.id, finished);
  }, 300_000);

  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });

  it('runs a head-mode run to completion, streaming progress', async () => {
    expect(run).toMatchObject({ status: 'completed', epochsCompleted: 3, error: null, name: 'head on resnet_tiny', datasetName: 'lung' });
    expect(run.backend).toMatch(/onnxruntime/);
    expect(run.final!.val!.n).toBe(datasetSplitImages(ctx.db, datasetId, 'val').length);
    const mine = events.filter((e) => e.runId === run.id);
    expect(mine[0]).toMatchObject({ status: 'queued' });
    expect(mine.some((e) => e.phase === 'features')).toBe(true);
    expect(mine.some((e) => e.phase === 'training' && e.loss !== null && e.lr !== null)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ status: 'completed', phase: 'done' });
    // frozen-backbone features are computed once and kept in the embedding store, one file per image content
    const storeRoot = embeddingCacheRoot(ctx.home.root);
    const featureDirs = readdirSync(storeRoot).filter((d) => d.startsWith('img-'));
    expect(featureDirs).toHaveLength(1);
    const trainVal = [...datasetSplitImages(ctx.db, datasetId, 'train'), ...datasetSplitImages(ctx.db, datasetId, 'val')];
    const contents = new Set(await Promise.all(trainVal.map((i) => fileContentHash(i.path))));
    const files = readdirSync(join(storeRoot, featureDirs[0]!), { recursive: true }).filter((f) => String(f).endsWith('.f32'));
    expect(files).toHaveLength(contents.size);
  });

  it('stores the stain normalisation with the model and applies it when evaluating', async () => {
    expect(existsSync(join(run.bestDir!, 'stain_normalization.json'))).toBe(true);
    const same = await call('training.evaluate', { model: run.bestDir, datasetId, split: 'val' });
    expect(same.accuracy).toBe(run.final!.val!.accuracy);
    expect(same.logLoss).toBeCloseTo(run.final!.val!.logLoss, 12);
    const bare = join(home.dir, 'no-stain');
    cpSync(run.bestDir!, bare, { recursive: true });
    rmSync(join(bare, 'stain_normalization.json'));
    const without = await call('training.evaluate', { model: bare, datasetId, split: 'val' });
    expect(Math.abs(without.logLoss - same.logLoss)).toBeGreaterThan(1e-4);
  });

  it('returns metrics per step and per epoch, and curves for comparison', async () => {
    const epochs = await call('runs.metrics', { id: run.id, level: 'epoch' });
    expect(epochs.filter((m: any) => m.split === 'train' && m.name === 'loss').map((m: any) => m.epoch)).toEqual([1, 2, 3]);
    expect(epochs.every((m: any) => m.step === null)).toBe(true);
    const steps = await call('runs.metrics', { id: run.id, level: 'step' });
    expect(steps.filter((m: any) => m.name === 'lr')).toHaveLength(3 * Math.ceil(datasetSplitImages(ctx.db, datasetId, 'train').length / 16));
    const cmp = await call('runs.compare', { ids: [run.id] });
    expect(cmp.runs[0].curves.train_loss.map((p: any) => p.epoch)).toEqual([1, 2, 3]);
    expect(cmp.runs[0].curves.val_accuracy).toHaveLength(3);
    expect(cmp.runs[0].final.accuracy).toBe(run.final!.val!.accuracy);
  });

  it('exports the best checkpoint as a flat HuggingFace folder and the run files in run/', async () => {
    const dir = join(home.dir, 'export');
    const r = await call('runs.export', { id: run.id, dir });
    const rel = r.files.map((f: string) => f.slice(dir.length + 1));
    expect(rel).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'preprocessor_config.json', 'run/training_config.json', 'run/summary.json', 'run/metrics.csv', 'run/trainer_state.json']));
    const csv = readFileSync(join(dir, 'run', 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,step,split,name,value,at');
    expect(csv.length - 1).toBe((await call('runs.metrics', { id: run.id })).length);
    const ck = await loadCheckpoint(dir);
    expect(Object.values(ck.id2label)).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(ck.hash).toBe((await loadCheckpoint(run.bestDir!)).hash);
    expect(existsSync(join(dir, 'optimizer.safetensors'))).toBe(false);
    expect(existsSync(join(dir, 'model'))).toBe(false);
  });

  it('previews augmentation as base64 PNGs at the asked size, the same for the same seed', async () => {
    const input = { datasetId, count: 2, variants: 3, size: 48, seed: 4, stain: { method: 'reinhard', reference } };
    const p = await call('training.augmentPreview', input);
    expect(p.size).toBe(48);
    expect(p.images).toHaveLength(2);
    for (const img of p.images) {
      expect(['lung_aca', 'lung_n', 'lung_scc']).toContain(img.label);
      expect(img.variants).toHaveLength(3);
      for (const b64 of [img.original, ...img.variants]) expect(await sharp(Buffer.from(b64, 'base64')).metadata()).toMatchObject({ width: 48, height: 48, format: 'png' });
      expect(new Set(img.variants).size).toBe(3);
    }
    expect(await call('training.augmentPreview', input)).toEqual(p);
  });

  it('cancels a running run at a step boundary, resumes it, then deletes it', async () => {
    const started: RunDetail = await call('training.start', { datasetId, init: vitTiny, mode: 'last-k', lastK: 1, epochs: 3, batchSize: 8, seed: 2 });
    await until(started.id, () => events.some((e) => e.runId === started.id && e.phase === 'training' && e.step >= 1));
    expect(await call('runs.cancel', { id: started.id })).toEqual({ cancelled: true });
    const cancelled = await until(started.id, finished);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochsCompleted).toBeLessThan(3);
    await expect(call('runs.resume', { id: run.id })).rejects.toMatchObject({ code: 'conflict' });
    const resumed = await call('runs.resume', { id: started.id });
    expect(resumed.status).toBe('queued');
    const done = await until(started.id, finished);
    expect(done, done.error ?? '').toMatchObject({ status: 'completed', epochsCompleted: 3 });
    const perEpoch = (await call('runs.metrics', { id: started.id, level: 'epoch' })).filter((m: any) => m.split === 'train' && m.name === 'loss');
    expect(perEpoch.map((m: any) => m.epoch)).toEqual([1, 2, 3]);
    expect((await call('runs.list', {})).map((r: any) => r.id)).toEqual([started.id, run.id]);
    expect(await call('runs.delete', { id: started.id })).toEqual({ deleted: true });
    expect(existsSync(join(ctx.home.runs, String(started.id)))).toBe(false);
    await expect(call('runs.get', { id: started.id })).rejects.toMatchObject({ code: 'not-found' });
  }, 300_000);

  it('rejects a configuration without data or model', async () => {
    await expect(call('training.start', { mode: 'full' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(call('training.start', { datasetId, arch: 'vit-b16', mode: 'sideways' })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
