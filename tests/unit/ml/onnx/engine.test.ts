/**
 * OnnxEngine mechanics on the tiny oracle checkpoints: the on-disk model cache, batch
 * splitting, input checks, provider fallback, export.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, GRAPH_VERSION } from '../../../../src/main/ml/onnx/export';
import { readModelHeader } from '../../../../src/main/ml/onnx/onnx-model';
import { readTopLevelFields } from '../../../../src/main/ml/onnx/protobuf';
import { foldBatchNorm } from '../../../../src/main/ml/emit/onnx';
import { OnnxEngine, type OnnxCheckpoint } from '../../../../src/main/ml/onnx/session';
import { sharedPath } from '../../../helpers/shared-data';
import { concat, maxAbsDiff, oracleCheckpoint, readF32 } from './oracle';
import { needs } from '../../../helpers/needs.js';

const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-onnx-engine-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `n` distinct images: the oracle's two, then scaled/shifted variants of them. */
function images(base: Float32Array, n: number): Float32Array {
  const per = base.length / 2;
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const src = base.subarray((i % 2) * per, (i % 2 + 1) * per);
    const k = i < 2 ? 0 : i;
    for (let j = 0; j < per; j++) out[i * per + j] = src[j]! * (1 - 0.07 * k) + 0.01 * k;
  }
  return out;
}

describe('OnnxEngine (vit_tiny)', needs(vitTiny), () => {
  let ck: OnnxCheckpoint;
  beforeAll(async () => {
    ck = await oracleCheckpoint(vitTiny!);
  });

  it('builds <cacheDir>/<hash>.onnx once and reuses it on the next load', async () => {
    const cacheDir = join(tmp, 'cache');
    const first = await OnnxEngine.load(ck, { cacheDir });
    expect(first.modelPath).toBe(join(cacheDir, `${ck.hash}.onnx`));
    expect(first.fromCache).toBe(false);
    // Written once (a rebuild would be a new file, renamed into place): the inode tells.
    const built = statSync(first.modelPath);
    const expected = await first.run(readF32(vitTiny!, 'input.f32'), 2);
    await first.dispose();

    const second = await OnnxEngine.load(ck, { cacheDir });
    expect(second.fromCache).toBe(true);
    expect(statSync(second.modelPath).ino).toBe(built.ino);
    // ... while its mtime records the use, for the cache's size limit
    expect(statSync(second.modelPath).mtimeMs).toBeGreaterThanOrEqual(built.mtimeMs);
    expect(await second.run(readF32(vitTiny!, 'input.f32'), 2)).toEqual(expected);
    await second.dispose();

    const explain = await OnnxEngine.load(ck, { cacheDir, explain: true });
    expect(explain.modelPath).toBe(join(cacheDir, `${ck.hash}-explain.onnx`));
    expect(explain.fromCache).toBe(false);
    await explain.dispose();

    // another checkpoint hash → another file
    const other = await OnnxEngine.load({ ...ck, hash: `${ck.hash}x` }, { cacheDir });
    expect(other.fromCache).toBe(false);
    await other.dispose();
  });

  it('rebuilds a cached file that is damaged or from another graph version', async () => {
    const cacheDir = join(tmp, 'stale');
    const e = await OnnxEngine.load(ck, { cacheDir });
    await e.dispose();
    expect(readModelHeader(readFileSync(e.modelPath).subarray(0, 256)).version).toBe(GRAPH_VERSION);
    const good = readFileSync(e.modelPath);
    for (const damaged of [Buffer.from('not a model'), good.subarray(0, good.byteLength >> 1)]) {
      // the second one has an intact header: only onnxruntime notices, and the engine rebuilds then
      writeFileSync(e.modelPath, damaged);
      const again = await OnnxEngine.load(ck, { cacheDir });
      expect(again.fromCache).toBe(false);
      const out = await again.run(readF32(vitTiny!, 'input.f32'), 2);
      expect(maxAbsDiff(concat(out.logits), readF32(vitTiny!, 'logits.f32'))).toBeLessThan(1e-4);
      await again.dispose();
    }
  });

  it('splitting a batch into chunks gives the bit-identical results to one run', async () => {
    const pixels = images(readF32(vitTiny!, 'input.f32'), 7);
    const whole = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), chunkSize: 16 });
    const split = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), chunkSize: 3 });
    try {
      const a = await whole.run(pixels, 7);
      const b = await split.run(pixels, 7);
      expect(a.logits).toHaveLength(7);
      // per-image arithmetic does not depend on the batch, so the results are bit-identical
      expect(b.logits).toEqual(a.logits);
      expect(b.features).toEqual(a.features);
      // images 0 and 1 are the oracle's
      expect(maxAbsDiff(concat(b.logits.slice(0, 2)), readF32(vitTiny!, 'logits.f32'))).toBeLessThan(1e-4);
      expect((await split.run(new Float32Array(0), 0)).logits).toEqual([]);
    } finally {
      await whole.dispose();
      await split.dispose();
    }
  });

  it('explain in chunks matches explain in one run', async () => {
    const pixels = images(readF32(vitTiny!, 'input.f32'), 5);
    const one = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), explain: true, chunkSize: 8 });
    const many = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), explain: true, chunkSize: 2 });
    try {
      const a = await one.explain(pixels, 5);
      const b = await many.explain(pixels, 5);
      expect(b.attentions).toHaveLength(5);
      expect(b.attentions[4]).toHaveLength(2);
      expect(b.attentions).toEqual(a.attentions);
      // the rollout's tiny [N,T,T] reductions may be vectorised differently per batch size: last-ulp differences
      expect(maxAbsDiff(concat(b.rollout), concat(a.rollout))).toBeLessThan(1e-7);
      expect(b.logits).toEqual(a.logits);
    } finally {
      await one.dispose();
      await many.dispose();
    }
  });

  it('checks the input size, refuses explain without the explain graph, and refuses use after dispose', async () => {
    const e = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache') });
    await expect(e.run(new Float32Array(3 * 32 * 32 + 1), 1)).rejects.toThrow(/expected 1 images of 3x32x32/);
    await expect(e.explain(new Float32Array(3 * 32 * 32), 1)).rejects.toThrow(/explain: true/);
    await e.dispose();
    await expect(e.run(new Float32Array(3 * 32 * 32), 1)).rejects.toThrow(/disposed/);
  });

  it('falls back to CPU with a reason when a requested provider is unavailable', async () => {
    const e = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), executionProviders: ['directml'] }); // alias of 'dml', absent on Linux
    expect(e.provider).toBe('cpu');
    expect(e.fallbackReason).toMatch(/dml/);
    await e.dispose();
    const cpu = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache') });
    expect(cpu.fallbackReason).toBeUndefined();
    await cpu.dispose();
  });

  it('exportOnnx writes a standalone model a bare onnxruntime session runs', async () => {
    const path = join(tmp, 'export', 'vit.onnx');
    const { bytes } = await exportOnnx(ck, path);
    expect(statSync(path).size).toBe(bytes);
    const fields = readTopLevelFields(readFileSync(path));
    const meta = Object.fromEntries(
      fields
        .filter((f) => f.field === 14)
        .map((f) => readTopLevelFields(f.value as Uint8Array).map((kv) => new TextDecoder().decode(kv.value as Uint8Array))),
    ) as Record<string, string>;
    expect(meta['architecture']).toBe('vit');
    expect(JSON.parse(meta['id2label']!)).toEqual({ 0: 'cat', 1: 'dog', 2: 'bird' });
    expect(JSON.parse(meta['preprocessor_config']!)).toMatchObject({ image_mean: [0.5, 0.5, 0.5] });
    const session = await ort.InferenceSession.create(path);
    try {
      expect([...session.inputNames]).toEqual(['pixel_values']);
      expect([...session.outputNames].sort()).toEqual(['features', 'logits']);
      const out = await session.run({ pixel_values: new ort.Tensor('float32', readF32(vitTiny!, 'input.f32'), [2, 3, 32, 32]) });
      expect(maxAbsDiff(out['logits']!.data as Float32Array, readF32(vitTiny!, 'logits.f32'))).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });
});

describe('OnnxEngine (resnet_tiny)', needs(resnetTiny), () => {
  it('chunked runs equal one run', async () => {
    const ck = await oracleCheckpoint(resnetTiny!);
    const pixels = images(readF32(resnetTiny!, 'input.f32'), 5);
    const whole = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache') });
    const split = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'cache'), chunkSize: 2 });
    try {
      expect(split.fromCache).toBe(true);
      const a = await whole.run(pixels, 5);
      const b = await split.run(pixels, 5);
      // per-image arithmetic does not depend on the batch, so the results are bit-identical
      expect(b.logits).toEqual(a.logits);
      expect(b.features).toEqual(a.features);
    } finally {
      await whole.dispose();
      await split.dispose();
    }
  });
});

describe('foldBatchNorm', () => {
  it('equals conv followed by eval-mode BatchNorm', () => {
    // 2 output channels, 1 input channel, 1x1 kernel: y = bn(w·x)
    const w = Float32Array.of(2, -3);
    const [gamma, beta, mean, variance] = [Float32Array.of(1.5, 0.5), Float32Array.of(0.1, -0.2), Float32Array.of(0.3, 1), Float32Array.of(4, 0.25)];
    const { weight, bias } = foldBatchNorm(w, 2, gamma, beta, mean, variance, 0);
    for (const x of [-1, 0, 2.5]) {
      for (let o = 0; o < 2; o++) {
        const bn = ((w[o]! * x - mean[o]!) / Math.sqrt(variance[o]!)) * gamma[o]! + beta[o]!;
        expect(weight[o]! * x + bias[o]!).toBeCloseTo(bn, 6);
      }
    }
  });
});
