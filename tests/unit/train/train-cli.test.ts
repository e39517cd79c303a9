/**
 * `tessella train`, `eval` and `runs` end to end on the LC25000 lung patches, with the tiny ViT
 * oracle checkpoint (32 px) as the starting point: the loss falls, validation accuracy clearly
 * beats chance (1/3), an unreadable image is skipped and reported, every epoch is recorded, and
 * the written checkpoint reloads and predicts exactly what was measured.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModel } from '../../../src/main/ml/models/index.js';
import { preprocessBatch } from '../../../src/main/ml/models/model-input.js';
import { OnnxEngine } from '../../../src/main/ml/onnx/session.js';
import { openDb } from '../../../src/main/store/db.js';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { readEvents, sessionHparams } from '../../helpers/tfevents.js';
import { lung, lungCopy, oneJson, vitTiny } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-train-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

describe('tessella train / eval / runs', needs(lung, vitTiny), () => {
  let data: { dir: string; corrupt: string | null };
  let result: any;
  const out = join(home.dir, 'model');

  beforeAll(() => {
    data = lungCopy(home.dir, true);
    const r = tessella(
      ['train', '--data', data.dir, '--init', vitTiny!, '--mode', 'full', '--epochs', '8', '--batch-size', '16', '--lr', '5e-3', '--seed', '1', '--out', out, '--json'],
      env,
      600_000,
    );
    expect(r.code, r.stderr).toBe(0);
    result = oneJson(r.stdout);
  }, 600_000);

  it('prints the run id and final metrics; validation accuracy clearly beats chance', () => {
    expect(result).toMatchObject({ status: 'completed', arch: 'vit', mode: 'full', epochs: 8, epochsCompleted: 8, monitor: 'val_accuracy', out });
    expect(Number.isInteger(result.runId)).toBe(true);
    const val = result.metrics.val;
    console.log(`[train] val accuracy ${val.accuracy.toFixed(3)} (n ${val.n}), macro F1 ${val.macroF1.toFixed(3)}, AUC ${val.auc.toFixed(3)}; ${result.imagesPerSecond.toFixed(1)} images/s on ${result.backend}`);
    expect(val.accuracy).toBeGreaterThan(0.6);
    expect(val.auc).toBeGreaterThan(0.7);
    expect(val.confusion.labels).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(val.ci.accuracy[0]).toBeLessThanOrEqual(val.accuracy);
    expect(result.metrics.test.n).toBeGreaterThan(0);
  });

  it('skips the unreadable image and reports it', () => {
    expect(result.skipped.map((s: { path: string }) => s.path)).toContain(data.corrupt);
  });

  it('records every step and each epoch once, and the training loss falls', () => {
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      const rows = db.prepare("SELECT epoch, name, value FROM run_metrics WHERE run_id = ? AND step IS NULL AND split = 'train' AND name = 'loss' ORDER BY epoch").all(result.runId) as { epoch: number; value: number }[];
      expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      console.log(`[train] train loss by epoch: ${rows.map((r) => r.value.toFixed(3)).join(', ')}`);
      expect(rows[7].value).toBeLessThan(rows[0].value - 0.2);
      const steps = db.prepare("SELECT count(*) AS n, count(DISTINCT step) AS d FROM run_metrics WHERE run_id = ? AND step IS NOT NULL AND name = 'loss'").get(result.runId) as { n: number; d: number };
      // 63 training images at 16 per step: 4 steps an epoch
      expect(steps).toEqual({ n: 32, d: 32 });
      const run = db.prepare('SELECT status, best_epoch, epochs_completed, backend, pid FROM runs WHERE id = ?').get(result.runId);
      expect(run).toMatchObject({ status: 'completed', epochs_completed: 8, pid: null });
    } finally {
      db.close();
    }
  });

  it('writes the best checkpoint in HF layout; it reloads and predicts identically in both engines', async () => {
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json', 'run']);
    const ck = await loadCheckpoint(out);
    expect(Object.values(ck.id2label)).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(ck.loadReport).toEqual({ newKeys: [], unusedKeys: [], reshapedKeys: [] });
    const files = ['lung_aca', 'lung_n', 'lung_scc'].map((c) => join(data.dir, c, readdirSync(join(data.dir, c)).find((f) => f !== 'corrupt.jpeg')!));
    const { data: px, shape } = await preprocessBatch(files, ck);
    await initBackend();
    const model = createModel(ck);
    const tfLogits = tf.tidy(() => Array.from(model.forward(tf.tensor4d(px, shape)).logits.dataSync()));
    model.dispose();
    const engine = await OnnxEngine.load(ck, { cacheDir: join(home.dir, 'onnx') });
    const { logits } = await engine.run(px, files.length);
    await engine.dispose();
    const onnx = logits.flatMap((l) => Array.from(l));
    expect(Math.max(...onnx.map((v, i) => Math.abs(v - tfLogits[i])))).toBeLessThan(1e-4);
    // the run's own evaluation of the validation split is what `tessella eval` measures again
    const again = tessella(['eval', '--model', out, '--dataset', 'lung', '--split', 'val', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const rep = oneJson(again.stdout);
    expect(rep.accuracy).toBe(result.metrics.val.accuracy);
    expect(rep.confusion).toEqual(result.metrics.val.confusion);
    expect(rep.auc).toBeCloseTo(result.metrics.val.auc, 12);
    // and the best epoch's in-training validation accuracy (tfjs) agrees with it (onnxruntime)
    expect(result.bestMetric).toBeCloseTo(rep.accuracy, 12);
  });

  it('eval --data scores every image under the folder, reporting the unreadable one', () => {
    const r = tessella(['eval', '--model', out, '--data', data.dir, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const rep = oneJson(r.stdout);
    expect(rep.n).toBe(90);
    expect(rep.skipped.map((s: { path: string }) => s.path)).toEqual([data.corrupt]);
    expect(Object.keys(rep.perClass)).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(rep.perClass.lung_n).toMatchObject({ support: 30 });
    expect(rep.confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(90);
    for (const k of ['accuracy', 'balancedAccuracy', 'macroF1', 'auc']) expect(rep.ci[k]).toHaveLength(2);
    expect(rep.curves.reliability).toHaveLength(15);
    const human = tessella(['eval', '--model', out, '--data', data.dir], env);
    expect(human.stdout).toMatch(/balanced accuracy/);
  });

  it('runs --json lists the run; runs without --json prints a table', () => {
    const r = tessella(['runs', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = oneJson(r.stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: result.runId, status: 'completed', arch: 'vit', mode: 'full', epochs: 8, epochsCompleted: 8, bestMetric: result.bestMetric });
    expect(typeof list[0].startedAt).toBe('string');
    expect(typeof list[0].finishedAt).toBe('string');
    expect(tessella(['runs'], env).stdout).toMatch(/completed/);
    expect(existsSync(join(env.TESSELLA_HOME, 'runs', String(result.runId), 'last', 'optimizer.safetensors'))).toBe(true);
  });

  it('runs export --tensorboard writes event files TensorBoard reads: every recorded step and epoch, the settings as hparams', () => {
    const logs = join(home.dir, 'tb');
    const r = tessella(['runs', 'export', String(result.runId), '--tensorboard', logs, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = oneJson(r.stdout);
    expect(out.dir).toBe(join(logs, `run-${result.runId}`));
    const events = readEvents(out.file);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      // every stored point, at its step (epoch for epoch values, the global step for step values)
      const rows = db.prepare('SELECT epoch, step, split, name, value FROM run_metrics WHERE run_id = ?').all(result.runId) as { epoch: number; step: number | null; split: string; name: string; value: number }[];
      const scalars = events.flatMap((e) => e.values.filter((v) => v.simple !== undefined).map((v) => ({ step: e.step, tag: v.tag, value: v.simple! })));
      expect(scalars).toHaveLength(rows.length);
      for (const row of rows) {
        const tag = row.step === null ? `${row.split}/${row.name}` : `${row.split}/${row.name}_step`;
        const hit = scalars.find((x) => x.tag === tag && x.step === (row.step ?? row.epoch));
        expect(hit, tag).toBeDefined();
        expect(hit!.value).toBe(Math.fround(row.value)); // simple_value is a float32
      }
      expect(scalars.filter((x) => x.tag === 'val/accuracy').map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(scalars.filter((x) => x.tag === 'train/loss_step').length).toBeGreaterThan(8);
    } finally {
      db.close();
    }
    const start = events.flatMap((e) => e.values).find((v) => v.tag === '_hparams_/session_start_info');
    expect(start?.plugin).toBe('hparams');
    expect(sessionHparams(start!.content!)).toMatchObject({ arch: 'vit', mode: 'full', epochs: 8, batchSize: 16, lr: 5e-3, seed: 1 });
    expect(events.flatMap((e) => e.values).some((v) => v.tag === '_hparams_/session_end_info')).toBe(true);
    // a second export replaces the file instead of adding a copy TensorBoard would draw twice
    const again = oneJson(tessella(['runs', 'export', String(result.runId), '--tensorboard', logs, '--json'], env).stdout);
    expect(readdirSync(again.dir).filter((f) => f.includes('tfevents'))).toHaveLength(1);
    const bad = tessella(['runs', 'export', '999', '--tensorboard', logs], env);
    expect(bad.code).toBeGreaterThan(0);
    expect(bad.stderr.trim().split('\n')).toEqual(['tessella: no run 999; see `tessella runs`']);
  });

  it('refuses bad arguments with a one-line error', () => {
    const r = tessella(['train', '--data', data.dir, '--arch', 'vit-b16', '--json'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out/);
    const m = tessella(['train', '--data', data.dir, '--arch', 'nope', '--out', out, '--json'], env);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--arch must be one of/);
  });
});
