/**
 * The background queue: analyses with status 'queued' run one after another in this process,
 * in queue_position order. The queue lives in the database, so it survives restarts. Only a
 * long-running host starts it (services.ts): a short-lived CLI command may add to the queue but
 * never takes work from it, or an analysis would be claimed by a process about to exit. At start,
 * runs whose process died are marked interrupted and queued again, and resume from their stored
 * tiles. Several processes may share the database; claiming a row is atomic, so each analysis
 * runs in one of them.
 */
import type { AnalysisRepo } from '../store/analysis-repo.js';
import { AnalysisBusyError, HOST_STOPPING, recoverCrashed } from './run-analysis.js';

export type RunOne = (id: number, signal: AbortSignal) => Promise<unknown>;

export class AnalysisQueue {
  private current: { id: number; controller: AbortController; done: Promise<void> } | null = null;
  private state: 'idle' | 'started' | 'stopped' = 'idle';

  constructor(
    private readonly repo: AnalysisRepo,
    private readonly runOne: RunOne,
    private readonly onError: (id: number, e: unknown) => void = () => {},
  ) {}

  /**
   * Takes over what dead processes left: their running analyses become interrupted, and every
   * interrupted analysis is queued again (it resumes from its stored tiles). Then starts working.
   * Returns the ids queued again.
   */
  start(): number[] {
    if (this.state !== 'idle') return [];
    recoverCrashed(this.repo);
    const resumed = this.repo.list({ status: 'interrupted' }).map((a) => a.id);
    for (const id of resumed) this.repo.requeue(id);
    this.state = 'started';
    this.pump();
    return resumed;
  }

  /** Whether this process takes work from the queue. */
  get started(): boolean {
    return this.state === 'started';
  }

  get runningId(): number | null {
    return this.current?.id ?? null;
  }

  /** Starts the next queued analysis unless one is running here or the queue is not started. */
  pump(): void {
    if (this.current || this.state !== 'started') return;
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

  /**
   * Stops a running analysis here (and waits for it to wind down), or takes a queued or
   * interrupted one out of the queue (a running one whose process died counts as interrupted).
   */
  async cancel(id: number): Promise<boolean> {
    if (this.current?.id === id) {
      const { controller, done } = this.current;
      controller.abort();
      await done;
      return true;
    }
    recoverCrashed(this.repo, id);
    return this.repo.cancelIdle(id);
  }

  /** Stops taking work and stops the running analysis: it ends interrupted, and the next start resumes it. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (!this.current) return;
    const { controller, done } = this.current;
    controller.abort(HOST_STOPPING);
    await done;
  }
}
