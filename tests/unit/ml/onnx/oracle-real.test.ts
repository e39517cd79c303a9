/**
 * Real shapes (ViT-B/16, ResNet-50) against the oracle, when the regenerated weights exist
 * (TESSELLA_ORACLE_WEIGHTS, default /tmp/tessella-oracle/{vit_base,resnet50}). Tolerances from the
 * oracle README: logits and features 5e-4, attention maps and rollout 1e-5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxEngine, type OnnxCheckpoint } from '../../../../src/main/ml/onnx/session';
import { concat, maxAbsDiff, oracleCheckpoint, readF32, realOracleDir } from './oracle';
import { needs, oracleWeights } from '../../../helpers/needs.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-onnx-real-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const vitBase = realOracleDir('vit_base');
const resnet50 = realOracleDir('resnet50');

describe('ViT-B/16 graph vs oracle (vit_base)', needs(oracleWeights(vitBase, 'vit_base')), () => {
  const dir = vitBase!;
  let ck: Promise<OnnxCheckpoint> | undefined; // 343 MB: read once for both graphs
  const checkpoint = (): Promise<OnnxCheckpoint> => (ck ??= oracleCheckpoint(dir));

  it('plain graph (CLS-only last block): logits and features', { timeout: 180_000 }, async () => {
    const engine = await OnnxEngine.load(await checkpoint(), { cacheDir });
    try {
      const out = await engine.run(readF32(dir, 'input.f32'), 2);
      const err = {
        logits: maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32')),
        features: maxAbsDiff(concat(out.features), readF32(dir, 'features.f32')),
      };
      console.log('[vit_base plain] max abs error vs oracle', err);
      expect(err.logits).toBeLessThan(5e-4);
      expect(err.features).toBeLessThan(5e-4);
    } finally {
      await engine.dispose();
    }
  });

  it('explain graph: logits, features, last attention map and rollout', { timeout: 180_000 }, async () => {
    const engine = await OnnxEngine.load(await checkpoint(), { cacheDir, explain: true });
    try {
      const out = await engine.explain(readF32(dir, 'input.f32'), 2);
      const err = {
        logits: maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32')),
        features: maxAbsDiff(concat(out.features), readF32(dir, 'features.f32')),
        attentionsLast: maxAbsDiff(concat(out.attentions.map((a) => a[11]!)), readF32(dir, 'attentions_last.f32')),
        rollout: maxAbsDiff(concat(out.rollout), readF32(dir, 'rollout.f32')),
      };
      console.log('[vit_base explain] max abs error vs oracle', err);
      expect(err.logits).toBeLessThan(5e-4);
      expect(err.features).toBeLessThan(5e-4);
      expect(err.attentionsLast).toBeLessThan(1e-5);
      expect(err.rollout).toBeLessThan(1e-5);
    } finally {
      await engine.dispose();
    }
  });
});

describe('ResNet-50 graph vs oracle (resnet50)', needs(oracleWeights(resnet50, 'resnet50')), () => {
  it('logits and pooled features', { timeout: 120_000 }, async () => {
    const dir = resnet50!;
    const engine = await OnnxEngine.load(await oracleCheckpoint(dir), { cacheDir });
    try {
      const out = await engine.run(readF32(dir, 'input.f32'), 2);
      const err = {
        logits: maxAbsDiff(concat(out.logits), readF32(dir, 'logits.f32')),
        features: maxAbsDiff(concat(out.features), readF32(dir, 'features.f32')),
      };
      console.log('[resnet50] max abs error vs oracle', err);
      expect(err.logits).toBeLessThan(5e-4);
      expect(err.features).toBeLessThan(5e-4);
    } finally {
      await engine.dispose();
    }
  });
});
