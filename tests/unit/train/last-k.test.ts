/**
 * Last-k training end to end on a few LC25000 lung patches (4 per class, 1 epoch): the frozen
 * blocks run on onnxruntime (the backend line says so, with its threads), the last block, the
 * final norm and the head train on tfjs. ViT without augmentation (hidden states cached on disk),
 * ResNet with it (prefix run per batch). The saved checkpoint is the whole model: its frozen
 * tensors are bit-identical to the starting checkpoint's, the trained ones moved, and predict
 * (onnxruntime, the whole graph) gives what the tfjs forward of the whole network gives.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { predict } from '../../../src/main/ml/infer/predict.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModel } from '../../../src/main/ml/models/index.js';
import { blockTensorNames, frozenBlocks, prefixTensorNames } from '../../../src/main/ml/plan.js';
import { planOf } from '../../../src/main/ml/arch/index.js';
import { batchPixels, ImageStore } from '../../../src/main/train/images.js';
import { softmax } from '../../../src/main/train/metrics.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, oneJson, resnetTiny, vitTiny } from './fixtures.js';

const home = tempHome('tessella-train-lastk-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
const data = join(home.dir, 'few');
afterAll(() => home.cleanup());

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('last-k training on onnxruntime + tfjs', needs(lung, vitTiny, resnetTiny), () => {
  const files: string[] = [];
  beforeAll(async () => {
    for (const cls of ['lung_aca', 'lung_n', 'lung_scc']) {
      mkdirSync(join(data, cls), { recursive: true });
      for (const f of readdirSync(join(lung!, cls)).sort().slice(0, 4)) {
        cpSync(join(lung!, cls, f), join(data, cls, f));
        files.push(join(data, cls, f));
      }
    }
    await initBackend('wasm');
  });

  const cases = [
    { name: 'vit_tiny, no augmentation', init: () => vitTiny!, extra: ['--no-augment'] },
    { name: 'resnet_tiny, augmented', init: () => resnetTiny!, extra: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: trains the last block, keeps the frozen ones bit for bit, predicts as tfjs`, async () => {
      const out = join(home.dir, `out-${c.init().split('/').pop()}`);
      const r = tessella(['train', '--data', data, '--init', c.init(), '--mode', 'last-k', '--last-k', '1', '--epochs', '1', '--batch-size', '4', '--seed', '5', '--out', out, '--json', ...c.extra], env, 300_000);
      expect(r.code, r.stderr).toBe(0);
      const result = oneJson(r.stdout);
      expect(result).toMatchObject({ status: 'completed', mode: 'last-k', epochsCompleted: 1 });
      // the run says who trains on how many threads: tfjs the last block, onnxruntime the frozen ones
      const cores = availableParallelism();
      expect(result.backend).toMatch(new RegExp(`^tfjs \\w+.*, \\d+ threads? of ${cores} cores \\(last 1 block\\) \\+ onnxruntime cpu, ${cores} threads? \\(first 1 block, frozen\\)`));

      const init = await loadCheckpoint(c.init());
      const saved = await loadCheckpoint(out);
      const plan = planOf(saved);
      const cut = frozenBlocks(plan, 1);
      expect(cut).toBeGreaterThan(0);
      for (const name of prefixTensorNames(plan, cut)) expect(sameBytes(saved.weights.get(name)!.data, init.weights.get(name)!.data), `${name} frozen`).toBe(true);
      const buffers = /running_(mean|var)|num_batches_tracked/;
      const trained = blockTensorNames(plan).slice(cut).flat().filter((n) => !buffers.test(n));
      if (plan.kind === 'vit') trained.push(plan.norm.weight, plan.norm.bias);
      expect(trained.length).toBeGreaterThan(0);
      for (const name of trained) expect(sameBytes(saved.weights.get(name)!.data, init.weights.get(name)!.data), `${name} trained`).toBe(false);

      // predict (the whole ONNX graph of the saved folder) = the whole tfjs network on the same pixels
      const some = [files[0], files[5], files[10]];
      const run = await predict(out, some, { cacheDir: join(home.dir, 'onnx') });
      const model = createModel(saved);
      try {
        const [h, w] = plan.inputSize;
        const x = tf.tensor4d(await batchPixels(new ImageStore(null), some, saved.preprocessor, null), [some.length, 3, h, w]);
        const logits = model.forward(x).logits.arraySync();
        run.predictions.forEach((p, i) => {
          p.logits.forEach((l, j) => expect(Math.abs(l - logits[i][j]), `${p.file} logit ${j}`).toBeLessThan(1e-4));
          const probs = softmax(logits[i]);
          for (const [label, prob] of Object.entries(p.probabilities)) expect(Math.abs(prob - probs[run.model.labels.indexOf(label)])).toBeLessThan(1e-4);
        });
      } finally {
        model.dispose();
      }
    }, 300_000);
  }

  it('without room in the cache, runs the frozen blocks per batch and trains the same weights', async () => {
    const out = join(home.dir, 'out-uncached');
    // every use of a cache entry marks it used: the run must not touch the ViT run's entry
    const root = join(env.TESSELLA_HOME, 'cache', 'training', 'hidden');
    const used = () => readdirSync(root).map((d) => statSync(join(root, d, '.used')).mtimeMs);
    const before = used();
    const r = tessella(
      ['train', '--data', data, '--init', vitTiny!, '--mode', 'last-k', '--last-k', '1', '--epochs', '1', '--batch-size', '4', '--seed', '5', '--out', out, '--json', '--no-augment'],
      { ...env, TESSELLA_HIDDEN_CACHE_GB: '1e-9' },
      300_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(used()).toEqual(before);
    const cached = await loadCheckpoint(join(home.dir, 'out-vit_tiny'));
    const uncached = await loadCheckpoint(out);
    for (const [name, e] of cached.weights) {
      const a = e.data as Float32Array;
      const b = uncached.weights.get(name)!.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, name).toBeLessThan(1e-5);
    }
  }, 300_000);

  it('caches the frozen blocks\' output per image when nothing is augmented', () => {
    const root = join(env.TESSELLA_HOME, 'cache', 'training', 'hidden');
    expect(existsSync(root)).toBe(true);
    const dirs = readdirSync(root);
    // the ViT run cached train and val images; the augmented ResNet run only its validation images;
    // the run without room in the cache, nothing
    expect(dirs.length).toBe(2);
    const counts = dirs.map((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.f32')).length).sort((a, b) => a - b);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(counts[0]);
  });
});
