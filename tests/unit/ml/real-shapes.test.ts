/**
 * Real ViT-B/16 and ResNet-50 shapes against the golden outputs, on the wasm backend. Needs the
 * regenerated weights (see oracle.ts realWeightsDir); skipped with a message without them.
 * Slow (tens of seconds): one forward of batch 2 per model.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModel } from '../../../src/main/ml/models/index.js';
import { preprocessBatch } from '../../../src/main/ml/models/model-input.js';
import type { ResnetOutput } from '../../../src/main/ml/emit/tfjs-resnet.js';
import { attentionRollout, type TfjsVit, type VitOutput } from '../../../src/main/ml/emit/tfjs.js';
import { patchGrid } from '../../../src/main/ml/plan.js';
import { diffTo, inputTensor, maxAbsDiff, readF32, realWeightsDir, TOL } from './oracle.js';
import { needs, oracleWeights } from '../../helpers/needs.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const fmt = (errs: Record<string, number>): string => Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');

/** The PNGs through our processor give exactly input.f32, so one forward covers both paths. */
async function checkPixels(dir: string, pp: Parameters<typeof preprocessBatch>[1]): Promise<number> {
  const { data } = await preprocessBatch([join(dir, 'image_0.png'), join(dir, 'image_1.png')], pp);
  return maxAbsDiff(data, readF32(join(dir, 'input.f32')));
}

const vitDir = realWeightsDir('vit_base');
const resnetDir = realWeightsDir('resnet50');

describe('real shapes on wasm', () => {
  it('ViT-B/16: logits, features, last hidden state, last attentions, rollout', { ...needs(oracleWeights(vitDir, 'vit_base')), timeout: 600_000 }, async () => {
    const ckpt = await loadCheckpoint(vitDir!);
    const model = createModel(ckpt);
    const pixels = await checkPixels(vitDir!, ckpt);
    const t0 = performance.now();
    const out = model.forward(inputTensor(vitDir!), { outputAttentions: true }) as VitOutput;
    out.logits.dataSync();
    const ms = performance.now() - t0;
    const errs = {
      pixels,
      logits: diffTo(out.logits, vitDir!, 'logits.f32'),
      features: diffTo(out.features, vitDir!, 'features.f32'),
      lastHiddenState: diffTo(out.lastHiddenState, vitDir!, 'last_hidden_state.f32'),
      attentionsLast: diffTo(out.attentions!.at(-1)!, vitDir!, 'attentions_last.f32'),
      rollout: tf.tidy(() => diffTo(attentionRollout(out.attentions!, patchGrid((model as TfjsVit).plan)), vitDir!, 'rollout.f32')),
    };
    console.log(`[vit_base wasm] forward batch 2 ${ms.toFixed(0)} ms; max abs error ${fmt(errs)}`);
    expect(errs.pixels).toBeLessThanOrEqual(TOL.pixels);
    expect(errs.logits).toBeLessThan(TOL.base.logits);
    expect(errs.features).toBeLessThan(TOL.base.hidden);
    expect(errs.lastHiddenState).toBeLessThan(TOL.base.hidden);
    expect(errs.attentionsLast).toBeLessThan(TOL.base.attentions);
    expect(errs.rollout).toBeLessThan(TOL.base.rollout);
    tf.dispose(out as never);
    model.dispose();
  });

  it('ResNet-50: logits, pooled features, embedder and stage outputs', { ...needs(oracleWeights(resnetDir, 'resnet50')), timeout: 600_000 }, async () => {
    const ckpt = await loadCheckpoint(resnetDir!);
    const model = createModel(ckpt);
    const pixels = await checkPixels(resnetDir!, ckpt);
    const t0 = performance.now();
    const out = model.forward(inputTensor(resnetDir!), { outputHiddenStates: true }) as ResnetOutput;
    out.logits.dataSync();
    const ms = performance.now() - t0;
    const errs: Record<string, number> = {
      pixels,
      logits: diffTo(out.logits, resnetDir!, 'logits.f32'),
      features: diffTo(out.features, resnetDir!, 'features.f32'),
      embedder: diffTo(out.embedderOutput!, resnetDir!, 'embedder_out.f32', true),
    };
    out.stageOutputs!.forEach((s, i) => (errs[`stage${i}`] = diffTo(s, resnetDir!, `stage_${i}_out.f32`, true)));
    console.log(`[resnet50 wasm] forward batch 2 ${ms.toFixed(0)} ms; max abs error ${fmt(errs)}`);
    expect(errs.pixels).toBeLessThanOrEqual(TOL.pixels);
    expect(errs.logits).toBeLessThan(TOL.base.logits);
    for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThan(TOL.base.hidden);
    tf.dispose(out as never);
    model.dispose();
  });
});
