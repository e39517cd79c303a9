/**
 * Loading checkpoints as from_pretrained does (base-model prefix, new/reshaped heads, defaults),
 * built-in architectures, and saving folders that transformers (here: the oracle's numpy reader)
 * loads back; reduced-precision and sharded copies give back the logits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import type { ResNetConfig } from '../../../src/main/ml/models/configs.js';
import { createModel } from '../../../src/main/ml/models/index.js';
import { classifierPlan } from '../../../src/main/ml/arch/index.js';
import { initialTensor } from '../../../src/main/ml/models/state-dict.js';
import { diffTo, inputTensor, maxAbsDiff, oracleDir, TOL } from './oracle.js';
import { has, needs } from '../../helpers/needs.js';
import { sharedRoot } from '../../helpers/shared-data.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-ckpt-'));
const PYTHON = '/usr/bin/python3';

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function logitsOf(ckpt: Pick<Checkpoint, 'arch' | 'config' | 'weights' | 'id2label'>, x: tf.Tensor4D): Float32Array {
  const model = createModel(ckpt);
  const out = model.forward(x);
  const v = out.logits.dataSync() as Float32Array;
  tf.dispose(out as never);
  model.dispose();
  return v;
}

const tiny = oracleDir('vit_tiny');
const in21k = oracleDir('vit_tiny_in21k_style');
const rtiny = oracleDir('resnet_tiny');

describe('loading', () => {
  it('a ViTModel (in21k-style) checkpoint: prefix added, pooler unused, new head', needs(in21k), async () => {
    const ckpt = await loadCheckpoint(in21k!);
    expect(ckpt.loadReport).toEqual({
      newKeys: ['classifier.weight', 'classifier.bias'],
      unusedKeys: ['pooler.dense.bias', 'pooler.dense.weight'],
      reshapedKeys: [],
      // no preprocessor_config.json there: what is assumed is said, not silent
      warnings: [
        `${in21k}: no preprocessor_config.json; assuming ViTImageProcessor at 32 x 32 with mean [0.5, 0.5, 0.5] and std [0.5, 0.5, 0.5]; add the file the model was trained with if these differ`,
      ],
    });
    expect(ckpt.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1' });
    expect(ckpt.config.architectures).toEqual(['ViTForImageClassification']);
    expect(ckpt.preprocessor.image_processor_type).toBe('ViTImageProcessor'); // no preprocessor_config.json there
    expect(ckpt.preprocessor.size).toEqual({ height: 32, width: 32 });
    expect(ckpt.weights.has('vit.embeddings.cls_token')).toBe(true);
    const model = createModel(ckpt);
    const out = model.forward(inputTensor(in21k!));
    const err = diffTo(out.features, in21k!, 'features.f32');
    console.log(`[vit_tiny_in21k_style] features max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL.tiny.hidden);
    expect(out.logits.shape).toEqual([2, 2]);
    tf.dispose(out as never);
    model.dispose();

    const five = await loadCheckpoint(in21k!, { labels: ['a', 'b', 'c', 'd', 'e'], seed: 3 });
    expect(five.weights.get('classifier.weight')!.shape).toEqual([5, 48]);
    expect(five.config.id2label).toEqual({ 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' });
    expect(five.config.label2id).toEqual({ a: 0, b: 1, c: 2, d: 3, e: 4 });
    // the new head follows _init_weights: trunc-normal(0.02) weight, zero bias
    const w = five.weights.get('classifier.weight')!.data as Float32Array;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.03);
    expect(Array.from(five.weights.get('classifier.bias')!.data as Float32Array)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a head of another size is re-created; same count with new names keeps it', needs(tiny), async () => {
    const base = await loadCheckpoint(tiny!);
    expect(base.loadReport).toEqual({ newKeys: [], unusedKeys: [], reshapedKeys: [] });
    expect(base.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'bird' });
    const five = await loadCheckpoint(tiny!, { numLabels: 5 });
    expect(five.loadReport).toEqual({ newKeys: [], unusedKeys: [], reshapedKeys: ['classifier.weight', 'classifier.bias'] });
    expect(five.id2label[4]).toBe('LABEL_4');
    expect(five.hash).not.toBe(base.hash);
    const renamed = await loadCheckpoint(tiny!, { labels: ['tumour', 'stroma', 'fat'] });
    expect(renamed.loadReport.reshapedKeys).toEqual([]);
    expect(maxAbsDiff(renamed.weights.get('classifier.weight')!.data as Float32Array, base.weights.get('classifier.weight')!.data as Float32Array)).toBe(0);
    await expect(loadCheckpoint(tiny!, { numLabels: 2, labels: ['a', 'b', 'c'] })).rejects.toThrow(/numLabels/);
  });

  it('built-in architectures are seeded and standard', async () => {
    const a = await loadCheckpoint('resnet-18', { numLabels: 4, seed: 1 });
    expect(a.dir).toBeNull();
    expect(a.hash).toBe((await loadCheckpoint('resnet-18', { numLabels: 4, seed: 1 })).hash);
    expect(a.loadReport.newKeys.length).toBe(a.weights.size);
    expect(a.preprocessor.image_processor_type).toBe('ConvNextImageProcessor');
    // every tensor depends only on (seed, name)
    const k = 'resnet.encoder.stages.2.layers.0.layer.0.convolution.weight';
    const cfg = a.config as ResNetConfig;
    const plan = classifierPlan(cfg, 4);
    const again = initialTensor(plan, cfg, k, [256, 128, 3, 3], 1).data as Float32Array;
    const other = initialTensor(plan, cfg, k, [256, 128, 3, 3], 2).data as Float32Array;
    expect(maxAbsDiff(a.weights.get(k)!.data as Float32Array, again)).toBe(0);
    expect(maxAbsDiff(again, other)).toBeGreaterThan(0);
    // kaiming-normal, fan_out: std = sqrt(2 / (256 * 3 * 3))
    expect(Math.sqrt(again.reduce((s, v) => s + v * v, 0) / again.length) / Math.sqrt(2 / (256 * 9))).toBeCloseTo(1, 1);

    const vit = await loadCheckpoint('vit-ti16', { numLabels: 3 });
    expect(vit.config).toMatchObject({ hidden_size: 192, num_hidden_layers: 12, num_attention_heads: 3, intermediate_size: 768, image_size: 224, patch_size: 16 });
    expect(vit.weights.get('vit.embeddings.position_embeddings')!.shape).toEqual([1, 197, 192]);
    expect((vit.weights.get('vit.encoder.layer.0.layernorm_before.weight')!.data as Float32Array).every((v) => v === 1)).toBe(true);
    await expect(loadCheckpoint('vit-h14')).rejects.toThrow(/built-in architecture/);
  });
});

describe('saving', needs(tiny, rtiny), () => {
  const pyRead = (file: string, ref: string, dtype: string): string =>
    execFileSync(
      PYTHON,
      [
        '-c',
        `import sys, json, numpy as np
sys.path.insert(0, sys.argv[4])
from oracle_io import load_safetensors
got, meta = load_safetensors(sys.argv[1]); ref, _ = load_safetensors(sys.argv[2])
assert meta == {"format": "pt"}, meta
assert sorted(got) == sorted(ref), (sorted(got), sorted(ref))
for k in ref:
    g, r = got[k], ref[k]
    assert g.shape == r.shape, k
    if r.dtype == np.int64: assert g.dtype == np.int64 and np.array_equal(g, r), k
    else: assert np.array_equal(g, r.astype(sys.argv[3])), k
print(len(got))`,
        file,
        ref,
        dtype,
        join(sharedRoot, 'oracle'),
      ],
      { encoding: 'utf8' },
    ).trim();

  for (const name of ['vit_tiny', 'resnet_tiny']) {
    it(`${name}: an exported folder reloads identically`, async () => {
      const src = oracleDir(name)!;
      const ckpt = await loadCheckpoint(src);
      const out = join(tmp, `${name}-export`);
      await saveCheckpoint(ckpt, out);
      expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(config.architectures).toEqual([name.startsWith('vit') ? 'ViTForImageClassification' : 'ResNetForImageClassification']);
      expect(config.model_type).toBe(name.startsWith('vit') ? 'vit' : 'resnet');
      expect(config.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'bird' });
      expect(config.label2id).toEqual({ cat: 0, dog: 1, bird: 2 });
      const back = await loadCheckpoint(out);
      expect(back.loadReport).toEqual({ newKeys: [], unusedKeys: [], reshapedKeys: [] });
      expect([...back.weights.keys()]).toEqual([...ckpt.weights.keys()]);
      for (const [k, e] of ckpt.weights) {
        const g = back.weights.get(k)!;
        expect([g.dtype, g.shape]).toEqual([e.dtype, e.shape]);
        expect(g.data).toEqual(e.data);
      }
      expect(back.preprocessor).toEqual(ckpt.preprocessor);
    });
  }

  it('vit_tiny: F16, BF16 and two-shard copies give back the logits within the precision lost', async () => {
    const ckpt = await loadCheckpoint(tiny!);
    const x = inputTensor(tiny!);
    const ref = logitsOf(ckpt, x);
    const errs: Record<string, number> = {};
    for (const [label, opts, bound] of [
      ['F16', { dtype: 'F16' as const }, 2e-3],
      ['BF16', { dtype: 'BF16' as const }, 3e-2],
      ['2 shards', { maxShardBytes: 110_000 }, 0],
    ] as const) {
      const d = join(tmp, `vit_tiny-${label.replace(' ', '')}`);
      await saveCheckpoint(ckpt, d, opts);
      const copy = await loadCheckpoint(d);
      if (label === '2 shards') {
        expect(readdirSync(d).filter((f) => f.endsWith('.safetensors')).sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
        expect(existsSync(join(d, 'model.safetensors.index.json'))).toBe(true);
      } else {
        expect(copy.weights.get('classifier.weight')!.dtype).toBe(label);
        expect(JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')).torch_dtype).toBe(label === 'F16' ? 'float16' : 'bfloat16');
      }
      // every weight is the nearest representable value: relative error <= half an ulp
      const halfUlp = label === 'F16' ? 2 ** -11 : label === 'BF16' ? 2 ** -8 : 0;
      for (const [k, e] of ckpt.weights) {
        const a = e.data as Float32Array;
        const b = copy.weights.get(k)!.data as Float32Array;
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]) <= halfUlp * Math.abs(a[i]) + 1e-7).toBe(true);
      }
      errs[label] = maxAbsDiff(logitsOf(copy, x), ref);
      expect(errs[label]).toBeLessThanOrEqual(bound);
    }
    console.log('[vit_tiny copies] logits max abs error vs F32:', Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', '));
  });

  it('numpy reads the exported F32 folders and the F16 copy as the oracle tensors', needs(has.numpy), async () => {
    for (const name of ['vit_tiny', 'resnet_tiny']) {
      const src = oracleDir(name)!;
      const ckpt = await loadCheckpoint(src);
      const out = join(tmp, `${name}-numpy`);
      await saveCheckpoint(ckpt, out);
      expect(pyRead(join(out, 'model.safetensors'), join(src, 'model.safetensors'), 'float32')).toBe(String(ckpt.weights.size));
    }
    const f16 = join(tmp, 'vit_tiny-numpy-F16');
    await saveCheckpoint(await loadCheckpoint(tiny!), f16, { dtype: 'F16' });
    expect(pyRead(join(f16, 'model.safetensors'), join(tiny!, 'model.safetensors'), 'float16')).toBe('40');
  });
});
