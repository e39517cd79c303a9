/**
 * Chooses the TensorFlow.js backend once, at start-up, before any tensor exists (tensors live on
 * the backend that was active when they were made; switching later copies them around).
 *
 * Order: @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node (native TensorFlow, all cores),
 * wasm (XNNPACK with SIMD, one thread in Node), cpu (plain JS, ~1 GFLOP/s: a last resort).
 * The native packages are optional dependencies; when they are not installed the attempt is
 * recorded in `tried` with the reason.
 *
 * Env: TESSELLA_TF_BACKEND=node-gpu|node|wasm|cpu forces one (as `prefer` does);
 * TESSELLA_WASM_DIR overrides where the .wasm binaries are (e.g. app.asar.unpacked).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from './wasm-kernels.js';

export type BackendChoice = 'node-gpu' | 'node' | 'wasm' | 'cpu';

export interface BackendAttempt {
  name: BackendChoice;
  ok: boolean;
  error?: string;
}

export interface BackendInitResult {
  /** tfjs backend name: 'tensorflow' (tfjs-node / -gpu), 'wasm' or 'cpu'. */
  backend: string;
  reason: string;
  tried: BackendAttempt[];
}

const ORDER: BackendChoice[] = ['node-gpu', 'node', 'wasm', 'cpu'];
const require = createRequire(import.meta.url);

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

let initialised: Promise<BackendInitResult> | null = null;
let customKernels: string[] = [];

/** Where tfjs-backend-wasm keeps its .wasm files (next to its Node entry point). */
export function wasmBinaryDir(): string {
  if (process.env.TESSELLA_WASM_DIR) return process.env.TESSELLA_WASM_DIR;
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

/** Imports a package by a computed name so bundlers and tsc leave optional ones alone. */
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

async function tryBackend(choice: BackendChoice): Promise<string> {
  switch (choice) {
    case 'node-gpu':
    case 'node': {
      await importOptional(choice === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      // Both register as 'tensorflow'; they bring their own copy of tfjs-core when versions
      // differ, in which case ours never sees the backend.
      if (!tf.findBackendFactory('tensorflow')) throw new Error('loaded, but registered no "tensorflow" backend with this @tensorflow/tfjs-core');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") failed');
      return 'tensorflow';
    }
    case 'wasm': {
      // The package is CommonJS: its exports may sit on the namespace or under default.
      const ns = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmModule & { default?: WasmModule };
      const wasm = typeof ns.setWasmPaths === 'function' ? ns : ns.default!;
      customKernels = registerWasmKernels();
      const dir = wasmBinaryDir();
      wasm.setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
      if (!(await tf.setBackend('wasm'))) throw new Error(`setBackend("wasm") failed (binaries looked for in ${dir})`);
      return 'wasm';
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('setBackend("cpu") failed');
      return 'cpu';
  }
}

/**
 * Picks the fastest backend that works (or `prefer`, falling back along the usual order when it
 * fails). Runs once; later calls return the first result.
 */
export function initBackend(prefer?: BackendChoice): Promise<BackendInitResult> {
  if (!initialised) initialised = doInit(prefer ?? (process.env.TESSELLA_TF_BACKEND as BackendChoice | undefined));
  return initialised;
}

async function doInit(prefer: BackendChoice | undefined): Promise<BackendInitResult> {
  if (prefer && !ORDER.includes(prefer)) throw new Error(`unknown backend ${prefer} (${ORDER.join(', ')})`);
  const order = prefer ? [prefer, ...ORDER.slice(ORDER.indexOf(prefer) + 1)] : ORDER;
  const tried: BackendAttempt[] = [];
  const early = tf.engine().state.numTensors;
  for (const choice of order) {
    try {
      const backend = await tryBackend(choice);
      tried.push({ name: choice, ok: true });
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.error}`);
      let reason = prefer === choice ? `${choice} requested` : skipped.length ? `first that works (${skipped.join('; ')})` : 'first choice';
      if (early) reason += `; note: ${early} tensors existed before the backend was chosen`;
      return { backend, reason, tried };
    } catch (e) {
      tried.push({ name: choice, ok: false, error: (e as Error).message.split('\n')[0] });
    }
  }
  throw new Error(`no TensorFlow.js backend works: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

let gradients: Promise<{ ok: boolean; error?: string }> | null = null;

/**
 * tf.grad & co. need every op's gradient registered. @tensorflow/tfjs-core's CommonJS build
 * (what Node loads) registers none: only its ES-module file dist/register_all_gradients.js does,
 * and that tree uses extensionless/directory imports that plain Node cannot resolve. Bundlers
 * (electron-vite) and vitest resolve it; tsx does not. Call this before training.
 */
export function ensureGradients(): Promise<{ ok: boolean; error?: string }> {
  // tfjs-core's Node build carries no gradient functions; the umbrella package's Node build
  // registers them all against that same core, under plain Node, tsx and bundlers alike.
  gradients ??= import('@tensorflow/tfjs').then(
    () => ({ ok: true }),
    (e: Error) => ({ ok: false, error: e.message.split('\n')[0] }),
  );
  return gradients;
}

export interface EngineInfo {
  backend: string | null;
  tfjsVersion: string;
  /** wasm only */
  simd?: boolean;
  threads?: number;
  customKernels: string[];
  numTensors: number;
  numBytes: number;
}

/** What is running now, for logs and the about box. */
export function engineInfo(): EngineInfo {
  const engine = tf.engine();
  const backend = engine.backendName ?? null;
  const info: EngineInfo = {
    backend,
    tfjsVersion: tf.version_core,
    customKernels: backend === 'wasm' ? customKernels : [],
    numTensors: engine.state.numTensors,
    numBytes: engine.state.numBytes,
  };
  if (backend === 'wasm') {
    info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    info.threads = (require('@tensorflow/tfjs-backend-wasm') as WasmModule).getThreadsCount();
  }
  return info;
}
