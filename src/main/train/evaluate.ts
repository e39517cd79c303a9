/**
 * Scores a checkpoint on labelled images with the fast engine (onnxruntime), through the same
 * preprocessing inference uses, including the stain normalisation stored with the model, and
 * turns the probabilities into the evaluation report (metrics.ts).
 */
import { resolve } from 'node:path';
import type { EvalReport } from '../../shared/contract/training.js';
import { scanFolder } from '../datasets/scan-folder.js';
import { loadCheckpoint } from '../ml/models/checkpoint.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import { batchPixels, ImageStore, type Skipped } from './images.js';
import { reportFromProbabilities, softmax } from './metrics.js';
import { readStainParams, stainNormalizer } from '../ml/preprocess/stain.js';

const CHUNK = 16;

export interface EvalOptions {
  /** Where built ONNX models are cached. */
  cacheDir: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Bootstrap resamples (default 1000) and their seed. */
  resamples?: number;
  seed?: number;
}

export interface Probabilities {
  labels: string[];
  /** Per readable image, in the order of `paths` without the skipped ones. */
  paths: string[];
  probs: number[][];
  skipped: Skipped[];
}

export async function predictProbabilities(modelDir: string, paths: string[], opts: EvalOptions): Promise<Probabilities> {
  const ck = await loadCheckpoint(modelDir);
  const labels = Object.keys(ck.id2label).map(Number).sort((a, b) => a - b).map((i) => ck.id2label[i]);
  const stain = await readStainParams(modelDir);
  const store = new ImageStore(stain ? stainNormalizer(stain) : null, 512 * 1024 ** 2);
  const { usable, skipped } = await store.check(paths.map((path) => ({ path, label: 0 })));
  const engine = await OnnxEngine.load(ck, { cacheDir: opts.cacheDir, chunkSize: CHUNK });
  const probs: number[][] = [];
  try {
    for (let s = 0; s < usable.length; s += CHUNK) {
      opts.signal?.throwIfAborted();
      const chunk = usable.slice(s, s + CHUNK).map((u) => u.path);
      const { logits } = await engine.run(await batchPixels(store, chunk, ck.preprocessor, null), chunk.length);
      probs.push(...logits.map((l) => softmax(l)));
      opts.onProgress?.(Math.min(s + CHUNK, usable.length), usable.length);
    }
  } finally {
    await engine.dispose();
  }
  return { labels, paths: usable.map((u) => u.path), probs, skipped };
}

/** Report for images with class names; every name must be one of the model's labels. */
export async function evaluateImages(modelDir: string, items: { path: string; label: string }[], opts: EvalOptions): Promise<EvalReport> {
  if (items.length === 0) throw new Error('no images to evaluate');
  const ck = await loadCheckpoint(modelDir);
  const labels = Object.keys(ck.id2label).map(Number).sort((a, b) => a - b).map((i) => ck.id2label[i]);
  const unknown = [...new Set(items.map((i) => i.label))].filter((l) => !labels.includes(l));
  if (unknown.length) throw new Error(`labels ${unknown.map((l) => JSON.stringify(l)).join(', ')} are not among the model's classes (${labels.join(', ')})`);
  const p = await predictProbabilities(modelDir, items.map((i) => i.path), opts);
  const labelOf = new Map(items.map((i) => [i.path, labels.indexOf(i.label)]));
  const yTrue = p.paths.map((path) => labelOf.get(path)!);
  if (yTrue.length === 0) throw new Error(`none of the ${items.length} images could be read (first: ${p.skipped[0]?.path}: ${p.skipped[0]?.reason})`);
  return { ...reportFromProbabilities(p.probs, yTrue, labels, { resamples: opts.resamples, seed: opts.seed }), skipped: p.skipped };
}

/** Every image of an ImageFolder tree (class folders, optionally under train/val/test folders). */
export async function evaluateFolder(modelDir: string, dir: string, opts: EvalOptions): Promise<EvalReport> {
  const scan = await scanFolder(resolve(dir), opts.signal);
  const report = await evaluateImages(modelDir, scan.entries.map((e) => ({ path: e.path, label: e.label })), opts);
  return { ...report, skipped: [...scan.problems, ...report.skipped] };
}
