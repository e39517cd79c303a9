/**
 * How far a lower-precision graph strays from fp32 on real images: what must be measured and
 * shown before int8 is trusted for a model (issue 15). The same files run through the fp32 and
 * the candidate graph; a classifier is judged by top-1 agreement and the largest softmax
 * probability difference, an embedding by its cosine similarity to the fp32 one.
 */
import type { LoadOptions } from '../models/checkpoint.js';
import type { Precision } from '../emit/quantize.js';
import { openRunner } from './engine-runner.js';
import { runFiles, softmax } from './predict.js';

export interface ImageOutputs {
  logits: Float32Array;
  features: Float32Array;
}

export interface ClassifierAgreement {
  /** Fraction of images whose most probable class is the same at both precisions. */
  top1Agreement: number;
  /** Images whose top-1 class differs. */
  disagreements: number;
  /** Largest |p_fp32 − p_candidate| over every image and class. */
  maxProbabilityDifference: number;
}

export interface EmbeddingAgreement {
  cosineMin: number;
  cosineMean: number;
}

export interface OutputAgreement {
  images: number;
  /** Null for a backbone without a classifier. */
  classifier: ClassifierAgreement | null;
  embedding: EmbeddingAgreement;
}

/** Cosine similarity in float64; two zero vectors are identical (1), one zero vector is not (0). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine: length ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 && nb === 0) return 1;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Index of the largest value, the lower index on ties (as toPrediction picks). */
function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

/** Compares per-image outputs of the reference (fp32) and the candidate graph, image by image. */
export function compareOutputs(reference: ImageOutputs[], candidate: ImageOutputs[]): OutputAgreement {
  if (reference.length !== candidate.length) throw new Error(`compareOutputs: ${reference.length} vs ${candidate.length} images`);
  if (!reference.length) throw new Error('compareOutputs: no images');
  const hasLogits = reference[0]!.logits.length > 0;
  let agree = 0;
  let maxDiff = 0;
  let cosMin = Infinity;
  let cosSum = 0;
  reference.forEach((r, i) => {
    const c = candidate[i]!;
    const cos = cosine(r.features, c.features);
    cosMin = Math.min(cosMin, cos);
    cosSum += cos;
    if (!hasLogits) return;
    const pr = softmax(r.logits);
    const pc = softmax(c.logits);
    if (argmax(pr) === argmax(pc)) agree++;
    for (let k = 0; k < pr.length; k++) maxDiff = Math.max(maxDiff, Math.abs(pr[k]! - pc[k]!));
  });
  const n = reference.length;
  return {
    images: n,
    classifier: hasLogits ? { top1Agreement: agree / n, disagreements: n - agree, maxProbabilityDifference: maxDiff } : null,
    embedding: { cosineMin: cosMin, cosineMean: cosSum / n },
  };
}

export interface AgreementOptions {
  /** The precision judged against fp32 (default int8). */
  precision?: Precision;
  batchSize?: number;
  cacheDir?: string;
  load?: LoadOptions;
  executionProviders?: string[];
  onProgress?: (done: number, total: number) => void;
}

export interface PrecisionAgreement extends OutputAgreement {
  model: { hash: string; arch: string };
  reference: 'fp32';
  candidate: Precision;
  /** End-to-end images per second (decoding included) at each precision, on this machine now. */
  imgPerSec: { fp32: number; candidate: number };
}

/** Runs `files` through the fp32 graph and the `precision` graph of `modelRef` and compares them. */
export async function measureAgreement(modelRef: string, files: string[], opts: AgreementOptions = {}): Promise<PrecisionAgreement> {
  if (!files.length) throw new Error('no images to compare');
  const candidate = opts.precision ?? 'int8';
  const total = 2 * files.length;
  const runAt = async (precision: Precision, offset: number): Promise<{ outputs: ImageOutputs[]; imgPerSec: number; hash: string; arch: string }> => {
    const runner = await openRunner(modelRef, { engine: 'onnx', cacheDir: opts.cacheDir, load: opts.load, executionProviders: opts.executionProviders, precision, images: files.length });
    try {
      const outputs: ImageOutputs[] = [];
      const t0 = performance.now();
      await runFiles(runner, files, opts.batchSize ?? 8, (_f, _i, o) => void outputs.push(o), (done) => opts.onProgress?.(offset + done, total));
      const seconds = (performance.now() - t0) / 1000;
      return { outputs, imgPerSec: files.length / seconds, hash: runner.hash, arch: runner.arch };
    } finally {
      await runner.dispose();
    }
  };
  const ref = await runAt('fp32', 0);
  const cand = await runAt(candidate, files.length);
  return {
    model: { hash: ref.hash, arch: ref.arch },
    reference: 'fp32',
    candidate,
    ...compareOutputs(ref.outputs, cand.outputs),
    imgPerSec: { fp32: ref.imgPerSec, candidate: cand.imgPerSec },
  };
}
