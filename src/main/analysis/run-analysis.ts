/**
 * Runs one stored analysis: claims it for this process, starts the worker with the tiles already
 * stored marked done (so a cancelled or crashed run resumes where it stopped), stores each batch
 * of tile predictions as it arrives, and finishes with the slide-level summary.
 */
import { join } from 'node:path';
import type { Analysis, AnalysisProgress, AnalysisSummary } from '../../shared/contract/analysis.js';
import type { HomeLayout } from '../home.js';
import type { AnalysisRepo } from '../store/analysis-repo.js';
import type { SlidesRepo } from '../store/slides-repo.js';
import { aggregate } from './aggregate.js';
import { startSlideInference, type SlideInferenceOutcome } from './slide-infer.js';
import { processAlive } from '../process-alive.js';
import { embeddingCacheRoot } from '../ml/infer/embedding-store.js';

/** A running analysis whose heartbeat is older than this belongs to a process that died. */
export const STALE_SECONDS = 60;
const HEARTBEAT_MS = 10_000;

export interface RunDeps {
  repo: AnalysisRepo;
  slidesRepo: SlidesRepo;
  home: HomeLayout;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?(p: AnalysisProgress): void;
  batchSize?: number;
  readers?: number;
  prefetch?: number;
  threads?: number;
  /** onnxruntime providers in order (the chosen one; cpu is the fallback). Default cpu. */
  providers?: string[];
  /** Why `providers` is not what the user pinned (a pin that cannot load here), kept with the summary. */
  providerNote?: string;
}

export interface RunResult {
  analysis: Analysis;
  cancelled: boolean;
  /** Wall-clock seconds of this call, tiles classified by it, and their rate over inference time. */
  seconds: number;
  tiles: number;
  tilesPerSecond: number;
  /** Fraction of inference time the engine waited for tiles (0 when reading keeps ahead). */
  engineWaitFraction: number;
  /** Of `tiles`: classified from the slide's stored backbone embeddings, and embedded by the backbone now. */
  tilesReused?: number;
  tilesEmbedded?: number;
}

export class AnalysisBusyError extends Error {
  constructor(id: number, pid: number | null) {
    super(`analysis ${id} is being run by another process${pid ? ` (pid ${pid})` : ''}`);
    this.name = 'AnalysisBusyError';
  }
}

export function engineCacheDir(home: HomeLayout): string {
  return join(home.models, 'onnx');
}

/** Why the queue aborts a run when its host shuts down: the run ends interrupted, to resume at the next start. */
export const HOST_STOPPING = 'host-stopping';

/**
 * Marks running rows (all, or only `onlyId`) as interrupted when their process is gone (same
 * machine) or silent too long. Returns their ids.
 */
export function recoverCrashed(repo: AnalysisRepo, onlyId?: number): number[] {
  const ids = new Set(repo.staleRunning(STALE_SECONDS));
  for (const a of repo.list({ status: 'running' })) {
    const pid = repo.internals(a.id)?.pid;
    if (pid && pid !== process.pid && !processAlive(pid)) ids.add(a.id);
  }
  // A row this process owns is never taken from it (its heartbeat may lag behind a busy loop).
  const gone = [...ids].filter((id) => (onlyId === undefined || id === onlyId) && repo.internals(id)?.pid !== process.pid);
  for (const id of gone) repo.markInterrupted(id);
  return gone;
}

export function summarize(repo: AnalysisRepo, id: number, labels: string[], seconds: number, engine?: { provider: string; fallbackReason?: string }): AnalysisSummary {
  const tiles = repo.predictions(id);
  const label = aggregate(tiles, labels);
  return {
    ...label,
    seconds,
    tilesPerSecond: seconds > 0 ? tiles.length / seconds : 0,
    ...(engine ? { provider: engine.provider, ...(engine.fallbackReason ? { providerNote: engine.fallbackReason } : {}) } : {}),
  };
}

export async function runAnalysis(deps: RunDeps, id: number, opts: RunOptions = {}): Promise<RunResult> {
  const { repo } = deps;
  const started = performance.now();
  const before = repo.internals(id);
  const analysis = repo.get(id);
  if (!before || !analysis) throw new Error(`no analysis with id ${id}`);
  if (analysis.status === 'running' && before.pid && before.pid !== process.pid && !processAlive(before.pid)) repo.markInterrupted(id);
  if (!repo.claim(id, process.pid, STALE_SECONDS)) throw new AnalysisBusyError(id, before.pid);

  const model = repo.model(before.modelId)!;
  const slide = deps.slidesRepo.get(analysis.slideId);
  const progress = (status: AnalysisProgress['status'], rate: number | null, message?: string) => {
    const a = repo.get(id)!;
    const eta = rate && a.total !== null ? Math.max(0, a.total - a.done) / rate : null;
    opts.onProgress?.({ analysisId: id, slideId: a.slideId, status, done: a.done, total: a.total, tilesPerSecond: rate, etaSeconds: eta, ...(message ? { message } : {}) });
  };
  const heartbeat = setInterval(() => {
    try {
      repo.heartbeat(id, process.pid);
    } catch {
      // The database closed under a run (the host is shutting down): the next start resumes it.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let outcome: SlideInferenceOutcome;
  let engine: { provider: string; fallbackReason?: string } | undefined;
  try {
    if (!slide) throw new Error(`the slide of analysis ${id} is no longer in the library`);
    progress('running', null, 'planning tiles');
    let firstTiles = 0;
    let classified = 0;
    const run = startSlideInference(
      {
        slidePath: slide.path,
        slideCacheDir: deps.home.slideCache,
        slideMpp: before.params.slideMpp,
        model: model.dir,
        expectedHash: model.hash,
        engineCacheDir: engineCacheDir(deps.home),
        targetMpp: before.params.targetMpp,
        overlap: before.params.overlap,
        minTissue: before.params.minTissue,
        tissue: before.params.tissue,
        imageType: slide.imageType,
        done: repo.doneKeys(id),
        embeddings: { root: embeddingCacheRoot(deps.home.root), slideHash: slide.contentHash },
        ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
        ...(opts.readers ? { readers: opts.readers } : {}),
        ...(opts.prefetch ? { prefetch: opts.prefetch } : {}),
        ...(opts.threads ? { threads: opts.threads } : {}),
        ...(before.params.precision ? { precision: before.params.precision } : {}),
        ...(opts.providers?.length ? { executionProviders: opts.providers } : {}),
      },
      {
        onPlan: (grid) => {
          repo.setGrid(id, grid);
          progress('running', null, 'classifying tiles');
        },
        onEngine: (provider, fallbackReason) => {
          const why = fallbackReason ?? opts.providerNote;
          engine = { provider, ...(why ? { fallbackReason: why } : {}) };
        },
        onTiles: (tiles) => {
          firstTiles ||= performance.now();
          repo.insertPredictions(id, tiles);
          classified += tiles.length;
          const elapsed = (performance.now() - firstTiles) / 1000;
          progress('running', elapsed > 0.5 ? classified / elapsed : null);
        },
      },
    );
    const onAbort = () => run.cancel();
    if (opts.signal?.aborted) run.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      outcome = await run.done;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  } catch (e) {
    clearInterval(heartbeat);
    if (repo.db.open) {
      repo.finish(id, process.pid, 'failed', (e as Error).message);
      progress('failed', null, (e as Error).message);
    }
    throw e;
  }
  clearInterval(heartbeat);
  const totalSeconds = repo.addSeconds(id, outcome.seconds);
  const after = repo.get(id)!;
  const complete = !outcome.cancelled && after.total !== null && after.done >= after.total;
  const missing = !outcome.cancelled && !complete ? `the worker finished with ${after.done} of ${after.total ?? '?'} tiles stored` : null;
  // a run that only reused stored embeddings loaded no engine: the provider an earlier run recorded stands
  const ranOn = engine ?? (analysis.summary?.provider ? { provider: analysis.summary.provider, ...(analysis.summary.providerNote ? { fallbackReason: analysis.summary.providerNote } : {}) } : undefined);
  if (complete) repo.setSummary(id, summarize(repo, id, model.labels, totalSeconds, ranOn));
  const status = complete ? 'completed' : missing ? 'failed' : opts.signal?.reason === HOST_STOPPING ? 'interrupted' : 'cancelled';
  repo.finish(id, process.pid, status, missing);
  progress(status, outcome.seconds > 0 ? outcome.tiles / outcome.seconds : null, missing ?? undefined);
  return {
    analysis: repo.get(id)!,
    cancelled: !complete,
    seconds: (performance.now() - started) / 1000,
    tiles: outcome.tiles,
    tilesPerSecond: outcome.seconds > 0 ? outcome.tiles / outcome.seconds : 0,
    engineWaitFraction: outcome.seconds > 0 ? outcome.waitSeconds / outcome.seconds : 0,
    tilesReused: outcome.reused,
    tilesEmbedded: outcome.embedded,
  };
}
