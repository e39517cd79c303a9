/**
 * ResNetForImageClassification in tfjs against the golden PyTorch outputs (resnet_tiny: bottleneck
 * layers, projection shortcuts), on the wasm backend (with our kernels) and the cpu backend.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { classifierPlan } from '../../../src/main/ml/arch/index.js';
import { type Checkpoint, loadCheckpoint, parameterShapes } from '../../../src/main/ml/models/checkpoint.js';
import { parseConfig, type ResNetConfig } from '../../../src/main/ml/models/configs.js';
import { createModel, type TfjsResnet } from '../../../src/main/ml/models/index.js';
import { preprocessBatch } from '../../../src/main/ml/models/model-input.js';
import { initialTensor, stateDictShapes } from '../../../src/main/ml/models/state-dict.js';
import { diffTo, inputTensor, maxAbsDiff, oracleDir, readF32, TOL } from './oracle.js';
import { needs } from '../../helpers/needs.js';

const dir = oracleDir('resnet_tiny');

describe.each(['wasm', 'cpu'])('ResNet tiny on %s', needs(dir), (backend) => {
  let model: TfjsResnet;
  let ckpt: Checkpoint;
  beforeAll(async () => {
    await initBackend('wasm');
    if (backend === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
      await tf.setBackend('cpu');
    } else await tf.setBackend('wasm');
    ckpt = await loadCheckpoint(dir!);
    model = createModel(ckpt) as TfjsResnet;
  });
  afterAll(() => model?.dispose());

  it('matches logits, pooled features, embedder and stage outputs from input.f32', () => {
    const x = inputTensor(dir!);
    tf.dispose(model.forward(x) as never); // builds the cache of BN-folded conv weights
    const before = tf.memory().numTensors;
    const out = model.forward(x, { outputHiddenStates: true });
    const errs: Record<string, number> = {
      logits: diffTo(out.logits, dir!, 'logits.f32'),
      features: diffTo(out.features, dir!, 'features.f32'),
      embedder: diffTo(out.embedderOutput!, dir!, 'embedder_out.f32', true),
    };
    out.stageOutputs!.forEach((s, i) => (errs[`stage${i}`] = diffTo(s, dir!, `stage_${i}_out.f32`, true)));
    console.log(`[resnet_tiny ${backend}] max abs error`, Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', '));
    expect(out.stageOutputs).toHaveLength(2);
    expect(errs.logits).toBeLessThan(TOL.tiny.logits);
    for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThan(TOL.tiny.hidden);
    tf.dispose(out as never);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('sees assigned weights (the BN-folding cache follows variable updates)', () => {
    const x = inputTensor(dir!);
    const logits = (): Float32Array => tf.tidy(() => model.forward(x).logits.dataSync() as Float32Array);
    const ref = logits();
    const gamma = model.params.get('resnet.encoder.stages.1.layers.0.layer.1.normalization.weight')!;
    const saved = tf.clone(gamma);
    gamma.assign(tf.mul(saved, 2));
    expect(maxAbsDiff(logits(), ref)).toBeGreaterThan(1e-3);
    gamma.assign(saved);
    expect(maxAbsDiff(logits(), ref)).toBe(0);
    tf.dispose([x, saved]);
  });

  it('matches the logits from the PNG files (ConvNeXt processor: bicubic short side, centre crop)', async () => {
    const { data, shape } = await preprocessBatch([join(dir!, 'image_0.png'), join(dir!, 'image_1.png')], ckpt);
    const expected = readF32(join(dir!, 'logits.f32'));
    const out = model.forward(tf.tensor4d(data, shape));
    const got = out.logits.dataSync();
    const err0 = maxAbsDiff(got.slice(0, 3), expected.slice(0, 3));
    const err1 = maxAbsDiff(got.slice(3), expected.slice(3));
    console.log(`[resnet_tiny ${backend}] logits from image_0.png: ${err0.toExponential(2)}; image_1.png: ${err1.toExponential(2)}`);
    expect(err0).toBeLessThan(TOL.tiny.logits);
    expect(err1).toBeLessThan(TOL.tiny.logits);
    tf.dispose(out as never);
  });

  it('training mode uses batch statistics and updates the running ones like torch', () => {
    const x = inputTensor(dir!);
    const name = 'resnet.embedder.embedder.normalization';
    const before = model.buffers.get(`${name}.running_mean`)!.dataSync().slice();
    const out = model.forward(x, { training: true });
    const batchMean = out.batchStats![name].mean.dataSync().slice();
    model.updateRunningStats(out.batchStats!);
    const after = model.buffers.get(`${name}.running_mean`)!.dataSync();
    for (let i = 0; i < after.length; i++) expect(after[i]).toBeCloseTo(0.9 * before[i] + 0.1 * batchMean[i], 5);
    expect(model.batchesTracked.get(`${name}.num_batches_tracked`)).toBe(1n);
    tf.dispose([x, out.logits, out.features]);
    // put the oracle statistics back for the other tests
    model.buffers.get(`${name}.running_mean`)!.assign(tf.tensor1d(before));
  });
});

describe('ResNet architecture plan', () => {
  it('ResNet-50 and ResNet-18 have the parameter counts of microsoft/resnet-50 and -18', () => {
    const count = (shapes: Map<string, number[]>): number =>
      [...shapes].filter(([k]) => !/running_|num_batches/.test(k)).reduce((s, [, v]) => s + v.reduce((a, b) => a * b, 1), 0);
    const r50 = parameterShapes(parseConfig({ model_type: 'resnet' }) as ResNetConfig, 1000);
    const r18 = parameterShapes(parseConfig({ model_type: 'resnet', hidden_sizes: [64, 128, 256, 512], depths: [2, 2, 2, 2], layer_type: 'basic' }) as ResNetConfig, 1000);
    expect(count(r50)).toBe(25_557_032); // torchvision resnet50
    expect(count(r18)).toBe(11_689_512); // torchvision resnet18
    // downsample_in_bottleneck moves the stride to the first 1x1; shapes are unchanged
    expect(r18.has('resnet.encoder.stages.0.layers.0.shortcut.convolution.weight')).toBe(false);
    expect(r18.get('resnet.encoder.stages.1.layers.0.shortcut.convolution.weight')).toEqual([128, 64, 1, 1]);
  });

  it('basic layers and the downsampling variants run with the strides they imply', async () => {
    await tf.setBackend('wasm');
    const variants: [Record<string, unknown>, number[]][] = [
      // basic layers (ResNet-18/34 style): stage 0 keeps the stem's stride 4
      [{ layer_type: 'basic', hidden_sizes: [8, 16], depths: [2, 1] }, [2, 8, 8, 8]],
      // downsample_in_first_stage: stage 0 strides too
      [{ layer_type: 'basic', hidden_sizes: [8, 16], depths: [1, 1], downsample_in_first_stage: true }, [2, 4, 4, 8]],
      // downsample_in_bottleneck: the stride moves to the first 1x1, shapes are unchanged
      [{ layer_type: 'bottleneck', hidden_sizes: [16, 32], depths: [1, 2], downsample_in_bottleneck: true }, [2, 8, 8, 16]],
    ];
    for (const [over, stage0] of variants) {
      const config = parseConfig({ model_type: 'resnet', embedding_size: 8, ...over }) as ResNetConfig;
      const plan = classifierPlan(config, 3);
      const weights = new Map([...stateDictShapes(plan)].map(([n, s]) => [n, initialTensor(plan, config, n, s, 0)]));
      const model = createModel({ arch: 'resnet', config, weights, id2label: { 0: 'a', 1: 'b', 2: 'c' } }) as TfjsResnet;
      const out = model.forward(tf.randomNormal([2, 3, 32, 32]) as tf.Tensor4D, { outputHiddenStates: true });
      expect(out.stageOutputs![0].shape, JSON.stringify(over)).toEqual(stage0);
      expect(out.logits.shape).toEqual([2, 3]);
      expect(Array.from(out.logits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose(out as never);
      model.dispose();
    }
  });
});
