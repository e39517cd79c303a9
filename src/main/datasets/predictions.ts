/**
 * Runs a model over a dataset's images with the fast engine (ONNX Runtime) and stores each
 * image's class probabilities, predicted class, confidence and margin as labelling suggestions.
 *
 * The model's outputs must be the dataset's classes: either its id2label names them all (in any
 * order: probabilities are stored in the dataset's order), or it has exactly as many outputs and
 * is taken to follow the dataset's order (a model trained on this dataset, or one whose classes
 * were never named). Built-in architectures get a head for the dataset's classes.
 *
 * Batches are stored as they finish, so suggestions fill in while the run goes on and a
 * cancelled run keeps what it predicted.
 */
import { join } from 'node:path';
import type { PredictionSet } from '../../shared/contract/datasets.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { openRunner } from '../ml/infer/engine-runner.js';
import { ImageReadError, readBatch } from '../ml/infer/image-batches.js';
import { softmax } from '../ml/infer/predict.js';
import { resolveModelRef } from '../ml/hub/resolve.js';
import { isBuiltinName } from '../ml/models/configs.js';
import type { ModelInput } from '../ml/models/model-input.js';
import { ImagePredictionsRepo, type ImagePredictionWrite } from '../store/image-predictions-repo.js';
import { datasetLabels } from './query.js';

export interface PredictHooks {
  /** onnxruntime providers (the engine.provider choice, engine/providers.ts); default cpu. */
  executionProviders?: string[];
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface PredictResult extends PredictionSet {
  /** Images that could not be read, with why. */
  failed: { path: string; reason: string }[];
  seconds: number;
}

/** Images decoded and run together: big enough to keep the engine busy, small enough to cancel promptly. */
const BATCH = 32;

/** Predicted class, its probability and the gap to the runner-up (1 with a single class). */
export function summarise(probs: ArrayLike<number>): { labelIndex: number; confidence: number; margin: number } {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  let second = -Infinity;
  for (let i = 0; i < probs.length; i++) if (i !== best) second = Math.max(second, probs[i]);
  return { labelIndex: best, confidence: probs[best], margin: probs.length > 1 ? probs[best] - second : 1 };
}

/** For each model output, the dataset class it stands for. */
function outputOrder(modelLabels: string[], classes: string[], model: string): number[] {
  const sameNames = modelLabels.length === classes.length && classes.every((c) => modelLabels.includes(c));
  if (sameNames) return modelLabels.map((l) => classes.indexOf(l));
  if (modelLabels.length === classes.length) return classes.map((_, i) => i);
  throw new DomainError('invalid-input', `${model} has ${modelLabels.length} outputs (${modelLabels.join(', ')}) but the dataset has ${classes.length} classes (${classes.join(', ')}); ` +
      'use a model trained on this dataset');
}

export async function predictDataset(ctx: Pick<AppContext, 'db' | 'home'>, datasetId: number, model: string, hooks: PredictHooks = {}): Promise<PredictResult> {
  const started = performance.now();
  const classes = datasetLabels(ctx.db, datasetId);
  if (classes.length === 0) throw new DomainError('invalid-input', `dataset ${datasetId} has no classes to predict`);
  const images = ctx.db.prepare('SELECT id, path FROM images WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; path: string }[];

  // The shared runner reuses a built graph without reading the weights again when it can.
  const runner = await openRunner(resolveModelRef(model, ctx.home.models), {
    engine: 'onnx',
    cacheDir: join(ctx.home.models, 'onnx'),
    images: images.length,
    ...(hooks.executionProviders ? { executionProviders: hooks.executionProviders } : {}),
    ...(isBuiltinName(model) ? { load: { labels: classes } } : {}),
  });
  const failed: PredictResult['failed'] = [];
  try {
    const order = outputOrder(runner.labels, classes, model);
    hooks.signal?.throwIfAborted();
    const repo = new ImagePredictionsRepo(ctx.db);
    repo.beginSet(datasetId, runner.hash, model, classes);
    hooks.onProgress?.(0, images.length);
    for (let start = 0; start < images.length; start += BATCH) {
      hooks.signal?.throwIfAborted();
      const { ok, pixels } = await preprocess(images.slice(start, start + BATCH), runner, failed);
      if (ok.length) {
        const { logits } = await runner.run(pixels, ok.length);
        const rows: ImagePredictionWrite[] = ok.map((img, j) => {
          const p = softmax(logits[j]!);
          const probs = new Float32Array(classes.length);
          order.forEach((cls, out) => (probs[cls] = p[out]!));
          return { imageId: img.id, probs, ...summarise(probs) };
        });
        repo.write(runner.hash, rows);
      }
      hooks.onProgress?.(Math.min(start + BATCH, images.length), images.length);
    }
    const set = repo.set(datasetId, runner.hash);
    if (!set) throw new DomainError('not-found', `dataset ${datasetId} was removed while it was being predicted`);
    return { ...set, failed, seconds: (performance.now() - started) / 1000 };
  } finally {
    await runner.dispose();
  }
}

/** One batch of pixels; an image that cannot be read is reported and left out, not fatal. */
async function preprocess(
  batch: { id: number; path: string }[],
  input: ModelInput,
  failed: PredictResult['failed'],
): Promise<{ ok: { id: number; path: string }[]; pixels: Float32Array }> {
  try {
    return { ok: batch, pixels: await readBatch(batch.map((b) => b.path), input) };
  } catch (e) {
    if (!(e instanceof ImageReadError)) throw e;
    // Find the bad ones one by one; the good ones still go in.
    const ok: { id: number; path: string }[] = [];
    const parts: Float32Array[] = [];
    for (const b of batch) {
      try {
        parts.push(await readBatch([b.path], input));
        ok.push(b);
      } catch (err) {
        if (!(err instanceof ImageReadError)) throw err;
        failed.push({ path: b.path, reason: err.message.slice(b.path.length + 2) });
      }
    }
    const pixels = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pixels.set(p, at);
      at += p.length;
    }
    return { ok, pixels };
  }
}
