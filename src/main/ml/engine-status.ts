/**
 * Which inference engines this machine has and why each runs the way it does: the TensorFlow.js
 * backend chosen (and what was tried first), and onnxruntime's execution providers. What
 * `tessella engine` prints and the `engine.info` call returns.
 */
import { availableParallelism } from 'node:os';
import type { EngineStatus } from '../../shared/contract/models.js';
import type { BackendInitResult } from './engine/backend.js';

/**
 * initBackend() with the process left as it was: tfjs-backend-wasm's Emscripten glue adds
 * uncaughtException / unhandledRejection handlers that rethrow, which makes Node print the glue's
 * whole minified source instead of a one-line error. Errors here are the caller's to report.
 */
export async function initTfjsQuietly(): Promise<BackendInitResult> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  type Listener = (...args: unknown[]) => void;
  const listeners = (e: string) => process.listeners(e as 'uncaughtException') as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const { initBackend } = await import('./engine/backend.js');
  try {
    return await initBackend();
  } finally {
    for (const e of events) for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
}

export async function engineStatus(): Promise<EngineStatus> {
  const { engineInfo } = await import('./engine/backend.js');
  let tfjs: EngineStatus['tfjs'];
  try {
    const init = await initTfjsQuietly();
    const info = engineInfo();
    tfjs = { backend: init.backend, reason: init.reason, tried: init.tried, version: info.tfjsVersion, ...(info.simd !== undefined ? { simd: info.simd } : {}), ...(info.threads !== undefined ? { threads: info.threads } : {}) };
  } catch (e) {
    const tf = await import('@tensorflow/tfjs-core');
    tfjs = { backend: null, reason: (e as Error).message.split('\n')[0]!, tried: [], version: tf.version_core };
  }
  const { trainingThreads } = await import('./engine/training-threads.js');
  const ort = await import('onnxruntime-node');
  const providers = ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
  const threads = availableParallelism();
  const others = providers.filter((p) => p.name !== 'cpu').map((p) => `${p.name}${p.bundled ? '' : ' (needs its runtime libraries)'}`);
  return {
    tfjs,
    onnx: {
      version: ort.env.versions.node ?? ort.env.versions.common,
      providers,
      provider: 'cpu',
      threads,
      reason: `cpu, ${threads} threads (every core), unless another provider is requested (--provider${others.length ? `: ${others.join(', ')}` : ''}); a provider that fails falls back to cpu`,
    },
    defaultEngine: 'onnx',
    training: trainingThreads(tfjs.backend, tfjs.threads),
  };
}
