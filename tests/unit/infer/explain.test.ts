/**
 * Explanation maps against the PyTorch oracle (../shared/oracle): ViT attention rollout and
 * last-layer CLS attention per head (tolerance 1e-5, the README's), and ResNet Grad-CAM computed
 * from the oracle's own last-stage output and head weights.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { camOf, Explainer, gradCam } from '../../../src/main/analysis/explain';
import { explainImage, explainRegion } from '../../../src/main/analysis/explain-run';
import { tileBatch } from '../../../src/main/analysis/tile-pixels';
import { ensureGradients, initBackend } from '../../../src/main/ml/engine/backend';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint';
import { createModel, TfjsResnet } from '../../../src/main/ml/models/index';
import { openSlide } from '../../../src/main/slides/open-slide';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { maxAbsDiff, readF32 } from '../ml/onnx/oracle';
import { needs } from '../../helpers/needs.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-explain-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const svs = sharedPath(SLIDES.svs);

describe('ViT rollout and per-head CLS attention (vit_tiny)', needs(vitTiny), () => {
  it('match rollout.f32 and row 0 of attentions_last.f32 within 1e-5', async () => {
    const ex = await Explainer.load(await loadCheckpoint(vitTiny!), cacheDir);
    try {
      const out = await ex.explain(readF32(vitTiny!, 'input.f32'), 2);
      const rollout = readF32(vitTiny!, 'rollout.f32'); // [2, 4, 4]
      const last = readF32(vitTiny!, 'attentions_last.f32'); // [2, 4 heads, 17, 17]
      const T = 17;
      for (let b = 0; b < 2; b++) {
        const main = out[b]!.mainMap(0);
        expect([main.name, main.rows, main.cols]).toEqual(['rollout', 4, 4]);
        expect(maxAbsDiff(main.values, rollout.subarray(b * 16, (b + 1) * 16))).toBeLessThan(1e-5);
        expect(out[b]!.headMaps.map((m) => m.name)).toEqual(['cls-head-0', 'cls-head-1', 'cls-head-2', 'cls-head-3']);
        for (let h = 0; h < 4; h++) {
          const row0 = last.subarray(((b * 4 + h) * T) * T + 1, ((b * 4 + h) * T) * T + T);
          expect(maxAbsDiff(out[b]!.headMaps[h]!.values, row0)).toBeLessThan(1e-5);
        }
        expect(maxAbsDiff(out[b]!.logits, readF32(vitTiny!, 'logits.f32').subarray(b * 3, b * 3 + 3))).toBeLessThan(1e-4);
      }
    } finally {
      await ex.dispose();
    }
  });

  it('explainImage draws the rollout over the image the model saw, and names the predicted class', async () => {
    const ex = await Explainer.load(await loadCheckpoint(vitTiny!), cacheDir);
    try {
      const r = await explainImage(ex, join(vitTiny!, 'image_0.png'));
      const logits = readF32(vitTiny!, 'logits.f32').subarray(0, 3);
      expect(r.label).toBe(ex.labels[logits.indexOf(Math.max(...logits))]);
      expect(r.target).toBe(r.label);
      expect(Math.max(...r.maps[0]!.values)).toBe(1);
      expect(r.maps).toHaveLength(5);
      const meta = await sharp(Buffer.from(r.png, 'base64')).metadata();
      expect([meta.width, meta.height]).toEqual([224, 224]); // 32 px enlarged 7x for display
      expect(Object.values(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      await expect(explainImage(ex, join(vitTiny!, 'image_0.png'), 'zebra')).rejects.toThrow(/not one of the model's labels/);
    } finally {
      await ex.dispose();
    }
  });
});

describe('ResNet Grad-CAM (resnet_tiny)', needs(resnetTiny), () => {
  it('equals ReLU(W_c · A / hw) from the oracle’s last stage and head, and sums to logit − bias', async () => {
    await initBackend();
    const ck = await loadCheckpoint(resnetTiny!);
    const model = createModel(ck) as TfjsResnet;
    try {
      const r = gradCam(model, readF32(resnetTiny!, 'input.f32'), 2);
      expect([r.rows, r.cols, r.labels]).toEqual([8, 8, 3]);
      const a = readF32(resnetTiny!, 'stage_1_out.f32'); // [2, 64, 8, 8]
      const w = ck.weights.get('classifier.1.weight')!.data as Float32Array; // [3, 64]
      const bias = ck.weights.get('classifier.1.bias')!.data as Float32Array;
      const logits = readF32(resnetTiny!, 'logits.f32');
      for (let b = 0; b < 2; b++) {
        for (let c = 0; c < 3; c++) {
          const expected = new Float32Array(64);
          for (let p = 0; p < 64; p++) {
            let s = 0;
            for (let k = 0; k < 64; k++) s += w[c * 64 + k]! * a[((b * 64 + k) * 64) + p]!;
            expected[p] = Math.max(0, s / 64);
          }
          expect(maxAbsDiff(camOf(r, r.linear[b]!, c), expected)).toBeLessThan(1e-5);
          let sum = 0;
          for (let p = 0; p < 64; p++) sum += r.linear[b]![p * 3 + c]!;
          expect(Math.abs(sum - (logits[b * 3 + c]! - bias[c]!))).toBeLessThan(1e-4);
        }
      }
    } finally {
      model.dispose();
    }
  });

  it('its weights are the gradient of the class logit with respect to the last stage (autodiff)', async () => {
    await initBackend();
    const g = await ensureGradients();
    expect(g.ok, g.error).toBe(true);
    const ck = await loadCheckpoint(resnetTiny!);
    const model = createModel(ck) as TfjsResnet;
    try {
      const x = tf.tensor4d(readF32(resnetTiny!, 'input.f32'), [2, 3, 64, 64]);
      const a = model.forward(x, { outputHiddenStates: true }).stageOutputs![1]!; // [2, 8, 8, 64]
      const w = model.params.get('classifier.1.weight')! as tf.Tensor2D;
      const head = (s: tf.Tensor) => tf.add(tf.matMul(tf.mean(s, [1, 2]) as tf.Tensor2D, w), model.params.get('classifier.1.bias')!);
      const r = gradCam(model, readF32(resnetTiny!, 'input.f32'), 2);
      for (let c = 0; c < 3; c++) {
        const grad = tf.grad((s: tf.Tensor) => tf.sum(tf.slice(head(s), [0, c], [2, 1])))(a);
        // Grad-CAM: alpha_k = mean over positions of the gradient; map = ReLU(sum_k alpha_k A_k).
        const alpha = tf.mean(grad, [1, 2], true);
        const cam = tf.relu(tf.sum(tf.mul(alpha, a), 3)).dataSync() as Float32Array;
        for (let b = 0; b < 2; b++) expect(maxAbsDiff(camOf(r, r.linear[b]!, c), cam.subarray(b * 64, (b + 1) * 64))).toBeLessThan(1e-5);
        tf.dispose([grad, alpha]);
      }
      tf.dispose([x, a]);
    } finally {
      model.dispose();
    }
  });

  it('stitches per-tile Grad-CAM over a slide region on the analysis grid', needs(svs), async () => {
    const ex = await Explainer.load(await loadCheckpoint(resnetTiny!), cacheDir);
    const reader = await openSlide(svs!, { cacheDir });
    try {
      const r = await explainRegion(ex, reader, 0.499, 4, { x: 500, y: 500, w: 600, h: 600 });
      // 4 µm/px x 64 px = 513 level-0 px tiles; the region touches columns and rows 0..2.
      expect(r.extent).toEqual({ x: 0, y: 0, w: 1539, h: 1539 });
      expect(r.tiles).toBe(9);
      expect([r.maps[0]!.rows, r.maps[0]!.cols]).toEqual([24, 24]);
      expect(r.method).toBe('grad-cam');
      // The centre tile's block is that tile's own Grad-CAM (for the region's class), up to the region-wide scale.
      const c = ex.labels.indexOf(r.target);
      const [own] = await ex.explain(await tileBatch(reader, ex, { level: 0, readSize: 513, inputSize: 64 }, [{ x: 513, y: 513 }]), 1);
      const cam = own!.mainMap(c).values;
      const block = Array.from({ length: 64 }, (_, p) => r.maps[0]!.values[(8 + Math.floor(p / 8)) * 24 + 8 + (p % 8)]!);
      const scale = Math.max(...cam) / Math.max(...block);
      expect(maxAbsDiff(block.map((v) => v * scale), cam)).toBeLessThan(1e-4 * Math.max(...cam));
      const meta = await sharp(Buffer.from(r.png, 'base64')).metadata();
      expect([meta.width, meta.height]).toEqual([r.width, r.height]);
    } finally {
      reader.close();
      await ex.dispose();
    }
  });
});
