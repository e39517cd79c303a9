/**
 * Head training on cached embeddings (issue 12: "embed once, train many heads"): 10,000
 * embeddings of width 1024 in 5 classes (Gaussian clusters, seeded) are written to an embedding
 * store, then read back and a logistic-regression sweep (C in 0.01, 0.1, 1, 10; validation picks)
 * is fitted, as a backbone run does. Aim: under 10 s on a 2-core machine. The MLP's time per
 * epoch is reported beside it (it stops early; its epochs are the unit of its cost).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageEmbeddings } from '../src/main/ml/infer/embedding-store';
import { fitHead } from '../src/main/train/heads/fit';
import type { HeadData } from '../src/main/train/heads/logreg';

function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

export async function benchHeads(opts: { n?: number; dim?: number; classes?: number } = {}): Promise<object> {
  const n = opts.n ?? 10_000;
  const d = opts.dim ?? 1024;
  const k = opts.classes ?? 5;
  const g = gaussian(12);
  const centres = Array.from({ length: k }, () => Float32Array.from({ length: d }, () => g() * 0.08));
  const root = mkdtempSync(join(tmpdir(), 'tessella-bench-heads-'));
  try {
    const store = new ImageEmbeddings(root, '0'.repeat(32));
    const keys = Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, '0'));
    const labels = Int32Array.from({ length: n }, (_, i) => i % k);
    for (let i = 0; i < n; i++) {
      const e = Float32Array.from(centres[labels[i]], (c) => c + g());
      await store.put(keys[i], e);
    }
    process.stderr.write(`[bench] heads: ${n} embeddings of ${d} written\n`);

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const rows = await Promise.all(keys.map((h) => store.get(h)));
    const tRead = performance.now();
    const nTrain = Math.round(n * 0.8);
    const part = (from: number, to: number): HeadData => {
      const x = new Float32Array((to - from) * d);
      for (let i = from; i < to; i++) x.set(rows[i]!, (i - from) * d);
      return { x, n: to - from, d, y: labels.slice(from, to), k };
    };
    const train = part(0, nTrain);
    const val = part(nTrain, n);
    const cpuRead = process.cpuUsage(cpu0);
    const fit = fitHead(train, val, { kind: 'logreg', balance: true });
    const tFit = performance.now();
    const cpuFit = process.cpuUsage(cpu0);
    const mlp = fitHead(train, val, { kind: 'mlp', maxEpochs: 2, patience: 100 });
    const tMlp = performance.now();
    const chosen = fit.steps[fit.best - 1]!.metrics;
    return {
      embeddings: n,
      dim: d,
      classes: k,
      logreg: {
        readSeconds: (tRead - t0) / 1000,
        fitSeconds: (tFit - tRead) / 1000,
        totalSeconds: (tFit - t0) / 1000,
        // the fit is single-threaded: its CPU time is its wall time on an idle machine (wall time counts other processes' load)
        fitCpuSeconds: (cpuFit.user + cpuFit.system - cpuRead.user - cpuRead.system) / 1e6,
        aimSeconds: 10,
        sweep: fit.steps.map((s) => ({ c: s.metrics.head_c, iterations: s.metrics.solver_iterations, valAccuracy: s.metrics.val_accuracy })),
        chosenC: chosen.head_c,
        valAccuracy: chosen.val_accuracy,
      },
      mlp: { hidden: mlp.head.kind === 'mlp' ? mlp.head.mlp.hidden : null, epochs: mlp.steps.length, secondsPerEpoch: (tMlp - tFit) / 1000 / mlp.steps.length },
      loadAverage: loadavg()[0],
      note: 'wall times include waiting for the CPU when the machine is loaded (loadAverage); fitCpuSeconds does not',
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
