/**
 * Rows of `run_groups`: a cross-validation or sweep with its folds' numbers, the mean ± sd per
 * grid point and the pooled out-of-fold test report. A group started to run is written at once
 * (running, no folds yet), counts its folds as they are fitted and gets its numbers at the end.
 */
import type { CvFold, CvPointSummary, RunGroup, RunGroupSummary } from '../../shared/contract/run-groups.js';
import type { EvalReport } from '../../shared/contract/training.js';
import type { Db } from './db.js';

interface RawGroup {
  id: number;
  name: string | null;
  kind: RunGroup['kind'];
  mode: RunGroup['mode'];
  head: RunGroup['head'];
  backbone: string | null;
  dataset_id: number | null;
  dataset_name: string | null;
  folds: number;
  repeats: number;
  seed: number;
  monitor: string;
  config_json: string;
  points_json: string;
  best: number;
  results_json: string;
  pooled_json: string | null;
  created_at: string;
  status: RunGroup['status'];
  error: string | null;
  done: number;
  total: number;
  pid: number | null;
}

export type NewRunGroup = Omit<RunGroup, 'id' | 'createdAt' | 'status' | 'error' | 'done' | 'total'> & { config: Record<string, unknown> };

/** What a group is known by before its folds are fitted. */
export type StartedRunGroup = Omit<NewRunGroup, 'points' | 'best' | 'results' | 'pooledTest'> & { total: number; pid: number };

/** The numbers a group gets when its last fold is fitted. */
export type GroupOutcome = Pick<RunGroup, 'points' | 'best' | 'results' | 'pooledTest'>;

export class RunGroupsRepo {
  constructor(private readonly db: Db) {}

  /** False once the data home has been closed (the app or CLI is shutting down). */
  isOpen(): boolean {
    return this.db.open;
  }

  /** A group written whole at its end (completed). */
  create(g: NewRunGroup): number {
    const info = this.db
      .prepare(
        `INSERT INTO run_groups (name, kind, mode, head, backbone, dataset_id, dataset_name, folds, repeats, seed, monitor, config_json, points_json, best, results_json, pooled_json, done, total)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        g.name,
        g.kind,
        g.mode,
        g.head,
        g.backbone,
        g.datasetId,
        g.datasetName,
        g.folds,
        g.repeats,
        g.seed,
        g.monitor,
        JSON.stringify(g.config),
        JSON.stringify(g.points),
        g.best,
        JSON.stringify(g.results),
        g.pooledTest ? JSON.stringify(g.pooledTest) : null,
        g.results.length,
        g.results.length,
      );
    return Number(info.lastInsertRowid);
  }

  /** A group about to run, listed as running by process `pid`; returns its id. */
  start(g: StartedRunGroup): number {
    const info = this.db
      .prepare(
        `INSERT INTO run_groups (name, kind, mode, head, backbone, dataset_id, dataset_name, folds, repeats, seed, monitor, config_json, points_json, best, results_json, status, done, total, pid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', 0, '[]', 'running', 0, ?, ?)`,
      )
      .run(g.name, g.kind, g.mode, g.head, g.backbone, g.datasetId, g.datasetName, g.folds, g.repeats, g.seed, g.monitor, JSON.stringify(g.config), g.total, g.pid);
    return Number(info.lastInsertRowid);
  }

  /**
   * A cancelled or failed group running again (a resume) by process `pid`: its error cleared, its
   * fold count kept until the resumed folds count again. False if it was neither.
   */
  resume(id: number, pid: number): boolean {
    return this.db.prepare("UPDATE run_groups SET status = 'running', error = NULL, pid = ? WHERE id = ? AND status IN ('cancelled', 'failed')").run(pid, id).changes > 0;
  }

  /** Folds fitted so far, of a group still running. */
  progress(id: number, done: number, total: number): void {
    this.db.prepare("UPDATE run_groups SET done = ?, total = ? WHERE id = ? AND status = 'running'").run(done, total, id);
  }

  /** The numbers of a group whose every fold is fitted. */
  complete(id: number, o: GroupOutcome): void {
    this.db
      .prepare("UPDATE run_groups SET status = 'completed', points_json = ?, best = ?, results_json = ?, pooled_json = ?, done = total, error = NULL WHERE id = ? AND status = 'running'")
      .run(JSON.stringify(o.points), o.best, JSON.stringify(o.results), o.pooledTest ? JSON.stringify(o.pooledTest) : null, id);
  }

  /** A running group stopped: cancelled, or failed with its reason. False if it was not running. */
  stop(id: number, status: 'cancelled' | 'failed', error: string | null = null): boolean {
    return this.db.prepare("UPDATE run_groups SET status = ?, error = ? WHERE id = ? AND status = 'running'").run(status, error, id).changes > 0;
  }

  /** Ids and processes of the groups listed as running. */
  running(): { id: number; pid: number | null }[] {
    return this.db.prepare("SELECT id, pid FROM run_groups WHERE status = 'running'").all() as { id: number; pid: number | null }[];
  }

  private summary(r: RawGroup): RunGroupSummary {
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      mode: r.mode,
      head: r.head,
      backbone: r.backbone,
      datasetId: r.dataset_id,
      datasetName: r.dataset_name,
      folds: r.folds,
      repeats: r.repeats,
      seed: r.seed,
      monitor: r.monitor,
      createdAt: r.created_at,
      points: JSON.parse(r.points_json) as CvPointSummary[],
      best: r.best,
      status: r.status,
      error: r.error,
      done: r.done,
      total: r.total,
    };
  }

  list(): RunGroupSummary[] {
    return (this.db.prepare('SELECT * FROM run_groups ORDER BY id DESC').all() as RawGroup[]).map((r) => this.summary(r));
  }

  get(id: number): RunGroup | null {
    const r = this.db.prepare('SELECT * FROM run_groups WHERE id = ?').get(id) as RawGroup | undefined;
    if (!r) return null;
    return { ...this.summary(r), results: JSON.parse(r.results_json) as CvFold[], pooledTest: r.pooled_json ? (JSON.parse(r.pooled_json) as EvalReport) : null };
  }

  /** What a group was started with (the request, or the fold runs' base configuration and grid): what a resume runs again. */
  config(id: number): Record<string, unknown> | null {
    const r = this.db.prepare('SELECT config_json FROM run_groups WHERE id = ?').get(id) as { config_json: string } | undefined;
    return r ? (JSON.parse(r.config_json) as Record<string, unknown>) : null;
  }

  /** The dataset of a group whose first run imported it (a folder given rather than a dataset). */
  setDataset(id: number, datasetId: number, datasetName: string | null): void {
    this.db.prepare('UPDATE run_groups SET dataset_id = ?, dataset_name = ? WHERE id = ? AND dataset_id IS NULL').run(datasetId, datasetName, id);
  }

  /** Ids of the runs tied to a group (its trained folds, finished or not), oldest first. */
  runIds(groupId: number): number[] {
    return (this.db.prepare('SELECT id FROM runs WHERE group_id = ? ORDER BY id').all(groupId) as { id: number }[]).map((r) => r.id);
  }

  /** Ties a fold's full-training run to its group. */
  attachRun(groupId: number, runId: number): void {
    this.db.prepare('UPDATE runs SET group_id = ? WHERE id = ?').run(groupId, runId);
  }
}
