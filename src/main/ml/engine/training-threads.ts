/**
 * How many threads training uses here, by part of the network: the layers that learn run on the
 * TensorFlow.js backend (forward and backward), the frozen part on onnxruntime: the backbone of
 * head mode and backbone runs, the first depth − k blocks of last-k mode. Native TensorFlow and
 * onnxruntime use every core; tfjs-backend-wasm runs one thread in Node (its threaded build loads
 * its pthreads from browser Blob URLs, which Node's workers cannot open, and tfjs turns threads
 * off under Node), so on a CPU-only machine without @tensorflow/tfjs-node full training uses one
 * core, last-k computes its frozen blocks on all of them and trains the last k on one, and head
 * mode, whose expensive part is the frozen backbone, uses them all.
 */
import { availableParallelism } from 'node:os';

export interface TrainingThreads {
  cores: number;
  /** Threads that train the network's learning layers (the tfjs backend's). */
  network: number;
  /** Threads that compute the frozen part: head mode's backbone, last-k's first blocks (onnxruntime, every core). */
  frozen: number;
  summary: string;
}

/** Threads a tfjs backend computes with: `wasmThreads` is what tfjs-backend-wasm reports. */
export function tfjsThreads(backend: string | null, wasmThreads?: number): number {
  if (backend === 'tensorflow') return availableParallelism();
  if (backend === 'wasm') return wasmThreads ?? 1;
  return 1;
}

export function threadCount(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}

export function trainingThreads(backend: string | null, wasmThreads?: number): TrainingThreads {
  const cores = availableParallelism();
  const network = tfjsThreads(backend, wasmThreads);
  const frozen = cores;
  const why = backend === 'wasm' && network < cores ? ' (tfjs-backend-wasm has no threads in Node; @tensorflow/tfjs-node would use every core)' : '';
  return {
    cores,
    network,
    frozen,
    summary:
      `full mode trains on ${threadCount(network)} of ${cores} cores${why}; ` +
      `last-k mode computes the frozen blocks on ${threadCount(frozen)} (onnxruntime) and trains the last k on ${threadCount(network)}; ` +
      `head mode and backbone runs compute the frozen backbone on ${threadCount(frozen)} (onnxruntime) and train the head on ${threadCount(network)}`,
  };
}
