/**
 * The TensorFlow.js engine's side of `npm run bench -- infer`: images/s of ViT-B/16 and
 * ResNet-50 at 224 px, batch 1 and 8, on whichever backend initBackend() picks here (tfjs-node
 * when installed, else wasm), and the GFLOP/s that is. Also the wasm heap after each batch size:
 * ViT-B/16 at batch 8 must stay clear of wasm32's 4 GiB. Weights are the built-in random
 * initialisations: speed does not depend on their values.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { engineInfo } from '../src/main/ml/engine/backend';
import { initTfjsQuietly } from '../src/main/ml/engine-status';
import { loadCheckpoint } from '../src/main/ml/models/checkpoint';
import { createModel } from '../src/main/ml/models/index';
import { planOf } from '../src/main/ml/arch/index';
import { planFlops } from '../src/main/ml/plan';

const WASM_LIMIT = 4 * 1024 ** 3;

/** Bytes of the wasm module's linear memory (it only grows), or null on other backends. */
function wasmHeapBytes(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : null;
}

/**
 * Best time of `rounds` forward passes at batch `b`, after one warm-up (which compiles kernels
 * and grows the heap); at least one timed pass however slow.
 */
function timeForward(forward: (x: tf.Tensor4D) => void, b: number, rounds: number): number {
  const x = tf.tensor4d(Float32Array.from({ length: b * 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.001)), [b, 3, 224, 224]);
  try {
    forward(x);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      forward(x);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  } finally {
    x.dispose();
  }
}

export async function benchInferTfjs(opts: { models?: ('vit-b16' | 'resnet-50')[]; batches?: number[]; rounds?: number } = {}): Promise<object> {
  const models = opts.models ?? ['vit-b16', 'resnet-50'];
  const batches = opts.batches ?? [1, 8];
  const rounds = opts.rounds ?? 2;
  const loadBefore = loadavg()[0]!;
  const init = await initTfjsQuietly();
  const results: Record<string, unknown>[] = [];
  for (const name of models) {
    const ck = await loadCheckpoint(name, { numLabels: 10 });
    const flops = planFlops(planOf(ck));
    const model = createModel(ck);
    ck.weights.clear();
    const forward = (x: tf.Tensor4D) => tf.tidy(() => void model.forward(x).logits.dataSync());
    try {
      for (const b of batches) {
        process.stderr.write(`[bench] tfjs ${name} batch ${b}\n`);
        const ms = timeForward(forward, b, b > 1 ? Math.max(1, rounds - 1) : rounds);
        const imgPerSec = (1000 * b) / ms;
        const heap = wasmHeapBytes();
        results.push({
          model: name,
          batch: b,
          imgPerSec: +imgPerSec.toFixed(3),
          gflopPerImage: +(flops / 1e9).toFixed(2),
          achievedGflops: +((imgPerSec * flops) / 1e9).toFixed(2),
          ...(heap !== null ? { wasmHeapMiB: Math.round(heap / 2 ** 20), wasmHeapFractionOf4GiB: +(heap / WASM_LIMIT).toFixed(3) } : {}),
        });
      }
    } finally {
      model.dispose();
    }
  }
  const info = engineInfo();
  return {
    backend: init.backend,
    reason: init.reason,
    ...(info.simd !== undefined ? { simd: info.simd, threads: info.threads } : {}),
    loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0]!.toFixed(2) },
    results,
  };
}
