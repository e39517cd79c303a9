/**
 * Messages between an OnnxEngine and the worker thread that holds its onnxruntime session
 * (session-worker.ts). onnxruntime-node's `run` is synchronous under its promise (a setImmediate
 * around the native call), so a session in the caller's thread freezes that thread for the whole
 * forward pass; in a worker, the caller decodes and preprocesses the next batch meanwhile.
 * Pixels and outputs cross as transferred buffers, never copied.
 */
import type { InferenceSession } from 'onnxruntime-node';

/** One forward pass over `n` images of `shape` (C, H, W), in chunks of `chunkSize` images. */
export interface ChunkedRun {
  pixels: Float32Array;
  n: number;
  shape: readonly [number, number, number];
  chunkSize: number;
  outputs: string[];
}

/** One chunk's outputs: `m` images, each output [m, ...] row-major. */
export interface ChunkOutput {
  m: number;
  out: Record<string, Float32Array>;
}

export type ToSessionWorker =
  | { type: 'open'; id: number; path: string; options: InferenceSession.SessionOptions }
  | ({ type: 'run'; id: number } & ChunkedRun)
  | { type: 'release' }
  /**
   * Ends the thread at once, between two chunks of a run in progress, as a crash would. Never
   * worker.terminate() instead: stopping the thread while onnxruntime is inside `run` aborts the
   * whole process (a native exception thrown with no JS left to take it).
   */
  | { type: 'exit'; code: number };

export type FromSessionWorker =
  | { type: 'opened'; id: number }
  | { type: 'ran'; id: number; chunks: ChunkOutput[] }
  | { type: 'failed'; id: number; message: string };
