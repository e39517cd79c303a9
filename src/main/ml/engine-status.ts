/**
 * Which inference engines this machine has and why each runs the way it does: the TensorFlow.js
 * backend chosen (and what was tried first), and onnxruntime's execution providers. What
 * `tessella engine` prints and the `engine.info` call returns.
 */
import { availableParallelism } from 'node:os';
import type { EngineStatus } from '../../shared/contract/models.js';
import type { BackendInitResult } from './engine/backend.js';
import type { ProviderPin } from './engine/providers.js';

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

/** `pin`: the engine.provider setting's or --provider's, which the provider choice honours when it can. */
export async function engineStatus(pin: ProviderPin | null = null): Promise<EngineStatus> {
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
  const { trainingGpu, tfjsGpuInstalled } = await import('./engine/training-gpu.js');
  const { providerFacts, chooseProvider } = await import('./engine/providers.js');
  const ort = await import('onnxruntime-node');
  const facts = await providerFacts();
  const choice = chooseProvider(facts, pin);
  const threads = availableParallelism();
  return {
    tfjs,
    onnx: {
      version: ort.env.versions.node ?? ort.env.versions.common,
      providers: facts.listed,
      provider: choice.chosen,
      threads,
      reason: `${choice.reason}; ${threads} threads (every core) on cpu; a provider that fails to start a session falls back to cpu`,
      choice,
    },
    defaultEngine: 'onnx',
    training: { ...trainingThreads(tfjs.backend, tfjs.threads), gpu: trainingGpu(tfjs.tried, tfjsGpuInstalled(), process.env.TESSELLA_TF_BACKEND) },
  };
}
