/**
 * Models over 2 GB cannot be one protobuf: their weights go to an ONNX external-data side file.
 * Here the threshold is forced to 0 on a tiny backbone, so the same path a ViT-g takes runs in
 * a second (the real sizes are measured by `npm run bench -- fm-sizes`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import { externalDataPath, isCurrentModelFile, writeOnnxModel } from '../../../../src/main/ml/onnx/export';
import { OnnxEngine } from '../../../../src/main/ml/onnx/session';
import { sharedPath } from '../../../helpers/shared-data';
import { concat, maxAbsDiff, readF32 } from '../onnx/oracle';
import { needs } from '../../../helpers/needs.js';

const root = sharedPath('oracle/fm');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-fm-extdata-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ONNX external data', needs(root), () => {
  const dir = root ? join(root, 'hf_dinov2_reg_swiglu') : '';

  it('weights in <model>.data: onnxruntime loads it and gives the oracle features; without the side file the cache rebuilds', async () => {
    const ck = await loadCheckpoint(dir);
    const path = join(tmp, 'model.onnx');
    const bytes = await writeOnnxModel(ck, path, { externalDataAbove: 0 });
    const side = externalDataPath(path);
    expect(existsSync(side)).toBe(true);
    // Nearly every weight byte is in the side file; the protobuf keeps the graph and small tensors.
    expect(statSync(side).size).toBeGreaterThan(0.9 * readFileSync(join(dir, 'model.safetensors')).byteLength * 0.9);
    expect(statSync(path).size).toBeLessThan(statSync(side).size / 4);
    expect(statSync(path).size + statSync(side).size).toBe(bytes);
    expect(await isCurrentModelFile(path)).toBe(true);

    const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
    try {
      const out = await session.run({ pixel_values: new ort.Tensor('float32', readF32(dir, 'input.f32'), [2, 3, 56, 56]) });
      expect(maxAbsDiff(out['features']!.data as Float32Array, readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
    rmSync(side);
    expect(await isCurrentModelFile(path)).toBe(false);
  });

  it('OnnxEngine builds, caches and reuses a model with external data', async () => {
    const cacheDir = join(tmp, 'cache');
    const ck = await loadCheckpoint(dir);
    const first = await OnnxEngine.load(ck, { cacheDir, externalDataAbove: 0 });
    const out1 = await first.run(readF32(dir, 'input.f32'), 2);
    await first.dispose();
    expect(existsSync(externalDataPath(first.modelPath))).toBe(true);
    const second = await OnnxEngine.load(ck, { cacheDir, externalDataAbove: 0 });
    try {
      expect(second.fromCache).toBe(true);
      const out2 = await second.run(readF32(dir, 'input.f32'), 2);
      expect(maxAbsDiff(concat(out2.features), concat(out1.features))).toBe(0);
      expect(maxAbsDiff(concat(out2.features), readF32(dir, 'features.f32'))).toBeLessThan(1e-4);
    } finally {
      await second.dispose();
    }
  });

  it('a model under the threshold is one file, and a stale side file is removed', async () => {
    const ck = await loadCheckpoint(dir);
    const path = join(tmp, 'small.onnx');
    await writeOnnxModel(ck, path, { externalDataAbove: 0 });
    expect(existsSync(externalDataPath(path))).toBe(true);
    await writeOnnxModel(ck, path);
    expect(existsSync(externalDataPath(path))).toBe(false);
    expect(await isCurrentModelFile(path)).toBe(true);
  });
});
