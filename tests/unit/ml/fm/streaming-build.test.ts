/**
 * The streaming graph build a big backbone takes (weights read lazily, one tensor at a time, each
 * initializer written to the external-data side file as it is made) against the in-memory build,
 * on every ../shared/oracle/fm case: the threshold forced to 0 so small models take that path.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import { externalDataPath, writeOnnxModel } from '../../../../src/main/ml/onnx/export';
import { sharedPath } from '../../../helpers/shared-data';
import { maxAbsDiff, readF32 } from '../onnx/oracle';
import { needs } from '../../../helpers/needs.js';

const root = sharedPath('oracle/fm');
const CASES = ['timm_vit_plain', 'timm_vit_layerscale', 'timm_vit_swiglu_reg', 'timm_vit_virchow2_style', 'hf_dinov2', 'hf_dinov2_reg_swiglu'] as const;
const tmp = mkdtempSync(join(tmpdir(), 'tessella-fm-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(path: string, input: Float32Array, [h, w]: [number, number]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  try {
    const out = await session.run({ pixel_values: new ort.Tensor('float32', input, [2, 3, h, w]) });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const relDiff = (a: Float32Array, b: Float32Array): number => maxAbsDiff(a, b) / Math.max(...b.map(Math.abs));

describe('streaming ONNX build (lazy weights, initializers streamed to the side file)', needs(root), () => {
  // hf_dinov2_reg_swiglu holds model.safetensors, timm_vit_layerscale pytorch_model.bin.
  for (const c of ['hf_dinov2_reg_swiglu', 'timm_vit_layerscale']) {
    it(`${c}: lazily read entries hold the same tensors, read on access, and the checkpoint the same hash`, async () => {
      const dir = join(root!, c);
      const eager = await loadCheckpoint(dir);
      const lazy = await loadCheckpoint(dir, { lazyWeights: true });
      expect(lazy.hash).toBe(eager.hash);
      expect([...lazy.weights.keys()]).toEqual([...eager.weights.keys()]);
      for (const [name, e] of eager.weights) {
        const l = lazy.weights.get(name)!;
        expect(Object.getOwnPropertyDescriptor(l, 'data')?.get, name).toBeTypeOf('function');
        expect(l.shape).toEqual(e.shape);
        expect(l.data).toEqual(e.data);
      }
    });
  }

  for (const c of CASES) {
    it(`${c}: the streamed graph's features and last_hidden_state equal the in-memory graph's (1e-5) and the oracle's (1e-4)`, async () => {
      const dir = join(root!, c);
      const inMemory = join(tmp, `${c}.onnx`);
      const streamed = join(tmp, `${c}-streamed.onnx`);
      const eager = await loadCheckpoint(dir);
      await writeOnnxModel(eager, inMemory, { lastHiddenState: true });
      expect(existsSync(externalDataPath(inMemory))).toBe(false);
      const lazy = await loadCheckpoint(dir, { lazyWeights: true });
      const bytes = await writeOnnxModel(lazy, streamed, { lastHiddenState: true, externalDataAbove: 0 });
      const side = externalDataPath(streamed);
      expect(statSync(streamed).size + statSync(side).size).toBe(bytes);
      expect(statSync(streamed).size).toBeLessThan(statSync(side).size / 4);

      const input = readF32(dir, 'input.f32');
      const size = eager.plan!.inputSize;
      const a = await run(inMemory, input, size);
      const b = await run(streamed, input, size);
      for (const k of ['features', 'last_hidden_state']) expect(relDiff(b[k]!, a[k]!), k).toBeLessThan(1e-5);
      // The pooled embedding's golden file (the CLS+mean concatenation has one of its own).
      const { embedding_file } = JSON.parse(readFileSync(join(dir, 'tessella_model.json'), 'utf8')) as { embedding_file: string };
      expect(maxAbsDiff(b['features']!, readF32(dir, embedding_file))).toBeLessThan(1e-4);
    });
  }
});
