/**
 * Backend choice and our wasm kernels, checked against the cpu backend's results.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineInfo, ensureGradients, initBackend } from '../../../src/main/ml/engine/backend.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { createModel } from '../../../src/main/ml/models/index.js';
import { inputTensor, maxAbsDiff, oracleDir } from './oracle.js';
import { needs } from '../../helpers/needs.js';

/** Runs `f` on wasm and on cpu with the same inputs; returns both results as arrays. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const run = (): Float32Array[] => tf.tidy(() => [f()].flat().map((t) => t.dataSync() as Float32Array));
  await tf.setBackend('wasm');
  const wasm = run();
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

const maxErr = (r: { wasm: Float32Array[]; cpu: Float32Array[] }): number => Math.max(...r.wasm.map((w, i) => maxAbsDiff(w, r.cpu[i])));

beforeAll(async () => {
  const r = await initBackend();
  console.log(`[backend] ${r.backend}: ${r.reason}`);
});

describe('initBackend', () => {
  it('falls through the native backends to wasm here, saying why', async () => {
    const r = await initBackend();
    expect(r.backend).toBe('wasm');
    expect(r.tried.map((t) => t.name)).toEqual(['node-gpu', 'node', 'wasm']);
    expect(r.tried.slice(0, 2).every((t) => !t.ok && /tfjs-node/.test(t.error ?? ''))).toBe(true);
    expect(await initBackend('cpu')).toBe(r); // once only
    const info = engineInfo();
    expect(info).toMatchObject({ backend: 'wasm', simd: true, customKernels: ['BatchMatMul', 'Conv2DBackpropFilter', 'UnsortedSegmentSum'] });
  });
});

describe('wasm kernels agree with cpu', () => {
  const rnd = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

  it('BatchMatMul: transposes, batches, broadcasting', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [7, 3], true, false],
      [[7, 5], [3, 7], true, true],
      [[4, 5, 7], [4, 3, 7], false, true],
      [[4, 7, 5], [7, 3], true, false],
      [[1, 5, 7], [4, 7, 3], false, false],
      [[2, 3, 5, 7], [2, 3, 7, 4], false, false],
      [[2, 3, 17, 9], [2, 3, 17, 9], false, true],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = rnd(sa, 1);
      const b = rnd(sb, 2);
      const r = await onBoth(() => tf.matMul(a, b, ta, tb));
      expect(maxErr(r), `${sa} x ${sb} ${ta} ${tb}`).toBeLessThan(1e-5);
      tf.dispose([a, b]);
    }
    // Partial broadcasting of batch dims: tfjs's cpu kernel gets this wrong, so compare per slice.
    const a = rnd([2, 1, 5, 7], 3);
    const b = rnd([1, 3, 7, 4], 4);
    const got = tf.matMul(a, b);
    expect(got.shape).toEqual([2, 3, 5, 4]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        const ref = tf.matMul(tf.reshape(tf.slice(a, [i, 0, 0, 0], [1, 1, 5, 7]), [5, 7]), tf.reshape(tf.slice(b, [0, j, 0, 0], [1, 1, 7, 4]), [7, 4]));
        expect(maxAbsDiff(tf.slice(got, [i, j, 0, 0], [1, 1, 5, 4]).dataSync(), ref.dataSync())).toBeLessThan(1e-5);
      }
  });

  it('Conv2DBackpropFilter: strides, padding, 1x1', async () => {
    const cases: [number[], number[], number, number | 'same' | 'valid'][] = [
      [[2, 9, 9, 3], [3, 3, 3, 4], 1, 1],
      [[2, 10, 10, 5], [7, 7, 5, 16], 2, 3],
      [[3, 6, 6, 20], [1, 1, 20, 8], 1, 0],
      [[3, 6, 6, 20], [1, 1, 20, 8], 2, 0],
      [[1, 8, 8, 4], [3, 3, 4, 2], 2, 'same'],
      [[2, 7, 7, 3], [3, 3, 3, 5], 1, 'valid'],
    ];
    for (const [xs, fs, stride, pad] of cases) {
      const x = rnd(xs, 5) as tf.Tensor4D;
      const f = rnd(fs, 6) as tf.Tensor4D;
      const dy = rnd(tf.conv2d(x, f, stride, pad).shape, 7);
      const r = await onBoth(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: fs }) as tf.Tensor);
      expect(maxErr(r), `${xs} ${fs} s${stride} p${pad}`).toBeLessThan(1e-4);
    }
  });

  it('UnsortedSegmentSum', async () => {
    const x = rnd([6, 4], 8);
    const ids = tf.tensor1d([0, 2, 2, 1, 0, 3], 'int32');
    expect(maxErr(await onBoth(() => tf.unsortedSegmentSum(x, ids, 4)))).toBeLessThan(1e-6);
  });

  it('no tensors leak from the kernels', () => {
    const before = tf.memory().numTensors;
    const a = rnd([3, 8, 5], 9);
    const b = rnd([3, 6, 5], 10);
    for (let i = 0; i < 3; i++) tf.matMul(a, b, false, true).dispose();
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('training on wasm', () => {
  for (const name of ['vit_tiny', 'resnet_tiny']) {
    const dir = oracleDir(name);
    it(`${name}: parameter gradients match cpu`, needs(dir), async () => {
      const g = await ensureGradients();
      expect(g).toEqual({ ok: true });
      const ckpt = await loadCheckpoint(dir!);
      const full = inputTensor(dir!);
      const x = tf.slice(full, [0, 0, 0, 0], [1, ...full.shape.slice(1)]) as tf.Tensor4D; // one image keeps the cpu run short
      const labels = tf.oneHot(tf.tensor1d([2], 'int32'), 3);
      const grads = async (backend: string): Promise<Map<string, Float32Array>> => {
        await tf.setBackend(backend);
        const model = createModel(ckpt);
        const vars = [...model.params.values()];
        const { grads: gs } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x).logits) as tf.Scalar, vars);
        const names = [...model.params.keys()];
        const out = new Map(names.map((n) => [n, gs[model.params.get(n)!.name].dataSync() as Float32Array]));
        tf.dispose(Object.values(gs));
        model.dispose();
        return out;
      };
      const w = await grads('wasm');
      const c = await grads('cpu');
      await tf.setBackend('wasm');
      let worst = 0;
      let scale = 0;
      for (const [k, v] of w) {
        worst = Math.max(worst, maxAbsDiff(v, c.get(k)!));
        scale = Math.max(scale, ...c.get(k)!.map(Math.abs));
      }
      console.log(`[${name}] gradient max abs diff wasm vs cpu ${worst.toExponential(2)} (largest gradient ${scale.toExponential(2)})`);
      expect(worst).toBeLessThan(1e-4 * Math.max(1, scale));
    });
  }
});
