/**
 * One tfjs forward per plan, for every layout and every use: the backbone oracle cases
 * (../shared/oracle/fm) through createModel (what training, predict and features run), every
 * block's output included, at the native and at a resampled size; and training steps that move
 * exactly the variables the plan names.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierPlan } from '../../../../src/main/ml/arch/index';
import { ensureGradients, initBackend } from '../../../../src/main/ml/engine/backend';
import type { TfjsVit } from '../../../../src/main/ml/emit/tfjs';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import { createModel } from '../../../../src/main/ml/models/index';
import { planTensorNames, type VitPlan } from '../../../../src/main/ml/plan';
import { Optimizer } from '../../../../src/main/train/optimizers';
import { Stepper } from '../../../../src/main/train/step';
import { networkModel } from '../../../../src/main/train/train-model';
import { sharedPath } from '../../../helpers/shared-data';
import { needs } from '../../../helpers/needs.js';
import { maxAbsDiff, readF32 } from '../onnx/oracle';

const root = sharedPath('oracle/fm');
const vitTiny = sharedPath('oracle/vit_tiny');

beforeAll(async () => {
  await initBackend('wasm');
  const g = await ensureGradients();
  expect(g.ok, g.error).toBe(true);
});

describe('backbone plans through the model training uses', needs(root), () => {
  const cases = [
    ['timm_vit_plain', 'features.f32'],
    ['timm_vit_layerscale', 'features.f32'],
    ['timm_vit_swiglu_reg', 'features.f32'],
    ['timm_vit_virchow2_style', 'embedding.f32'],
    ['hf_dinov2', 'features.f32'],
    ['hf_dinov2_reg_swiglu', 'features.f32'],
  ] as const;
  for (const [c, file] of cases) {
    it(`${c}: embedding and every block's output within 1e-4`, async () => {
      const dir = join(root!, c);
      const ck = await loadCheckpoint(dir);
      const model = createModel(ck) as TfjsVit;
      try {
        const [h, w] = model.plan.inputSize;
        const x = tf.tensor4d(readF32(dir, 'input.f32'), [2, 3, h, w]);
        const out = model.forward(x, { outputHiddenStates: true });
        expect(maxAbsDiff(out.features.dataSync(), readF32(dir, file))).toBeLessThan(1e-4);
        const hidden = tf.stack(out.hiddenStates!); // [L+1, 2, T, D]: embeddings, then each block
        expect(maxAbsDiff(hidden.dataSync(), readF32(dir, 'hidden_states.f32'))).toBeLessThan(1e-4);
        tf.dispose([x, hidden, out as never]);
      } finally {
        model.dispose();
      }
    }, 60_000);
  }

  it('timm_vit_layerscale at 48x80: the position table resampled as timm does (dynamic_img_size)', async () => {
    const dir = join(root!, 'timm_vit_layerscale');
    const model = createModel(await loadCheckpoint(dir, { inputSize: [48, 80] })) as TfjsVit;
    try {
      const x = tf.tensor4d(readF32(dir, 'input_dynamic_48x80.f32'), [2, 3, 48, 80]);
      const out = model.forward(x);
      expect(maxAbsDiff(out.features.dataSync(), readF32(dir, 'features_dynamic_48x80.f32'))).toBeLessThan(1e-4);
      tf.dispose([x, out as never]);
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('timm_vit_swiglu_reg: every tensor the plan names gets a gradient (registers, positions, LayerScale) and exports back unchanged', async () => {
    const dir = join(root!, 'timm_vit_swiglu_reg');
    const ck = await loadCheckpoint(dir);
    const model = createModel(ck) as TfjsVit;
    try {
      const names = planTensorNames(model.plan);
      expect(new Set(model.params.keys())).toEqual(new Set(names));
      const exported = model.exportWeights();
      for (const n of names) expect(maxAbsDiff(exported.get(n)!.data as Float32Array, ck.weights.get(n)!.data as Float32Array), n).toBe(0);
      const [h, w] = model.plan.inputSize;
      const x = tf.tensor4d(readF32(dir, 'input.f32'), [2, 3, h, w]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(x).features)) as tf.Scalar, [...model.params.values()]);
      for (const n of names) {
        const g = grads[model.params.get(n)!.name]!;
        const norm = tf.tidy(() => tf.norm(g).dataSync()[0]!);
        expect(Number.isFinite(norm) && norm > 0, n).toBe(true);
      }
      // dropout only where asked: a training forward with it differs, without it is the eval one
      const eval1 = tf.tidy(() => model.forward(x).features.dataSync());
      const dropped = tf.tidy(() => model.forward(x, { dropout: { hidden: 0.5, attention: 0.5 } }).features.dataSync());
      expect(maxAbsDiff(dropped, eval1)).toBeGreaterThan(1e-3);
      tf.dispose([x, value, ...Object.values(grads)]);
    } finally {
      model.dispose();
    }
  }, 120_000);
});

describe('a training step moves the variables the plan names', needs(vitTiny), () => {
  const step = async (mode: 'full' | 'last-k', lastK: number): Promise<{ changed: string[]; plan: VitPlan; all: string[] }> => {
    const ck = await loadCheckpoint(vitTiny!, { labels: ['a', 'b', 'c'], seed: 3 });
    const model = networkModel(ck, mode, lastK);
    const before = new Map([...model.params].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    const stepper = new Stepper(model, new Optimizer(model.params, model.trainable, { kind: 'sgd', weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8, momentum: 0 }), {
      weights: null,
      labelSmoothing: 0,
      maxGradNorm: null,
    });
    const x = tf.tensor4d(readF32(vitTiny!, 'input.f32'), [2, 3, 32, 32]);
    stepper.accumulate(x, [0, 2], 2);
    stepper.apply(0.5);
    const changed = [...model.params].filter(([k, v]) => maxAbsDiff(v.dataSync() as Float32Array, before.get(k)!) > 0).map(([k]) => k);
    const all = [...model.params.keys()];
    model.dispose();
    return { changed, plan: classifierPlan(ck.config, 3) as VitPlan, all };
  };

  it('full: every tensor of the plan, the CLS token and position table included', async () => {
    const { changed, plan, all } = await step('full', 1);
    expect(new Set(all)).toEqual(new Set(planTensorNames(plan)));
    expect(new Set(changed)).toEqual(new Set(planTensorNames(plan)));
  }, 120_000);

  it('last-k 1: the last transformer layer, the final layernorm and the classifier, nothing else', async () => {
    const { changed } = await step('last-k', 1);
    expect(changed.length).toBe(20); // 6 Linear (q, k, v, proj, fc1, fc2) and 2 norms, weight and bias; layernorm; classifier
    for (const n of changed) expect(n).toMatch(/^vit\.encoder\.layer\.1\.|^vit\.layernorm\.|^classifier\./);
  }, 120_000);
});
