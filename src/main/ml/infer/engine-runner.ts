/**
 * One interface over the two inference engines, so predict and feature export do not care which
 * runs: onnxruntime on the cached graph (model-cache.ts), or TensorFlow.js on the checkpoint.
 * Each engine's module is imported only when chosen; tfjs's wasm start-up alone costs a second.
 */
import type { LoadOptions } from '../models/checkpoint.js';
import type { Arch } from '../models/configs.js';
import type { PreprocessorConfig } from '../models/processors.js';
import type { StainParams } from '../preprocess/stain.js';
import { DomainError } from '../../errors.js';
import { hasHead } from '../head/head-checkpoint.js';
import type { Precision } from '../emit/quantize.js';
import type { RunOptions } from '../onnx/session.js';
import { sessionWorkerByDefault } from '../onnx/session-protocol.js';

export const ENGINE_NAMES = ['onnx', 'tfjs'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}

export interface RunnerOptions {
  engine: EngineName;
  /** ONNX graph cache; default `<home>/models/onnx`. */
  cacheDir?: string;
  load?: LoadOptions;
  /** onnx: preferred execution providers; cpu is the fallback. */
  executionProviders?: string[];
  /** onnx: fp32 (default) or int8 (ViT; emit/quantize.ts). */
  precision?: Precision;
  /**
   * onnx: the session in a worker thread, so the next batch decodes while this one computes
   * (OnnxEngineOptions.worker). Default: sessionWorkerByDefault().
   */
  worker?: boolean;
}

/** What ran, for logs and `--json` consumers that care. */
export interface RunnerInfo {
  engine: EngineName;
  /** onnx: the execution provider; tfjs: the backend. */
  backend: string;
  /** The numeric precision the model ran at. */
  precision: Precision;
  /** onnx: the graph came from the cache. */
  graphCached?: boolean;
  /** onnx: false when not even the checkpoint's weights were read (the warm-cache fast path). */
  weightsRead?: boolean;
  fallbackReason?: string;
}

export interface EngineRunner {
  arch: Arch;
  hash: string;
  labels: string[];
  preprocessor: PreprocessorConfig;
  stain: StainParams | null;
  info: RunnerInfo;
  /**
   * `pixels`: n images, NCHW float32, preprocessed. One logits and one features array per image.
   * `transfer`: the caller is done with `pixels`, which may then be handed over uncopied (detached).
   */
  run(pixels: Float32Array, n: number, opts?: RunOptions): Promise<{ logits: Float32Array[]; features: Float32Array[] }>;
  dispose(): Promise<void>;
}

/**
 * The tfjs forward pass of a checkpoint, walking its plan (emit/tfjs*.ts, the model training
 * shares). Weights are released after.
 */
async function tfjsForward(ck: import('../models/checkpoint.js').Checkpoint): Promise<{ run(x: import('@tensorflow/tfjs-core').Tensor4D): [Float32Array, Float32Array]; dispose(): void }> {
  const { createModel } = await import('../models/index.js');
  const model = createModel(ck);
  ck.weights.clear(); // the model holds its own copy now
  return {
    // A backbone has no head: its logits are [N, 0], an empty array, as the ONNX engine gives.
    run: (x) => {
      const out = model.forward(x);
      return [out.logits.dataSync().slice() as Float32Array, out.features.dataSync().slice() as Float32Array];
    },
    dispose: () => model.dispose(),
  };
}

function split(data: Float32Array, n: number): Float32Array[] {
  const k = data.length / n;
  return Array.from({ length: n }, (_, i) => data.slice(i * k, (i + 1) * k));
}

export async function openRunner(ref: string, opts: RunnerOptions): Promise<EngineRunner> {
  const { labelList, loadCheckpointOf } = await import('../model-cache.js');
  if (opts.engine === 'onnx') {
    const { openOnnxModel } = await import('../model-cache.js');
    const m = await openOnnxModel(ref, { cacheDir: opts.cacheDir, load: opts.load, executionProviders: opts.executionProviders, precision: opts.precision, worker: opts.worker ?? sessionWorkerByDefault() });
    return {
      arch: m.model.arch,
      hash: m.model.hash,
      labels: labelList(m.model.id2label),
      preprocessor: m.model.preprocessor,
      stain: m.model.stain,
      info: {
        engine: 'onnx',
        backend: m.engine.provider,
        precision: m.engine.info.precision,
        graphCached: m.engine.fromCache,
        weightsRead: m.weightsRead,
        ...(m.engine.fallbackReason ? { fallbackReason: m.engine.fallbackReason } : {}),
      },
      run: (pixels, n, o) => m.engine.run(pixels, n, o),
      dispose: () => m.engine.dispose(),
    };
  }

  if (opts.precision && opts.precision !== 'fp32') throw new DomainError('unsupported', `${ref}: ${opts.precision} precision runs on the onnx engine only (use --engine onnx)`);
  const { initTfjsQuietly } = await import('../engine-status.js');
  const init = await initTfjsQuietly();
  const tf = await import('@tensorflow/tfjs-core');
  const ck = await loadCheckpointOf(ref, opts.load);
  if (hasHead(ck) && ck.head.kind === 'mlp') {
    throw new DomainError('unsupported', `${ref}: an MLP head runs on the onnx engine only (use --engine onnx)`);
  }
  const forward = await tfjsForward(ck);
  const { modelInputSize } = await import('../models/processors.js');
  const { height, width } = modelInputSize(ck.preprocessor);
  return {
    arch: ck.arch,
    hash: ck.hash,
    labels: labelList(ck.id2label),
    preprocessor: ck.preprocessor,
    stain: ck.stain,
    info: { engine: 'tfjs', backend: init.backend, precision: 'fp32' },
    async run(pixels, n) {
      const [logits, features] = tf.tidy(() => forward.run(tf.tensor4d(pixels, [n, 3, height, width])));
      return { logits: logits.length ? split(logits, n) : Array.from({ length: n }, () => new Float32Array(0)), features: split(features, n) };
    },
    async dispose() {
      forward.dispose();
    },
  };
}
