/**
 * `npm run bench -- infer`: onnxruntime inference speed of ViT-B/16 and ResNet-50 at 224 px,
 * batch 1 and 8, through OnnxEngine and through a bare InferenceSession on the same model file
 * (the target: the engine within 10% of bare ORT), next to what the machine's measured GEMM rate
 * allows (FLOPs counted from the architecture). Weights are the built-in random initialisations:
 * speed does not depend on their values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadCheckpoint } from '../src/main/ml/models/checkpoint';
import { GraphBuilder } from '../src/main/ml/onnx/onnx-model';
import { planOf } from '../src/main/ml/arch/index';
import { OnnxEngine } from '../src/main/ml/onnx/session';
import { planFlops } from '../src/main/ml/plan';

const THREADS = availableParallelism();
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  logSeverityLevel: 3,
};

/** GFLOP/s of one 1024³ float32 MatMul in onnxruntime: the practical ceiling for these models. */
async function measureGemm(): Promise<number> {
  const n = 1024;
  const g = new GraphBuilder('gemm');
  const a = g.input('a', [n, n]);
  const w = g.initializer('w', [n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
  g.node('MatMul', [a, w], ['y'], {}, { exact: true });
  g.output('y', [n, n]);
  const session = await ort.InferenceSession.create(g.toModel('bench').toBytes(), SESSION_OPTIONS);
  const feed = { a: new ort.Tensor('float32', new Float32Array(n * n).fill(0.25), [n, n]) };
  try {
    await session.run(feed);
    let best = Infinity;
    for (let i = 0; i < 8; i++) {
      const t = performance.now();
      await session.run(feed);
      best = Math.min(best, performance.now() - t);
    }
    return (2 * n ** 3) / (best / 1000) / 1e9;
  } finally {
    await session.release();
  }
}

interface Timing {
  engine: number;
  bare: number;
}

/**
 * Images per second of engine.run and of a bare session.run at batch `b`, alternating the two so
 * that load from other processes hits both alike; best of `rounds` (each at least ~1 s of work).
 */
export async function timeBatch(engine: OnnxEngine, bare: ort.InferenceSession, b: number, estImgPerSec: number, rounds: number): Promise<Timing> {
  const [c, h, w] = engine.inputShape;
  const pixels = Float32Array.from({ length: b * c * h * w }, (_, i) => Math.sin(i * 0.001));
  const feed = { pixel_values: new ort.Tensor('float32', pixels, [b, c, h, w]) };
  const reps = Math.max(1, Math.round(estImgPerSec / b));
  await engine.run(pixels, b);
  await bare.run(feed);
  const best = { engine: Infinity, bare: Infinity };
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < reps; i++) await engine.run(pixels, b);
    best.engine = Math.min(best.engine, (performance.now() - t) / reps);
    t = performance.now();
    for (let i = 0; i < reps; i++) await bare.run(feed);
    best.bare = Math.min(best.bare, (performance.now() - t) / reps);
  }
  return { engine: (1000 * b) / best.engine, bare: (1000 * b) / best.bare };
}

export async function benchInferOnnx(opts: { models?: ('vit-b16' | 'resnet-50')[]; batches?: number[]; rounds?: number } = {}): Promise<object> {
  const models = opts.models ?? ['vit-b16', 'resnet-50'];
  const batches = opts.batches ?? [1, 8];
  const rounds = opts.rounds ?? 3;
  const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-bench-onnx-'));
  // Other processes skew every number here; the load average says how much to trust them.
  const loadBefore = loadavg()[0]!;
  const gemmGflops = await measureGemm();
  const results: Record<string, unknown>[] = [];
  try {
    for (const name of models) {
      const ck = await loadCheckpoint(name, { numLabels: 10 });
      const flops = planFlops(planOf(ck), { clsOnlyLast: true });
      const t0 = performance.now();
      const engine = await OnnxEngine.load(ck, { cacheDir });
      const loadMs = performance.now() - t0;
      const bare = await ort.InferenceSession.create(engine.modelPath, SESSION_OPTIONS);
      const ceiling = (gemmGflops * 1e9) / flops;
      try {
        for (const b of batches) {
          const t = await timeBatch(engine, bare, b, ceiling * 0.8, rounds);
          results.push({
            model: name,
            batch: b,
            imgPerSec: +t.engine.toFixed(2),
            bareOrtImgPerSec: +t.bare.toFixed(2),
            engineVsBare: +(t.engine / t.bare).toFixed(3),
            gflopPerImage: +(flops / 1e9).toFixed(2),
            achievedGflops: +((t.engine * flops) / 1e9).toFixed(1),
            ceilingImgPerSec: +ceiling.toFixed(2),
            fractionOfCeiling: +(t.engine / ceiling).toFixed(3),
            buildAndLoadMs: Math.round(loadMs),
          });
        }
      } finally {
        await bare.release();
        await engine.dispose();
      }
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return {
    threads: THREADS,
    loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0]!.toFixed(2) },
    gemmGflops: +gemmGflops.toFixed(1),
    results,
  };
}
