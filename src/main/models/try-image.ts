/**
 * A registered model tried on one image, for the Models page: the most probable classes of a
 * model with a classifier, and for every model the pooled embedding's size and norm, with the
 * time the image took (and, apart, opening the model: a first use builds its ONNX graph).
 * The same path as `tessella predict` and `tessella features`: openRunner, runFiles, toPrediction.
 */
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import type { ModelTryResult } from '../../shared/contract/models.js';
import { DomainError } from '../errors.js';
import { openRunner } from '../ml/infer/engine-runner.js';
import { runFiles, toPrediction } from '../ml/infer/predict.js';

export async function tryModelOnImage(modelDir: string, image: string, opts: { cacheDir: string; topk: number; executionProviders?: string[] }): Promise<Omit<ModelTryResult, 'model'>> {
  const file = resolve(image);
  if (!existsSync(file)) throw new DomainError('not-found', `${file}: no such image file`);
  if (!statSync(file).isFile()) throw new DomainError('invalid-input', `${file}: not a file; give an image file`);
  const opened = performance.now();
  const runner = await openRunner(modelDir, { engine: 'onnx', cacheDir: opts.cacheDir, images: 1, ...(opts.executionProviders ? { executionProviders: opts.executionProviders } : {}) });
  try {
    const started = performance.now();
    let out: { logits: Float32Array; features: Float32Array } | null = null;
    await runFiles(runner, [file], 1, (_f, _i, o) => void (out = o));
    const seconds = (performance.now() - started) / 1000;
    const { logits, features } = out!;
    let sq = 0;
    for (const v of features) sq += v * v;
    const top = runner.labels.length
      ? Object.entries(toPrediction(file, logits, runner.labels, opts.topk).probabilities).map(([label, probability]) => ({ label, probability }))
      : null;
    return {
      file,
      top,
      embedding: { dim: features.length, norm: Math.sqrt(sq) },
      seconds,
      loadSeconds: (started - opened) / 1000,
      backend: runner.info.backend,
    };
  } finally {
    await runner.dispose();
  }
}
