/**
 * Slide inference from the main thread: starts the worker (which opens its own slide reader and
 * engine), relays its plan and tile results, and cancels it on request. Knows nothing of the
 * database; run-analysis.ts stores what comes out.
 */
import type { TileGrid } from '../../shared/contract/analysis.js';
import { spawnSlideInferWorker } from '../workers/entry.js';
import { errorFromWire, type ControlMessage, type InferJob, type InferMessage, type TileResult } from './worker-protocol.js';

export interface SlideInferenceCallbacks {
  onPlan?(grid: TileGrid, todo: number): void;
  onTiles?(tiles: TileResult[]): void;
  /** The engine's provider once it is loaded (not at all when every tile came from stored embeddings). */
  onEngine?(provider: string, fallbackReason: string | undefined): void;
}

export interface SlideInferenceOutcome {
  cancelled: boolean;
  /**
   * Inference seconds, from the tile plan to the last result (so they include whatever of the
   * engine load tissue detection did not cover, and onnxruntime's slower first run); of which the
   * engine, once ready, waited for tiles; and tiles classified in this run.
   */
  seconds: number;
  waitSeconds: number;
  tiles: number;
  /** Of `tiles`: classified from stored backbone embeddings (no backbone run), and run through the backbone. */
  reused: number;
  embedded: number;
}

export interface SlideInferenceRun {
  done: Promise<SlideInferenceOutcome>;
  /** Asks the worker to stop after the batch in flight. */
  cancel(): void;
}

/** How long a worker that has reported its outcome gets to finish its reads and exit. */
const EXIT_GRACE_MS = 30_000;

export const INFER_DEFAULTS = { batchSize: 8, readers: 1, prefetch: 3 };

export function startSlideInference(job: Omit<InferJob, 'role' | 'batchSize' | 'readers' | 'prefetch'> & Partial<Pick<InferJob, 'batchSize' | 'readers' | 'prefetch'>>, callbacks: SlideInferenceCallbacks = {}): SlideInferenceRun {
  const workerData: InferJob = { ...INFER_DEFAULTS, ...job, role: 'infer' };
  const worker = spawnSlideInferWorker(workerData);
  let settled = false;
  let cancelRequested = false;
  const done = new Promise<SlideInferenceOutcome>((resolve, reject) => {
    // The outcome is known from the worker's last message, but reported only once the worker has
    // exited: its tile readers may still have native (OpenSlide) reads in flight, and a host that
    // exits or tears the thread down under them aborts the whole process (napi_throw).
    let outcome: (() => void) | null = null;
    let grace: NodeJS.Timeout | undefined;
    const report = () => {
      if (settled || !outcome) return;
      settled = true;
      clearTimeout(grace);
      outcome();
    };
    const decide = (f: () => void) => {
      if (outcome) return;
      outcome = f;
      // A worker that never exits must not hold the caller forever.
      grace = setTimeout(report, EXIT_GRACE_MS);
      grace.unref();
    };
    worker.on('message', (m: InferMessage) => {
      if (outcome) return;
      try {
        if (m.type === 'plan') callbacks.onPlan?.(m.grid, m.todo);
        else if (m.type === 'tiles') callbacks.onTiles?.(m.tiles);
        else if (m.type === 'engine') callbacks.onEngine?.(m.provider, m.fallbackReason);
        else if (m.type === 'finished') decide(() => resolve({ cancelled: m.cancelled, seconds: m.seconds, waitSeconds: m.waitSeconds, tiles: m.tiles, reused: m.reused ?? 0, embedded: m.embedded ?? m.tiles }));
        else if (m.type === 'error') decide(() => reject(Object.assign(errorFromWire(m), { workerStack: m.stack })));
      } catch (e) {
        // A callback failed (e.g. the database, the disk full): stop the worker, report that failure.
        decide(() => reject(e));
        worker.postMessage({ type: 'cancel' } satisfies ControlMessage);
      }
    });
    worker.on('error', (e) => decide(() => reject(e)));
    worker.on('exit', (code) => {
      if (cancelRequested) decide(() => resolve({ cancelled: true, seconds: 0, waitSeconds: 0, tiles: 0, reused: 0, embedded: 0 }));
      else decide(() => reject(new Error(`the slide inference worker stopped unexpectedly (exit code ${code})`)));
      report();
    });
  });
  return {
    done,
    // Cooperative only: terminate() while a native slide read is in flight aborts the whole
    // process, so the worker is asked, and stops after the batch it is running.
    cancel() {
      if (settled || cancelRequested) return;
      cancelRequested = true;
      worker.postMessage({ type: 'cancel' } satisfies ControlMessage);
    },
  };
}
