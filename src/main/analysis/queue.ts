/**
 * The background queue: analyses with status 'queued' run one after another in this process,
 * in queue_position order. The queue lives in the database, so it survives restarts: at start,
 * runs whose process died are marked interrupted and queued again, and resume from their stored
 * tiles. Several processes may share the database; claiming a row is atomic, so each analysis
 * runs in one of them.
 */
import type { AnalysisRepo } from '../store/analysis-repo.js';
import { AnalysisBusyError, recoverCrashed } from './run-analysis.js';

export type RunOne = (id: number, signal: AbortSignal) => Promise<unknown>;

export class AnalysisQueue {
  private current: { id: number; controller: AbortController; done: Promise<void> } | null = null;
  private stopped = false;

  constructor(
    private readonly repo: AnalysisRepo,
    private readonly runOne: RunOne,
    private readonly onError: (id: number, e: unknown) => void = () => {},
  ) {}

  /** Re-queues what a crash left running, then starts working. */
  start(): void {
    for (const id of recoverCrashed(this.repo)) this.repo.requeue(id);
    this.pump();
  }

  get runningId(): number | null {
    return this.current?.id ?? null;
  }

  /** Starts the next queued analysis unless one is running here. */
  pump(): void {
    if (this.current || this.stopped) return;
    const id = this.repo.nextQueued();
    if (id === null) return;
    const controller = new AbortController();
    const done = this.runOne(id, controller.signal).then(
      () => {},
      (e) => {
        // Another process took it: leave it to that one. Other failures are recorded on the row.
        if (!(e instanceof AnalysisBusyError)) this.onError(id, e);
      },
    );
    this.current = { id, controller, done };
    void done.finally(() => {
      this.current = null;
      // Defer, so a synchronous failure loop (e.g. a broken queued row) cannot starve the event loop.
      setImmediate(() => this.pump());
    });
  }

  /** Stops a running analysis (and waits for it to wind down) or takes a queued one out of the queue. */
  async cancel(id: number): Promise<boolean> {
    if (this.current?.id === id) {
      const { controller, done } = this.current;
      controller.abort();
      await done;
      return true;
    }
    return this.repo.cancelQueued(id);
  }

  /** Stops taking work and cancels the running analysis (it stays resumable). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.current) await this.cancel(this.current.id);
  }
}
