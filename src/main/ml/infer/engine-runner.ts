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
import { sessionPlacement, type SessionPlacement } from '../onnx/session-placement.js';

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
   * The number of images the job will run through this runner: onnx holds its session in a
   * worker thread for a long job, in this thread for a short one (onnx/session-placement.ts).
   * Leave it out only when the size cannot be told (then: a worker).
   */
  images?: number;
  /** onnx: force the session into a worker thread (true) or this thread (false), whatever `images` says. */
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
  /** onnx: where the session ran, a worker thread or the caller's (session-placement.ts). */
  session?: SessionPlacement;
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
    const worker = opts.worker ?? sessionPlacement(opts.images) === 'worker';
    const m = await openOnnxModel(ref, { cacheDir: opts.cacheDir, load: opts.load, executionProviders: opts.executionProviders, precision: opts.precision, worker });
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
        session: m.engine.info.inWorker ? 'worker' : 'inline',
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
