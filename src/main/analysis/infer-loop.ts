/**
 * The inference role of the slide-inference worker: checkpoint and engine, tissue mask and tile
 * plan, then batches from the tile readers through onnxruntime, softmaxed and posted to the main
 * thread as they come. Readers work a few batches ahead, so reading and preprocessing overlap
 * inference; the session runs in a worker of its own with the next batch queued behind the one
 * computing, so it never waits on this thread's softmax, storing and posting. Cancel is honoured
 * between batches (the one queued still finishes computing, its results dropped).
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { TileGrid } from '../../shared/contract/analysis.js';
import { loadCheckpoint } from '../ml/models/checkpoint.js';
import { modelInputSize } from '../ml/models/processors.js';
import { OnnxEngine, type RunResult } from '../ml/onnx/session.js';
import { sessionInWorker } from '../ml/onnx/session-placement.js';
import { openSlide } from '../slides/open-slide.js';
import type { SlideReader } from '../slides/reader.js';
import { argmax, softmax } from './probs.js';
import { detectSlideTissue } from './slide-tissue.js';
import { gridTiles, planGrid, type Tile } from './tiling.js';
import { spawnSlideInferWorker } from '../workers/entry.js';
import { embeddingBackboneHash, logitsFromEmbedding } from '../ml/head/head-checkpoint.js';
import { embedderKey } from '../ml/infer/embedding-store.js';
import { TileEmbeddings, tileStoreName } from '../ml/infer/tile-embeddings.js';
import { errorFromWire, errorToWire, type ControlMessage, type InferJob, type InferMessage, type ReaderMessage, type ReaderSetup, type ReadJob, type ReadReply, type TileResult } from './worker-protocol.js';

/** Tile readers as one source of batches, in request order. */
class ReaderPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve(p: Float32Array): void; reject(e: Error): void }>();
  private readonly ready = new Map<number, Float32Array | Error>();

  private readonly exited = new Set<Worker>();

  constructor(job: ReadJob, count: number) {
    for (let i = 0; i < count; i++) {
      const w = spawnSlideInferWorker(job);
      w.on('message', (m: ReadReply) => this.settle(m.id, m.type === 'batch' ? m.pixels : errorFromWire(m)));
      w.on('error', (e) => this.failAll(e));
      w.on('exit', (code) => {
        this.exited.add(w);
        if (code !== 0) this.failAll(new Error(`a tile reader stopped (exit code ${code})`));
      });
      this.workers.push(w);
    }
  }

  setup(s: Omit<ReaderSetup, 'type'>): void {
    for (const w of this.workers) w.postMessage({ type: 'setup', ...s } satisfies ReaderSetup);
  }

  private settle(id: number, v: Float32Array | Error): void {
    const w = this.waiting.get(id);
    if (!w) return void this.ready.set(id, v);
    this.waiting.delete(id);
    if (v instanceof Error) w.reject(v);
    else w.resolve(v);
  }

  private failAll(e: Error): void {
    for (const [id] of this.waiting) this.settle(id, e);
    this.broken = e;
  }
  private broken: Error | null = null;

  request(id: number, tiles: Tile[]): void {
    this.workers[id % this.workers.length]!.postMessage({ type: 'read', id, tiles: tiles.map((t) => ({ x: t.x, y: t.y })) });
  }

  take(id: number): Promise<Float32Array> {
    const v = this.ready.get(id);
    if (v !== undefined) {
      this.ready.delete(id);
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v);
    }
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /**
   * Lets each reader finish the reads it has started, close its slide and exit. Never
   * terminate(): a native read completing in a thread being torn down aborts the process.
   */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (this.exited.has(w)) return resolve();
            w.once('exit', () => resolve());
            w.postMessage({ type: 'close' } satisfies ReaderMessage);
          }),
      ),
    );
  }
}

export async function runInference(job: InferJob, port: MessagePort): Promise<void> {
  const post = (m: InferMessage) => port.postMessage(m);
  let cancelled = false;
  const onControl = (m: ControlMessage) => {
    if (m.type === 'cancel') cancelled = true;
  };
  port.on('message', onControl);
  let slide: SlideReader | null = null;
  let engine: OnnxEngine | null = null;
  let pool: ReaderPool | null = null;
  let store: TileEmbeddings | null = null;
  try {
    // Tile readers start first: their start-up overlaps checkpoint loading and tissue detection.
    pool = new ReaderPool({ role: 'read', slidePath: job.slidePath, slideCacheDir: job.slideCacheDir }, Math.max(1, job.readers));
    const [ck, opened] = await Promise.all([loadCheckpoint(job.model), openSlide(job.slidePath, { cacheDir: job.slideCacheDir })]);
    slide = opened;
    if (ck.hash !== job.expectedHash) throw new Error(`the checkpoint ${job.model} changed since the analysis was set up; start a new analysis`);
    const size = modelInputSize(ck.preprocessor);
    if (size.width !== size.height) throw new Error(`the model takes ${size.width}x${size.height} images; slide tiles are square`);
    // Tile embeddings of this slide by this model's backbone, when an earlier analysis stored them
    store = job.embeddings
      ? new TileEmbeddings(
          job.embeddings.root,
          tileStoreName({ slideHash: job.embeddings.slideHash, embedder: embedderKey(embeddingBackboneHash(ck), ck.stain, job.precision), slideMpp: job.slideMpp, targetMpp: job.targetMpp, overlap: job.overlap, tileSize: size.height }),
        )
      : null;
    const stored = store?.exists() ? await store.load() : new Map<string, Float32Array>();
    const startEngine = () => {
      // loaded before the tiles are counted; a slide's job is thousands of tiles, always a long one
      const p = OnnxEngine.load(ck, { cacheDir: job.engineCacheDir, chunkSize: job.batchSize, precision: job.precision ?? 'fp32', worker: sessionInWorker(Number.POSITIVE_INFINITY), ...(job.threads ? { threads: job.threads } : {}), ...(job.executionProviders ? { executionProviders: job.executionProviders } : {}) });
      p.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
      return p;
    };
    // loaded while the tissue is found, unless the stored embeddings may make it unnecessary
    let enginePromise: Promise<OnnxEngine> | null = stored.size ? null : startEngine();

    const tissue = await detectSlideTissue(slide, job.slideMpp, job.tissue, job.imageType ?? null);
    const geometry = planGrid(slide.metadata, job.slideMpp, job.targetMpp, size.height, job.overlap);
    const all = gridTiles(geometry, tissue);
    const selected = all.filter((t) => t.tissue >= job.minTissue);
    const grid: TileGrid = { ...geometry, tiles: all.length, tissueTiles: selected.length };
    const done = new Set(job.done);
    const allTodo = selected.filter((t) => !done.has(`${t.x},${t.y}`));
    post({ type: 'plan', grid, todo: allTodo.length });
    slide.close();
    slide = null;

    // tiles already embedded: the head alone, no pixels, no backbone
    const t0 = performance.now();
    const reusable = allTodo.filter((t) => stored.has(`${t.x},${t.y}`));
    const toLogits = reusable.length ? logitsFromEmbedding(ck) : () => new Float32Array();
    for (let i = 0; i < reusable.length && !cancelled; i += 256) {
      post({
        type: 'tiles',
        tiles: reusable.slice(i, i + 256).map((t) => {
          const probs = softmax(toLogits(stored.get(`${t.x},${t.y}`)!));
          return { ...t, label: argmax(probs), probs };
        }),
      });
    }
    const reused = cancelled ? 0 : reusable.length;
    const todo = allTodo.filter((t) => !stored.has(`${t.x},${t.y}`));
    if (todo.length === 0 || cancelled) {
      post({ type: 'finished', cancelled, seconds: (performance.now() - t0) / 1000, waitSeconds: 0, tiles: reused, reused, embedded: 0 });
      return;
    }

    const batches: Tile[][] = [];
    for (let i = 0; i < todo.length; i += job.batchSize) batches.push(todo.slice(i, i + job.batchSize));
    const ahead = Math.max(1, job.prefetch);
    // Readers read ahead while the engine is still loading.
    pool.setup({ preprocessor: ck.preprocessor, stain: ck.stain, level: geometry.level, readSize: geometry.readSize, inputSize: size.height });
    for (let b = 0; b < Math.min(ahead, batches.length); b++) pool.request(b, batches[b]!);
    engine = await (enginePromise ??= startEngine());
    post({ type: 'engine', provider: engine.provider, ...(engine.fallbackReason ? { fallbackReason: engine.fallbackReason } : {}) });
    if (engine.inputShape[1] !== size.height) throw new Error(`the engine takes ${engine.inputShape[1]} px, the processor makes ${size.height}`);
    const ready = engine;
    const readers = pool;
    // The engine waited for batch b from when it finished b-1 (or was ready) until b's pixels came.
    const readyAt = performance.now();
    const pixelsAt: number[] = [];
    const doneAt: number[] = [];
    const submit = async (b: number): Promise<RunResult> => {
      const pixels = await readers.take(b);
      pixelsAt[b] = performance.now();
      if (b + ahead < batches.length) readers.request(b + ahead, batches[b + ahead]!);
      const out = await ready.run(pixels, batches[b]!.length, { transfer: true }); // readers send a fresh buffer per batch
      doneAt[b] = performance.now();
      return out;
    };
    const inFlight: Promise<RunResult>[] = [];
    const launch = (b: number) => {
      const p = submit(b);
      p.catch(() => {}); // awaited in order below; one failing early must not go unhandled meanwhile
      inFlight.push(p);
    };
    for (let b = 0; b < Math.min(2, batches.length); b++) launch(b);
    let classified = 0;
    for (let b = 0; b < batches.length && !cancelled; b++) {
      const batch = batches[b]!;
      const out = await inFlight.shift()!;
      if (b + 2 < batches.length && !cancelled) launch(b + 2);
      const tiles: TileResult[] = batch.map((t, i) => {
        const probs = softmax(out.logits[i]!);
        return { ...t, label: argmax(probs), probs };
      });
      // stored before they are posted: a tile the database holds always has its embedding kept
      for (let i = 0; i < batch.length; i++) await store?.add(batch[i]!.x, batch[i]!.y, out.features[i]!);
      post({ type: 'tiles', tiles });
      classified += batch.length;
    }
    await store?.flush();
    let waited = 0;
    for (let b = 0; b < doneAt.length; b++) if (doneAt[b] !== undefined) waited += Math.max(0, pixelsAt[b]! - (b ? (doneAt[b - 1] ?? readyAt) : readyAt));
    post({ type: 'finished', cancelled, seconds: (performance.now() - t0) / 1000, waitSeconds: waited / 1000, tiles: classified + reused, reused, embedded: classified });
  } catch (e) {
    post({ type: 'error', ...errorToWire(e) });
  } finally {
    await store?.close().catch(() => undefined); // a cache: failing to keep it loses nothing
    slide?.close();
    await pool?.close();
    await engine?.dispose();
    port.off('message', onControl); // lets the thread end
  }
}
