/**
 * `npm run bench -- fm-embed`: embedding speed of pretrained-backbone shapes through the app's
 * path (a timm folder → loadCheckpoint → plan → ONNX → OnnxEngine) against a bare onnxruntime
 * session on the same graph file, at batch 8 (issue aim: the engine >= 0.9 of bare ORT).
 * Random weights (bench/fm-model.ts): speed does not depend on their values.
 * TESSELLA_FM_SIZES=S,B picks sizes (default S and B: the larger ones take minutes per image set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadCheckpoint } from '../src/main/ml/models/checkpoint';
import { OnnxEngine } from '../src/main/ml/onnx/session';
import { planOf } from '../src/main/ml/arch/index';
import { embeddingDim, planFlops } from '../src/main/ml/plan';
import { VIT_SIZES, writeRandomVit } from './fm-model';
import { SESSION_OPTIONS, timeBatch } from './infer-onnx';

const BATCH = 8;

export async function benchFmEmbed(): Promise<object> {
  const wanted = (process.env['TESSELLA_FM_SIZES'] ?? 'S,B').split(',').map((s) => s.trim().toUpperCase());
  const sizes = VIT_SIZES.filter((s) => wanted.includes(s.name.slice(4).split('/')[0]!.toUpperCase()));
  const loadBefore = loadavg()[0]!;
  const results: object[] = [];
  for (const s of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'tessella-bench-fm-embed-'));
    try {
      await writeRandomVit(join(dir, 'model'), s, 'F32');
      const ck = await loadCheckpoint(join(dir, 'model'));
      const plan = planOf(ck);
      const flops = planFlops(plan);
      const t0 = performance.now();
      const engine = await OnnxEngine.load(ck, { cacheDir: join(dir, 'cache') });
      const loadMs = performance.now() - t0;
      const bare = await ort.InferenceSession.create(engine.modelPath, SESSION_OPTIONS);
      try {
        // a first guess of the speed sizes each timed round to about a second of work
        const t = await timeBatch(engine, bare, BATCH, Math.max(1, 100e9 / flops), 3);
        results.push({
          model: s.name,
          architecture: s.architecture,
          embeddingDim: embeddingDim(plan),
          batch: BATCH,
          imgPerSec: +t.engine.toFixed(2),
          bareOrtImgPerSec: +t.bare.toFixed(2),
          engineVsBare: +(t.engine / t.bare).toFixed(3),
          gflopPerImage: +(flops / 1e9).toFixed(2),
          buildAndLoadMs: Math.round(loadMs),
        });
      } finally {
        await bare.release();
        await engine.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0]!.toFixed(2) }, results };
}
