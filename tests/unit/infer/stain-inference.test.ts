/**
 * A model trained with stain normalisation carries it (stain_normalization.json) and every
 * inference path applies it before the image processor: patch prediction with both engines,
 * whole-slide analysis through its worker, and an HF export keeps it. Each is checked against
 * the pixels computed here by hand (normalise, resize, rescale) on the same model without the file.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCacheDir } from '../../../src/main/analysis/run-analysis';
import { softmax } from '../../../src/main/analysis/probs';
import { analysisService, type AnalysisService } from '../../../src/main/analysis/service';
import { readTileRgb } from '../../../src/main/analysis/tile-pixels';
import { createAppContext, type AppContext } from '../../../src/main/app-context';
import { predict } from '../../../src/main/ml/infer/predict';
import { predictFiles } from '../../../src/main/ml/infer/predict-tfjs';
import { loadCheckpoint, saveCheckpoint } from '../../../src/main/ml/models/checkpoint';
import { decodeImage, rescaleNormalize, resizeForModel, type RGBImage } from '../../../src/main/ml/models/processors';
import { OnnxEngine } from '../../../src/main/ml/onnx/session';
import { openSlide } from '../../../src/main/slides/open-slide';
import { fitStain, STAIN_FILE, stainNormalizer, writeStainParams, type StainParams } from '../../../src/main/ml/preprocess/stain';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('stain normalisation at inference', { ...needs(svs, lung, vitTiny), timeout: 300_000 }, () => {
  const home = tempHome('tessella-stain-infer-');
  let ctx: AppContext;
  let svc: AnalysisService;
  let stained: string;
  let params: StainParams;
  let bare: OnnxEngine;
  const files = () => ['lung_aca', 'lung_n', 'lung_scc'].map((c) => join(lung!, c, readdirSync(join(lung!, c)).sort()[0]!));

  /** Probabilities of the model without the file, on pixels normalised here. */
  async function byHand(images: RGBImage[]): Promise<number[][]> {
    const ck = await loadCheckpoint(vitTiny!);
    const per = 3 * 32 * 32;
    const pixels = new Float32Array(images.length * per);
    const normalise = stainNormalizer(params);
    images.forEach((img, i) => rescaleNormalize(resizeForModel(normalise(img), ck.preprocessor), ck.preprocessor, pixels.subarray(i * per, (i + 1) * per)));
    const out = await bare.run(pixels, images.length);
    return out.logits.map((l) => Array.from(softmax(l)));
  }

  const worst = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, c) => Math.abs(v - b[i]![c]!))));

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: home.dir });
    svc = analysisService(ctx);
    stained = join(home.dir, 'vit-tiny-macenko');
    cpSync(vitTiny!, stained, { recursive: true });
    // A reference from another class than most tiles, so the normalisation visibly moves colours.
    params = await fitStain({ method: 'macenko', reference: join(lung!, 'lung_n', readdirSync(join(lung!, 'lung_n')).sort()[1]!) });
    await writeStainParams(stained, params);
    bare = await OnnxEngine.load(await loadCheckpoint(vitTiny!), { cacheDir: engineCacheDir(ctx.home) });
  });
  afterAll(async () => {
    await bare?.dispose();
    await svc.queue.stop();
    ctx.close();
    home.cleanup();
  });

  it('loads the normalisation with the checkpoint, and it changes the checkpoint hash', async () => {
    const ck = await loadCheckpoint(stained);
    expect(ck.stain).toEqual(params);
    expect((await loadCheckpoint(vitTiny!)).stain).toBeNull();
    expect(ck.hash).not.toBe((await loadCheckpoint(vitTiny!)).hash);
  });

  it('patch prediction normalises first, with the ONNX engine (cold and warm cache) and with TensorFlow.js', async () => {
    const images = await Promise.all(files().map((f) => decodeImage(f)));
    const expected = await byHand(images);
    const probsOf = (r: Awaited<ReturnType<typeof predict>>) => r.predictions.map((p) => r.model.labels.map((l) => p.probabilities[l]!));
    const cacheDir = engineCacheDir(ctx.home);
    const cold = await predict(stained, files(), { cacheDir });
    const warm = await predict(stained, files(), { cacheDir });
    expect(warm.engine.weightsRead).toBe(false); // the fast path must still know the normalisation
    expect(worst(probsOf(cold), expected)).toBeLessThan(1e-5);
    expect(worst(probsOf(warm), expected)).toBeLessThan(1e-5);
    const tfjs = await predictFiles(stained, files());
    expect(worst(tfjs.map((p) => ['cat', 'dog', 'bird'].map((l) => p.probabilities.find((q) => q.label === l)!.probability)), expected)).toBeLessThan(1e-4);
    // ... and it matters: without the file the same images score differently.
    const plain = await predict(vitTiny!, files(), { cacheDir });
    expect(worst(probsOf(plain), expected)).toBeGreaterThan(1e-3);
  });

  it('slide analysis normalises every tile in its worker', async () => {
    const slideId = (await ctx.slides.ensure(svs!)).id;
    const { analysis } = await svc.analyze(slideId, stained, { mpp: 4 });
    expect(analysis.status).toBe('completed');
    const rows = svc.repo.predictions(analysis.id).slice(0, 12);
    const reader = await openSlide(svs!, { cacheDir: ctx.home.slideCache });
    try {
      const g = analysis.grid!;
      const tiles = await Promise.all(rows.map((r) => readTileRgb(reader, g.level, g.readSize, r.x, r.y)));
      expect(worst(rows.map((r) => Array.from(r.probs)), await byHand(tiles))).toBeLessThan(1e-5);
    } finally {
      reader.close();
    }
    const plain = await svc.analyze(slideId, vitTiny!, { mpp: 4 });
    expect(plain.analysis.id).not.toBe(analysis.id);
  });

  it('an HF export keeps the normalisation beside the weights', async () => {
    const out = join(home.dir, 'exported');
    await saveCheckpoint(await loadCheckpoint(stained), out);
    expect(existsSync(join(out, STAIN_FILE))).toBe(true);
    expect((await loadCheckpoint(out)).stain).toEqual(params);
    const plainOut = join(home.dir, 'exported-plain');
    cpSync(out, plainOut, { recursive: true });
    await saveCheckpoint(await loadCheckpoint(vitTiny!), plainOut); // over a folder that had one: no stale file left
    expect(existsSync(join(plainOut, STAIN_FILE))).toBe(false);
  });
});
