/**
 * Rows of `runs` and `run_metrics`. Metrics are upserted (one row per run, epoch, step, split and
 * name), so an epoch that is trained again after a resume replaces its rows instead of adding
 * a second set. The worker process writes here directly; WAL lets the app read meanwhile.
 */
import type { MetricPoint, ResolvedTrainConfig, RunDetail, RunFinal, RunStatus, RunSummary, TrainingProgress } from '../../shared/contract/training.js';
import type { Db } from './db.js';

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

interface RawRun {
  id: number;
  name: string | null;
  dataset_id: number | null;
  dataset_name: string | null;
  arch: string;
  init: string | null;
  mode: RunSummary['mode'];
  config_json: string;
  labels_json: string;
  backend: string | null;
  status: RunStatus;
  error: string | null;
  pid: number | null;
  heartbeat_at: string | null;
  epochs: number;
  epochs_completed: number;
  best_metric: number | null;
  best_epoch: number | null;
  best_dir: string | null;
  last_dir: string | null;
  out_dir: string | null;
  seconds: number;
  final_json: string | null;
  progress_json: string | null;
  skipped_json: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface NewRun {
  name: string | null;
  datasetId: number;
  datasetName: string;
  arch: string;
  init: string | null;
  config: ResolvedTrainConfig;
  labels: string[];
  /** The process that queued the run (until a worker claims it). */
  pid: number;
  skipped: { path: string; reason: string }[];
}

export interface EpochRecord {
  epoch: number;
  /** name -> value; names are `<split>_<metric>` (train_loss, val_accuracy, ...). */
  metrics: Record<string, number>;
}

export function splitOf(name: string): { split: 'train' | 'val' | 'test'; metric: string } {
  const m = /^(train|val|test)_(.+)$/.exec(name);
  if (!m) return { split: 'train', metric: name };
  return { split: m[1] as 'train' | 'val' | 'test', metric: m[2] };
}

/** Progress is only the truth while the run is under way; a stale row of an ended run says nothing. */
function storedProgress(r: Pick<RawRun, 'status' | 'progress_json'>): TrainingProgress | null {
  if (!r.progress_json || (r.status !== 'running' && r.status !== 'queued')) return null;
  return JSON.parse(r.progress_json) as TrainingProgress;
}

export class RunsRepo {
  constructor(private readonly db: Db) {}

  /** False once the data home has been closed (the app or CLI is shutting down). */
  isOpen(): boolean {
    return this.db.open;
  }

  create(r: NewRun): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (name, dataset_id, dataset_name, arch, init, mode, config_json, labels_json, status, pid, heartbeat_at, epochs, skipped_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ${NOW}, ?, ?)`,
      )
      .run(r.name, r.datasetId, r.datasetName, r.arch, r.init, r.config.mode, JSON.stringify(r.config), JSON.stringify(r.labels), r.pid, r.config.epochs, JSON.stringify(r.skipped));
    return Number(info.lastInsertRowid);
  }

  private raw(id: number): RawRun | null {
    return (this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RawRun | undefined) ?? null;
  }

  private summary(r: RawRun): RunSummary {
    const config = JSON.parse(r.config_json) as ResolvedTrainConfig;
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      arch: r.arch,
      init: r.init,
      mode: r.mode,
      datasetId: r.dataset_id,
      datasetName: r.dataset_name,
      epochs: r.epochs,
      epochsCompleted: r.epochs_completed,
      monitor: config.monitor,
      bestMetric: r.best_metric,
      bestEpoch: r.best_epoch,
      backend: r.backend,
      error: r.error,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    };
  }

  list(status?: RunStatus): RunSummary[] {
    const rows = (status
      ? this.db.prepare('SELECT * FROM runs WHERE status = ? ORDER BY id DESC').all(status)
      : this.db.prepare('SELECT * FROM runs ORDER BY id DESC').all()) as RawRun[];
    return rows.map((r) => this.summary(r));
  }

  get(id: number): RunDetail | null {
    const r = this.raw(id);
    if (!r) return null;
    return {
      ...this.summary(r),
      config: JSON.parse(r.config_json),
      labels: JSON.parse(r.labels_json),
      bestDir: r.best_dir,
      lastDir: r.last_dir,
      outDir: r.out_dir,
      seconds: r.seconds,
      skipped: JSON.parse(r.skipped_json),
      final: r.final_json ? (JSON.parse(r.final_json) as RunFinal) : null,
      progress: storedProgress(r),
    };
  }

  /**
   * The worker's latest progress, stored so that other processes see it (`pid` must own the
   * run: a worker that lost it writes nothing).
   */
  setProgress(id: number, pid: number, p: TrainingProgress): void {
    this.db.prepare(`UPDATE runs SET progress_json = ?, heartbeat_at = ${NOW} WHERE id = ? AND pid = ? AND status = 'running'`).run(JSON.stringify(p), id, pid);
  }

  /** Queued and running runs with their owner and stored progress, for following runs of other processes. */
  activeProgress(): { id: number; pid: number | null; heartbeatAt: string | null; progress: TrainingProgress | null }[] {
    const rows = this.db.prepare("SELECT id, status, pid, heartbeat_at, progress_json FROM runs WHERE status IN ('queued', 'running')").all() as Pick<RawRun, 'id' | 'status' | 'pid' | 'heartbeat_at' | 'progress_json'>[];
    return rows.map((r) => ({ id: r.id, pid: r.pid, heartbeatAt: r.heartbeat_at, progress: storedProgress(r) }));
  }

  /** Owner process and heartbeat, for telling a live run from one whose process is gone. */
  liveness(id: number): { status: RunStatus; pid: number | null; heartbeatAt: string | null } | null {
    const r = this.db.prepare('SELECT status, pid, heartbeat_at AS heartbeatAt FROM runs WHERE id = ?').get(id) as
      | { status: RunStatus; pid: number | null; heartbeatAt: string | null }
      | undefined;
    return r ?? null;
  }

  /** Runs that claim a live process: queued (pid = the launcher) and running (pid = the worker). */
  active(): { id: number; status: RunStatus; pid: number | null; heartbeatAt: string | null }[] {
    return this.db.prepare("SELECT id, status, pid, heartbeat_at AS heartbeatAt FROM runs WHERE status IN ('queued', 'running')").all() as never;
  }

  /**
   * Makes `pid` the run's worker: only a queued run (or one this pid already runs) can be
   * claimed, so a cancelled or finished run is never picked up by a late worker.
   */
  claim(id: number, pid: number, backend: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', pid = ?, backend = ?, heartbeat_at = ${NOW}, started_at = COALESCE(started_at, ${NOW}), error = NULL, finished_at = NULL
           WHERE id = ? AND (status = 'queued' OR (status = 'running' AND pid = ?))`,
        )
        .run(pid, backend, id, pid).changes > 0
    );
  }

  /** Back to queued for a resume, launched by `pid`. */
  requeue(id: number, pid: number): boolean {
    return (
      this.db
        .prepare(`UPDATE runs SET status = 'queued', pid = ?, heartbeat_at = ${NOW}, error = NULL, finished_at = NULL, progress_json = NULL WHERE id = ? AND status IN ('interrupted', 'cancelled', 'failed')`)
        .run(pid, id).changes > 0
    );
  }

  heartbeat(id: number, pid: number): void {
    this.db.prepare(`UPDATE runs SET heartbeat_at = ${NOW} WHERE id = ? AND pid = ?`).run(id, pid);
  }

  /** Ends a run; only the owner (or nobody) may, so a stale process cannot overwrite a newer owner's status. */
  finish(id: number, pid: number | null, status: Exclude<RunStatus, 'running' | 'queued'>, error: string | null = null): boolean {
    return (
      this.db
        .prepare(`UPDATE runs SET status = ?, error = ?, pid = NULL, finished_at = ${NOW}, progress_json = NULL WHERE id = ? AND status IN ('queued', 'running') AND (pid IS ? OR pid IS NULL)`)
        .run(status, error, id, pid).changes > 0
    );
  }

  markInterrupted(id: number, pid: number | null): boolean {
    return (
      this.db.prepare(`UPDATE runs SET status = 'interrupted', pid = NULL, progress_json = NULL WHERE id = ? AND status IN ('queued', 'running') AND pid IS ?`).run(id, pid).changes > 0
    );
  }

  setBackend(id: number, backend: string): void {
    this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(backend, id);
  }

  setDirs(id: number, dirs: { best?: string; last?: string; out?: string }): void {
    if (dirs.best !== undefined) this.db.prepare('UPDATE runs SET best_dir = ? WHERE id = ?').run(dirs.best, id);
    if (dirs.last !== undefined) this.db.prepare('UPDATE runs SET last_dir = ? WHERE id = ?').run(dirs.last, id);
    if (dirs.out !== undefined) this.db.prepare('UPDATE runs SET out_dir = ? WHERE id = ?').run(dirs.out, id);
  }

  setSkipped(id: number, skipped: { path: string; reason: string }[]): void {
    this.db.prepare('UPDATE runs SET skipped_json = ? WHERE id = ?').run(JSON.stringify(skipped), id);
  }

  setFinal(id: number, final: RunFinal): void {
    this.db.prepare('UPDATE runs SET final_json = ? WHERE id = ?').run(JSON.stringify(final), id);
  }

  /** Per-step values (loss, learning rate) of one optimizer step. */
  recordStep(id: number, epoch: number, step: number, values: Record<string, number>): void {
    const upsert = this.upsertStatement();
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(values)) {
        const { split, metric } = splitOf(name);
        upsert.run(id, epoch, step, split, metric, value);
      }
    })();
  }

  private upsertStatement() {
    // run_metrics_once is an expression index (IFNULL(step, -1)), which ON CONFLICT cannot name; delete then insert instead
    const del = this.db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND epoch = ? AND IFNULL(step, -1) = IFNULL(?, -1) AND split = ? AND name = ?');
    const ins = this.db.prepare(`INSERT INTO run_metrics (run_id, epoch, step, split, name, value) VALUES (?, ?, ?, ?, ?, ?)`);
    return {
      run: (id: number, epoch: number, step: number | null, split: string, name: string, value: number) => {
        del.run(id, epoch, step, split, name);
        ins.run(id, epoch, step, split, name, value);
      },
    };
  }

  /**
   * One finished epoch, all at once: its metrics, the epoch count, the best so far and the
   * accumulated time. `history` re-writes earlier epochs too (from the checkpoint's own record),
   * so a resume after a crash between checkpoint and database loses nothing.
   */
  recordEpochs(id: number, history: EpochRecord[], state: { epochsCompleted: number; bestMetric: number | null; bestEpoch: number | null; seconds: number }): void {
    const upsert = this.upsertStatement();
    this.db.transaction(() => {
      for (const h of history) {
        for (const [name, value] of Object.entries(h.metrics)) {
          if (!Number.isFinite(value)) continue;
          const { split, metric } = splitOf(name);
          upsert.run(id, h.epoch, null, split, metric, value);
        }
      }
      this.db
        .prepare(`UPDATE runs SET epochs_completed = ?, best_metric = ?, best_epoch = ?, seconds = ?, heartbeat_at = ${NOW} WHERE id = ?`)
        .run(state.epochsCompleted, state.bestMetric, state.bestEpoch, state.seconds, id);
    })();
  }

  /** Drops what was recorded of epochs after `epoch` (a partial epoch that a resume trains again). */
  dropAfter(id: number, epoch: number): void {
    this.db.prepare('DELETE FROM run_metrics WHERE run_id = ? AND epoch > ?').run(id, epoch);
  }

  metrics(id: number, level: 'epoch' | 'step' | 'all' = 'all'): MetricPoint[] {
    const where = level === 'epoch' ? 'AND step IS NULL' : level === 'step' ? 'AND step IS NOT NULL' : '';
    return this.db
      .prepare(`SELECT epoch, step, split, name, value, at FROM run_metrics WHERE run_id = ? ${where} ORDER BY epoch, IFNULL(step, 1e18), split, name`)
      .all(id) as MetricPoint[];
  }

  /**
   * Deletes the run with its metrics and the model rows of its checkpoints that no analysis
   * uses; returns the model folders still in use (their files must stay).
   */
  delete(id: number): { deleted: boolean; keptDirs: string[] } {
    return this.db.transaction(() => {
      const models = this.db.prepare('SELECT id, dir, (SELECT count(*) FROM analyses a WHERE a.model_id = models.id) AS used FROM models WHERE run_id = ?').all(id) as { id: number; dir: string; used: number }[];
      for (const m of models) if (m.used === 0) this.db.prepare('DELETE FROM models WHERE id = ?').run(m.id);
      const deleted = this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
      return { deleted, keptDirs: models.filter((m) => m.used > 0).map((m) => m.dir) };
    })();
  }

  /** Records the best checkpoint as a model (for analyses), replacing an earlier row for the same folder. */
  registerModel(m: { name: string; arch: string; dir: string; hash: string; labels: string[]; inputSize: number; runId: number }): void {
    this.db
      .prepare(
        `INSERT INTO models (name, arch, dir, checkpoint_hash, labels_json, input_size, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(dir) DO UPDATE SET name = excluded.name, arch = excluded.arch, checkpoint_hash = excluded.checkpoint_hash,
           labels_json = excluded.labels_json, input_size = excluded.input_size, run_id = excluded.run_id`,
      )
      .run(m.name, m.arch, m.dir, m.hash, JSON.stringify(m.labels), m.inputSize, m.runId);
  }
}
