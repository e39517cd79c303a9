/**
 * A last-k training step on the split network (frozen prefix on onnxruntime, suffix on tfjs) is
 * the step the whole tfjs network takes with only its last k blocks trainable: same loss, same
 * updated weights (SGD: the update is linear in the gradient, so float differences stay small),
 * and the exported checkpoint is the whole state dict, frozen tensors untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planOf } from '../../../src/main/ml/arch/index.js';
import { ensureGradients, initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { stateDictShapes } from '../../../src/main/ml/models/state-dict.js';
import { frozenBlocks, prefixTensorNames } from '../../../src/main/ml/plan.js';
import { FrozenPrefix } from '../../../src/main/train/frozen-prefix.js';
import { Optimizer } from '../../../src/main/train/optimizers.js';
import { Stepper } from '../../../src/main/train/step.js';
import { networkModel, suffixModel, type TrainModel } from '../../../src/main/train/train-model.js';
import { needs } from '../../helpers/needs.js';
import { resnetTiny, vitTiny } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-suffix-step-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('wasm');
  const g = await ensureGradients();
  expect(g.ok, g.error).toBe(true);
});

const labels = [0, 1, 2, 1];

function step(model: TrainModel, x: tf.Tensor): { loss: number; weights: Map<string, Float32Array | BigInt64Array> } {
  const opt = new Optimizer(model.params, model.trainable, { kind: 'sgd', weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 });
  const stepper = new Stepper(model, opt, { weights: null, labelSmoothing: 0.1, maxGradNorm: null });
  const { loss } = stepper.accumulate(x, labels, labels.length);
  stepper.apply(0.5);
  const weights = new Map([...model.exportWeights()].map(([k, e]) => [k, e.data as Float32Array | BigInt64Array]));
  opt.dispose();
  model.dispose();
  return { loss, weights };
}

describe('a last-k step on onnxruntime + tfjs', needs(vitTiny, resnetTiny), () => {
  for (const [name, dir] of [
    ['vit_tiny', vitTiny],
    ['resnet_tiny', resnetTiny],
  ] as const) {
    it(`${name}: equals the whole network's last-k step`, async () => {
      const load = () => loadCheckpoint(dir!, { labels: ['a', 'b', 'c'], seed: 4 });
      const ck = await load();
      const plan = planOf(ck);
      const cut = frozenBlocks(plan, 1);
      const [h, w] = plan.inputSize;
      const n = labels.length;
      const pixels = Float32Array.from({ length: n * 3 * h * w }, (_, i) => Math.sin(i * 0.37) * 1.5);
      const init = new Map([...ck.weights].map(([k, e]) => [k, e.data]));

      const whole = step(networkModel(await load(), 'last-k', 1), tf.tensor4d(pixels, [n, 3, h, w]));
      const prefix = await FrozenPrefix.load(ck, plan, cut, join(tmp, 'onnx'));
      let split: ReturnType<typeof step>;
      try {
        const hidden = await prefix.run(pixels, n);
        split = step(suffixModel(ck, cut), tf.tensor(hidden, [n, ...prefix.shape]));
      } finally {
        await prefix.dispose();
      }

      expect(split.loss).toBeCloseTo(whole.loss, 4);
      expect([...split.weights.keys()]).toEqual([...stateDictShapes(plan).keys()]);
      for (const [k, v] of whole.weights) {
        const u = split.weights.get(k)!;
        let worst = 0;
        for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(Number(v[i]) - Number(u[i])));
        expect(worst, k).toBeLessThan(1e-4);
      }
      for (const k of prefixTensorNames(plan, cut)) {
        const a = init.get(k)!;
        const b = split.weights.get(k)!;
        expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength)), k).toBe(true);
      }
    }, 120_000);
  }
});
