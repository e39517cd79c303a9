/**
 * The ONNX graphs against the PyTorch oracle on tiny shapes (README tolerances: logits and
 * features 1e-4, attention maps and rollout 1e-5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxEngine } from '../../../../src/main/ml/onnx/session';
import { sharedPath } from '../../../helpers/shared-data';
import { concat, maxAbsDiff, oracleCheckpoint, readF32 } from './oracle';
import { needs } from '../../../helpers/needs.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-onnx-tiny-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const vitTiny = sharedPath('oracle/vit_tiny');
const in21k = sharedPath('oracle/vit_tiny_in21k_style');
const resnetTiny = sharedPath('oracle/resnet_tiny');

describe('ViT graph vs oracle (vit_tiny)', needs(vitTiny), () => {
  const dir = vitTiny!;

  it('plain graph: logits and CLS features', async () => {
    const engine = await OnnxEngine.load(await oracleCheckpoint(dir), { cacheDir });
    try {
      const out = await engine.run(readF32(dir, 'input.f32'), 2);
      expect(maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32'))).toBeLessThan(1e-4);
      expect(maxAbsDiff(concat(out.features), readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
    } finally {
      await engine.dispose();
    }
  });

  it('explain graph: every layer’s attention probabilities and the rollout', async () => {
    const engine = await OnnxEngine.load(await oracleCheckpoint(dir), { cacheDir, explain: true });
    try {
      const out = await engine.explain(readF32(dir, 'input.f32'), 2);
      expect([out.heads, out.tokens, out.grid]).toEqual([4, 17, 4]);
      expect(maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32'))).toBeLessThan(1e-4);
      expect(maxAbsDiff(concat(out.features), readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
      const last = concat(out.attentions.map((perLayer) => perLayer[1]!));
      expect(maxAbsDiff(last, readF32(dir, 'attentions_last.f32'))).toBeLessThan(1e-5);
      // attentions_all is [L, B, heads, T, T]
      const all = concat([0, 1].flatMap((l) => out.attentions.map((perLayer) => perLayer[l]!)));
      expect(maxAbsDiff(all, readF32(dir, 'attentions_all.f32'))).toBeLessThan(1e-5);
      expect(maxAbsDiff(concat(out.rollout), readF32(dir, 'rollout.f32'))).toBeLessThan(1e-5);
    } finally {
      await engine.dispose();
    }
  });
});

describe('ViT graph vs oracle (vit_tiny_in21k_style, new head)', needs(in21k), () => {
  it('CLS features match; the pooler is not used', async () => {
    const dir = in21k!;
    const engine = await OnnxEngine.load(await oracleCheckpoint(dir), { cacheDir });
    try {
      const out = await engine.run(readF32(dir, 'input.f32'), 2);
      expect(maxAbsDiff(concat(out.features), readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
      expect(out.logits.map((l) => l.length)).toEqual([2, 2]);
    } finally {
      await engine.dispose();
    }
  });
});

describe('ResNet graph vs oracle (resnet_tiny, BatchNorm folded)', needs(resnetTiny), () => {
  it('logits and pooled features', async () => {
    const dir = resnetTiny!;
    const engine = await OnnxEngine.load(await oracleCheckpoint(dir), { cacheDir });
    try {
      expect(engine.inputShape).toEqual([3, 64, 64]);
      const out = await engine.run(readF32(dir, 'input.f32'), 2);
      expect(maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32'))).toBeLessThan(1e-4);
      expect(maxAbsDiff(concat(out.features), readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
      await expect(engine.explain(readF32(dir, 'input.f32'), 2)).rejects.toThrow(/explain/);
    } finally {
      await engine.dispose();
    }
  });
});
