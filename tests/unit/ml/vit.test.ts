/**
 * ViTForImageClassification in tfjs against the golden PyTorch outputs (vit_tiny), on the wasm
 * backend (with our kernels) and the cpu backend.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { attentionRollout, createModel, type TfjsVit } from '../../../src/main/ml/models/index.js';
import { preprocessBatch } from '../../../src/main/ml/models/model-input.js';
import { patchGrid } from '../../../src/main/ml/plan.js';
import { diffTo, inputTensor, maxAbsDiff, oracleDir, readF32, TOL } from './oracle.js';
import { needs } from '../../helpers/needs.js';

const dir = oracleDir('vit_tiny');

describe.each(['wasm', 'cpu'])('ViT tiny on %s', needs(dir), (backend) => {
  let model: TfjsVit;
  beforeAll(async () => {
    await initBackend('wasm');
    if (backend === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
      await tf.setBackend('cpu');
    } else await tf.setBackend('wasm');
    model = createModel(await loadCheckpoint(dir!)) as TfjsVit;
  });
  afterAll(() => model?.dispose());

  it('matches logits, features, hidden states, attentions and rollout from input.f32', () => {
    const before = tf.memory().numTensors;
    const x = inputTensor(dir!);
    const out = model.forward(x, { outputAttentions: true, outputHiddenStates: true });
    const errs = {
      logits: diffTo(out.logits, dir!, 'logits.f32'),
      features: diffTo(out.features, dir!, 'features.f32'),
      lastHiddenState: diffTo(out.lastHiddenState, dir!, 'last_hidden_state.f32'),
      hiddenStates: tf.tidy(() => diffTo(tf.stack(out.hiddenStates!), dir!, 'hidden_states.f32')),
      attentionsAll: tf.tidy(() => diffTo(tf.stack(out.attentions!), dir!, 'attentions_all.f32')),
      attentionsLast: diffTo(out.attentions!.at(-1)!, dir!, 'attentions_last.f32'),
      rollout: tf.tidy(() => diffTo(attentionRollout(out.attentions!, patchGrid(model.plan)), dir!, 'rollout.f32')),
    };
    console.log(`[vit_tiny ${backend}] max abs error`, Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(", "));
    expect(errs.logits).toBeLessThan(TOL.tiny.logits);
    expect(errs.features).toBeLessThan(TOL.tiny.hidden);
    expect(errs.lastHiddenState).toBeLessThan(TOL.tiny.hidden);
    expect(errs.hiddenStates).toBeLessThan(TOL.tiny.hidden);
    expect(errs.attentionsAll).toBeLessThan(TOL.tiny.attentions);
    expect(errs.attentionsLast).toBeLessThan(TOL.tiny.attentions);
    expect(errs.rollout).toBeLessThan(TOL.tiny.rollout);
    tf.dispose([x, out as never]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the logits from the PNG files (decode + preprocess in the loop)', async () => {
    const { data, shape } = await preprocessBatch([join(dir!, 'image_0.png'), join(dir!, 'image_1.png')], await loadCheckpoint(dir!));
    const expected = readF32(join(dir!, 'logits.f32'));
    const out = model.forward(tf.tensor4d(data, shape));
    const got = out.logits.dataSync();
    const err0 = maxAbsDiff(got.slice(0, 3), expected.slice(0, 3));
    const err1 = maxAbsDiff(got.slice(3), expected.slice(3));
    console.log(`[vit_tiny ${backend}] logits from image_0.png: ${err0.toExponential(2)}; image_1.png (resized): ${err1.toExponential(2)}`);
    expect(err0).toBeLessThan(TOL.tiny.logits);
    // Our resize is Pillow's, so even the resized image matches.
    expect(err1).toBeLessThan(TOL.tiny.logits);
    tf.dispose(out as never);
  });

  it('exports the weights it was built from', async () => {
    const ckpt = await loadCheckpoint(dir!);
    const exported = model.exportWeights();
    expect([...exported.keys()]).toEqual([...ckpt.weights.keys()]);
    for (const [name, e] of exported) {
      expect(e.shape).toEqual(ckpt.weights.get(name)!.shape);
      expect(maxAbsDiff(e.data as Float32Array, ckpt.weights.get(name)!.data as Float32Array)).toBe(0);
    }
  });
});
