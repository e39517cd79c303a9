/** Messages of the UMAP worker (src/main/workers/umap-worker.ts). */
import type { ErrorKind } from '../errors.js';

export interface UmapJob {
  /** Row-major n x dim. */
  data: Float32Array;
  n: number;
  dim: number;
  seed: number;
}

export type UmapMessage =
  | { type: 'progress'; epoch: number; epochs: number }
  | { type: 'result'; coords: Float32Array }
  | { type: 'error'; kind: ErrorKind; message: string };
