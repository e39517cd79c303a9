/**
 * Rows of `run_groups`: a cross-validation or sweep with its folds' numbers, the mean ± sd per
 * grid point and the pooled out-of-fold test report, written once when it ends.
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
}

export type NewRunGroup = Omit<RunGroup, 'id' | 'createdAt'> & { config: Record<string, unknown> };

export class RunGroupsRepo {
  constructor(private readonly db: Db) {}

  create(g: NewRunGroup): number {
    const info = this.db
      .prepare(
        `INSERT INTO run_groups (name, kind, mode, head, backbone, dataset_id, dataset_name, folds, repeats, seed, monitor, config_json, points_json, best, results_json, pooled_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      );
    return Number(info.lastInsertRowid);
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

  /** Ties a fold's full-training run to its group. */
  attachRun(groupId: number, runId: number): void {
    this.db.prepare('UPDATE runs SET group_id = ? WHERE id = ?').run(groupId, runId);
  }
}
