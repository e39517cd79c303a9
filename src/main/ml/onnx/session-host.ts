/**
 * Where an OnnxEngine's onnxruntime session lives: in the caller's thread (inline), or in a
 * worker thread of its own, so that the caller's thread keeps decoding and preprocessing while
 * the session computes (session-protocol.ts says why that matters).
 */
import type { Transferable, Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DomainError, oneLine } from '../../errors.js';
import { spawnWorkerThread } from '../../workers/entry.js';
import { runChunks } from './chunked-run.js';
import type { ChunkedRun, ChunkOutput, FromSessionWorker, ToSessionWorker } from './session-protocol.js';

export interface SessionHost {
  /** Opens (or replaces) the session on `path`; rejects when onnxruntime does. */
  open(path: string, options: ort.InferenceSession.SessionOptions): Promise<void>;
  /**
   * One chunked forward pass. `transfer`: the caller is done with `r.pixels`, which a worker
   * then takes without a copy (its buffer is detached here).
   */
  run(r: ChunkedRun, transfer: boolean): Promise<ChunkOutput[]>;
  release(): Promise<void>;
}

export class InlineSessionHost implements SessionHost {
  private session: ort.InferenceSession | null = null;

  async open(path: string, options: ort.InferenceSession.SessionOptions): Promise<void> {
    const s = await ort.InferenceSession.create(path, options);
    await this.session?.release();
    this.session = s;
  }

  run(r: ChunkedRun): Promise<ChunkOutput[]> {
    if (!this.session) return Promise.reject(new Error('OnnxEngine has been disposed'));
    return runChunks(this.session, r);
  }

  async release(): Promise<void> {
    const s = this.session;
    this.session = null;
    await s?.release();
  }
}

/**
 * How long dispose() waits for a released worker to free its session and exit. A worker still
 * there then is left alone (unreferenced, it does not hold the process): terminate() while
 * onnxruntime is inside `run` would abort the whole process.
 */
const RELEASE_GRACE_MS = 30_000;

/** Every worker host alive in this process, for settleSessionRuns(). */
const hosts = new Set<WorkerSessionHost>();

/**
 * Resolves once no session worker has a run in flight. A process must not exit before: exiting
 * tears the worker threads down, and one torn down inside onnxruntime's `run` crashes the process
 * (a segfault instead of the one-line error the CLI was about to end with). Idle workers are fine.
 */
export async function settleSessionRuns(): Promise<void> {
  await Promise.all([...hosts].map((h) => h.idle()));
}

export class WorkerSessionHost implements SessionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: FromSessionWorker): void; reject(e: Error): void }>();
  private nextId = 0;
  private gone: DomainError | null = null;
  private released = false;
  private readonly exited: Promise<void>;
  private idleWaiters: (() => void)[] = [];

  /** `label` names the model in errors (the graph file). */
  constructor(private readonly label: string) {
    this.worker = spawnWorkerThread('onnx-session-worker', null);
    this.worker.unref(); // an idle session never holds the process open; a run in flight does
    hosts.add(this);
    this.worker.on('message', (m: FromSessionWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'failed') p.reject(new Error(m.message));
      else p.resolve(m);
      if (!this.pending.size) this.becameIdle();
    });
    this.worker.on('error', (e) => this.die(`the onnxruntime worker failed (${oneLine(e.message)})`));
    this.exited = new Promise((resolve) =>
      this.worker.on('exit', (code) => {
        if (!this.released || this.pending.size) this.die(`the onnxruntime worker stopped unexpectedly (exit code ${code})`);
        hosts.delete(this);
        this.becameIdle();
        resolve();
      }),
    );
  }

  /** Ends the worker as a crash would, mid-run if one is in progress (for tests: it must fail cleanly). */
  crashForTests(code = 70): void {
    this.worker.postMessage({ type: 'exit', code } satisfies ToSessionWorker);
  }

  /** Every caller waiting, and every later one, gets one error naming the model. */
  private die(reason: string): void {
    if (this.gone) return;
    this.gone = new DomainError('internal', `${basename(this.label)}: ${reason}`);
    for (const p of this.pending.values()) p.reject(this.gone);
    this.pending.clear();
    this.becameIdle();
  }

  private becameIdle(): void {
    this.worker.unref();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when no run is in flight in this worker. */
  idle(): Promise<void> {
    if (!this.pending.size) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private send(m: ToSessionWorker & { id: number }, transfer: Transferable[] = []): Promise<FromSessionWorker> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.released) return Promise.reject(new Error('OnnxEngine has been disposed'));
    return new Promise((resolve, reject) => {
      this.pending.set(m.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(m, transfer);
    });
  }

  async open(path: string, options: ort.InferenceSession.SessionOptions): Promise<void> {
    await this.send({ type: 'open', id: this.nextId++, path, options });
  }

  async run(r: ChunkedRun, transfer: boolean): Promise<ChunkOutput[]> {
    const own = r.pixels.buffer instanceof ArrayBuffer && r.pixels.byteOffset === 0 && r.pixels.byteLength === r.pixels.buffer.byteLength;
    // A view into a larger buffer is cloned with all of that buffer: send only its own floats.
    const pixels = own ? r.pixels : r.pixels.slice();
    const m = await this.send({ type: 'run', id: this.nextId++, ...r, pixels }, transfer || !own ? [pixels.buffer as ArrayBuffer] : []);
    if (m.type !== 'ran') throw new Error(`unexpected reply ${m.type} from the onnxruntime worker`);
    return m.chunks;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.gone) return;
    this.worker.postMessage({ type: 'release' } satisfies ToSessionWorker);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (grace = setTimeout(resolve, RELEASE_GRACE_MS)))]);
    clearTimeout(grace);
  }
}
