/**
 * Last-k training's split network: the ONNX graph of a plan's frozen prefix (emit/onnx.ts `cut`,
 * run by onnxruntime) followed by the tfjs suffix model of the same plan (forwardHidden) computes
 * what the whole tfjs network does, within 1e-4, on the oracle inputs (HF ViT, Dinov2, timm, ResNet)
 * and on a real LC25000 patch; the prefix's output is the hidden state after its last block.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint, type Checkpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModel, type TfjsResnet, type TfjsVit } from '../../../src/main/ml/models/index.js';
import { OnnxEngine } from '../../../src/main/ml/onnx/session.js';
import { blockCount, cutShape } from '../../../src/main/ml/plan.js';
import { batchPixels, ImageStore } from '../../../src/main/train/images.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';
import { maxAbsDiff, readF32 } from './onnx/oracle.js';

const oracle = sharedPath('oracle');
const lung = sharedPath('data/patches/lc25000_lung');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-prefix-cut-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('wasm');
});

/** Runs `pixels` ([n, C, H, W]) through prefix(ORT) → suffix(tfjs) and through the whole tfjs model. */
async function compare(ck: Checkpoint, cut: number, pixels: Float32Array, n: number): Promise<{ logits: number; features: number; hidden: number | null; shape: number[] }> {
  const full = createModel(ck);
  const suffix = createModel(ck, { cut });
  const engine = await OnnxEngine.load({ ...ck }, { cacheDir: join(tmp, 'onnx'), cut });
  try {
    const [h, w] = full.plan.inputSize;
    const x = tf.tensor4d(pixels, [n, full.plan.channels, h, w]);
    const hiddenData = await engine.hidden(pixels, n);
    const shape = engine.info.cut!.shape;
    const hidden = tf.tensor(hiddenData, [n, ...shape]);
    let ref: { logits: tf.Tensor; features: tf.Tensor; hidden: tf.Tensor | null };
    let got: { logits: tf.Tensor; features: tf.Tensor };
    if (full.arch === 'vit') {
      const out = (full as TfjsVit).forward(x, { outputHiddenStates: true });
      ref = { logits: out.logits, features: out.features, hidden: out.hiddenStates![cut]! }; // [0] is the embeddings
      got = (suffix as TfjsVit).forwardHidden(hidden as tf.Tensor3D);
    } else {
      ref = { ...(full as TfjsResnet).forward(x), hidden: null };
      got = (suffix as TfjsResnet).forwardHidden(hidden as tf.Tensor4D);
    }
    return {
      logits: maxAbsDiff(got.logits.dataSync(), ref.logits.dataSync()),
      features: maxAbsDiff(got.features.dataSync(), ref.features.dataSync()),
      hidden: ref.hidden ? maxAbsDiff(hiddenData, ref.hidden.dataSync()) : null,
      shape,
    };
  } finally {
    full.dispose();
    suffix.dispose();
    await engine.dispose();
    tf.disposeVariables();
  }
}

describe('frozen prefix on onnxruntime, suffix on tfjs', needs(oracle), () => {
  const cases = ['vit_tiny', 'resnet_tiny', 'fm/hf_dinov2', 'fm/hf_dinov2_reg_swiglu', 'fm/timm_vit_swiglu_reg', 'fm/timm_vit_layerscale'];
  for (const name of cases) {
    it(`${name}: every cut equals the whole tfjs forward within 1e-4`, async () => {
      const dir = join(oracle!, name);
      const ck = await loadCheckpoint(dir);
      const plan = createModel(ck);
      const depth = blockCount(plan.plan);
      const [h, w] = plan.plan.inputSize;
      plan.dispose();
      const input = readF32(dir, 'input.f32');
      const n = input.length / (3 * h * w);
      for (let cut = 0; cut < depth; cut++) {
        const r = await compare(ck, cut, input, n);
        expect(r.logits, `${name} cut ${cut} logits`).toBeLessThan(1e-4);
        expect(r.features, `${name} cut ${cut} features`).toBeLessThan(1e-4);
        if (r.hidden !== null) expect(r.hidden, `${name} cut ${cut} hidden state`).toBeLessThan(1e-4);
      }
    }, 120_000);
  }

  it('resnet_tiny: the prefix after the first residual unit is HF stage 0 output', async () => {
    const dir = join(oracle!, 'resnet_tiny');
    const ck = await loadCheckpoint(dir);
    const engine = await OnnxEngine.load({ ...ck }, { cacheDir: join(tmp, 'onnx'), cut: 1 });
    try {
      const input = readF32(dir, 'input.f32');
      const hidden = await engine.hidden(input, 2);
      expect(engine.info.cut!.shape).toEqual(cutShape(engine.info.plan, 1));
      expect(maxAbsDiff(hidden, readF32(dir, 'stage_0_out.f32'))).toBeLessThan(1e-4);
    } finally {
      await engine.dispose();
    }
    // its own file next to the whole network's graph
    expect(readdirSync(join(tmp, 'onnx')).some((f) => f.endsWith('-cut1.onnx'))).toBe(true);
  });

  for (const name of ['vit_tiny', 'resnet_tiny']) it(`${name} on a real LC25000 patch`, { ...needs(lung), timeout: 60_000 }, async () => {
    const ck = await loadCheckpoint(join(oracle!, name));
    const patch = join(lung!, 'lung_aca', readdirSync(join(lung!, 'lung_aca')).find((f) => /\.(jpe?g|png)$/i.test(f))!);
    const pixels = await batchPixels(new ImageStore(null), [patch], ck.preprocessor, null);
    const r = await compare(ck, 1, pixels, 1);
    expect(r.logits).toBeLessThan(1e-4);
    expect(r.features).toBeLessThan(1e-4);
    if (r.hidden !== null) expect(r.hidden).toBeLessThan(1e-4);
  });
});
