/**
 * Messages between the main thread, the slide-inference worker and its tile readers. The
 * worker entry (src/main/workers/slide-infer-worker.ts) takes its role from workerData:
 * 'infer' (a slide analysis), 'read' (tile reader of an 'infer' worker) or 'explain'.
 */
import type { ExplainResult, TileGrid, TissueParams } from '../../shared/contract/analysis.js';
import type { PreprocessorConfig } from '../ml/models/processors.js';
import type { StainParams } from '../ml/preprocess/stain.js';
import type { Precision } from '../ml/emit/quantize.js';
import type { PredictionRow } from '../store/analysis-repo.js';
import { DomainError, toDomainError, type ErrorKind } from '../errors.js';

/** What the inference worker is started with. */
export interface InferJob {
  role: 'infer';
  slidePath: string;
  /** The slide library's cache folder (converted copies of large plain images). */
  slideCacheDir: string;
  slideMpp: number;
  /** Checkpoint folder or built-in name, and the content hash it must still have. */
  model: string;
  expectedHash: string;
  /** Where built ONNX models are kept. */
  engineCacheDir: string;
  targetMpp: number;
  overlap: number;
  minTissue: number;
  tissue: TissueParams;
  /** The slide's image type: fluorescence tissue is signal over a dark background. */
  imageType?: 'brightfield' | 'fluorescence' | null;
  /** "x,y" of tiles already stored: skipped. */
  done: string[];
  /** Tiles per engine run, tile reader threads, batches read ahead. */
  batchSize: number;
  readers: number;
  prefetch: number;
  /** onnxruntime intra-op threads (default: every core). */
  threads?: number;
  /** The graph's precision (default fp32); int8 tile embeddings are stored apart from fp32 ones. */
  precision?: Precision;
  /** onnxruntime providers in order (default cpu); cpu is the fallback. */
  executionProviders?: string[];
  /** Keep (and reuse) the tiles' backbone embeddings: the embedding cache root and the slide's content hash. */
  embeddings?: { root: string; slideHash: string };
}

export interface ReadJob {
  role: 'read';
  slidePath: string;
  slideCacheDir: string;
}

export type WorkerJob = InferJob | ReadJob | ExplainJob;

/** One classified tile, as the worker posts it and the store keeps it. */
export type TileResult = PredictionRow;

/** Inference worker -> main thread. */
export type InferMessage =
  | { type: 'plan'; grid: TileGrid; todo: number }
  | { type: 'tiles'; tiles: TileResult[] }
  /** The engine is loaded: the provider it runs on, and why not the one asked for when it fell back. */
  | { type: 'engine'; provider: string; fallbackReason?: string }
  /**
   * `seconds`: from the engine being ready to the last result; `waitSeconds`: how much of it the
   * engine spent waiting for tiles; `tiles`: classified in this run.
   */
  | { type: 'finished'; cancelled: boolean; seconds: number; waitSeconds: number; tiles: number; reused?: number; embedded?: number }
  | ({ type: 'error' } & WireError);

/** Main thread -> inference worker. */
export type ControlMessage = { type: 'cancel' };

/** Inference worker -> tile reader, and back. */
export interface ReaderSetup {
  type: 'setup';
  preprocessor: PreprocessorConfig;
  stain: StainParams | null;
  level: number;
  readSize: number;
  inputSize: number;
}
export type ReadRequest = { type: 'read'; id: number; tiles: { x: number; y: number }[] };
export type ReaderMessage = ReaderSetup | ReadRequest | { type: 'close' };
export type ReadReply = { type: 'batch'; id: number; pixels: Float32Array } | ({ type: 'error'; id: number } & WireError);

/** An explanation computed off the main thread (tfjs Grad-CAM and the ViT explain graph are heavy). */
export interface ExplainJob {
  role: 'explain';
  model: string;
  engineCacheDir: string;
  /** An image file, or a region of a slide at the analysis resolution. */
  image?: string;
  slide?: { path: string; slideCacheDir: string; slideMpp: number; targetMpp: number; region: { x: number; y: number; w: number; h: number } };
  target?: string | number;
}

export type ExplainMessage = { type: 'result'; result: ExplainResult } | ({ type: 'error' } & WireError);

/**
 * A failure crossing a thread: its message and domain kind, so the host maps it (HTTP status,
 * exit code) as if it had been thrown at home. Structured clone keeps an Error's message only.
 */
export interface WireError {
  message: string;
  /** Absent for an error of no known kind, which stays a plain Error on the other side. */
  kind?: ErrorKind;
  code?: string;
  stack?: string;
}

export function errorToWire(e: unknown): WireError {
  const d = toDomainError(e);
  const stack = e instanceof Error && e.stack ? { stack: e.stack } : {};
  if (d.kind === 'internal' && !(e instanceof DomainError)) return { message: d.message, ...stack };
  return { message: d.message, kind: d.kind, code: d.code, ...stack };
}

export function errorFromWire(w: WireError): Error {
  return w.kind ? new DomainError(w.kind, w.message, w.code) : new Error(w.message);
}
