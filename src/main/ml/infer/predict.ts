/**
 * Classifying image files with either engine: what `tessella predict` prints and what the UI
 * will show. Memory stays bounded whatever the number of files: images are read and run in
 * batches, two batches of pixels at most alive at a time (image-batches.ts).
 */
import type { LoadOptions } from '../models/checkpoint.js';
import { DomainError } from '../../errors.js';
import type { Precision } from '../emit/quantize.js';
import { type EngineName, type EngineRunner, openRunner, type RunnerInfo } from './engine-runner.js';
import { forEachBatch } from './image-batches.js';

export interface FilePrediction {
  file: string;
  /** The most probable class. */
  label: string;
  /** Softmax of the logits for the `topk` most probable classes, most probable first. */
  probabilities: Record<string, number>;
  /** Raw logits in class-id order. */
  logits: number[];
}

export interface PredictOptions {
  engine?: EngineName;
  /** Classes listed in `probabilities` (default: all). */
  topk?: number;
  /** Images per engine run (default 8). */
  batchSize?: number;
  cacheDir?: string;
  load?: LoadOptions;
  executionProviders?: string[];
  /** onnx: fp32 (default) or int8. */
  precision?: Precision;
  onProgress?: (done: number, total: number) => void;
}

export interface PredictRun {
  predictions: FilePrediction[];
  model: { hash: string; arch: string; labels: string[] };
  engine: RunnerInfo;
}

/** Softmax in float64, shifted by the maximum so large logits do not overflow. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function toPrediction(file: string, logits: ArrayLike<number>, labels: string[], topk = labels.length): FilePrediction {
  const p = softmax(logits);
  // Stable on ties: the lower class id first, as argmax would pick.
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  const k = Math.max(1, Math.min(topk, labels.length));
  return {
    file,
    label: labels[order[0]!]!,
    probabilities: Object.fromEntries(order.slice(0, k).map((c) => [labels[c]!, p[c]!])),
    logits: Array.from(logits),
  };
}

/** Runs `runner` over `files` in batches, handing every image's outputs to `each` in file order. */
export async function runFiles(
  runner: EngineRunner,
  files: string[],
  batchSize: number,
  each: (file: string, index: number, out: { logits: Float32Array; features: Float32Array }) => void | Promise<void>,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  await forEachBatch(files, runner, Math.max(1, batchSize), async (pixels, batch, start) => {
    const out = await runner.run(pixels, batch.length, { transfer: true }); // read for this batch only
    for (let j = 0; j < batch.length; j++) await each(batch[j]!, start + j, { logits: out.logits[j]!, features: out.features[j]! });
    onProgress?.(start + batch.length, files.length);
  });
}

export async function predict(modelRef: string, files: string[], opts: PredictOptions = {}): Promise<PredictRun> {
  const runner = await openRunner(modelRef, { engine: opts.engine ?? 'onnx', cacheDir: opts.cacheDir, load: opts.load, executionProviders: opts.executionProviders, precision: opts.precision, images: files.length });
  if (!runner.labels.length) {
    await runner.dispose();
    throw new DomainError('invalid-input', `${modelRef}: a pretrained backbone without a classifier; embed with \`tessella features\` or train a head on it`, 'no-classifier');
  }
  try {
    const predictions: FilePrediction[] = [];
    await runFiles(runner, files, opts.batchSize ?? 8, (file, _i, out) => void predictions.push(toPrediction(file, out.logits, runner.labels, opts.topk)), opts.onProgress);
    return { predictions, model: { hash: runner.hash, arch: runner.arch, labels: runner.labels }, engine: runner.info };
  } finally {
    await runner.dispose();
  }
}
