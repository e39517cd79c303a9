/** Everything a training-run report shows: each run's configuration, dataset, curves and evaluation. */
import type { DatasetDetail } from '../../shared/contract/datasets.js';
import type { EvalReport, RunDetail } from '../../shared/contract/training.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { RunsRepo } from '../store/runs-repo.js';
import { reconcileRuns } from '../train/liveness.js';
import { toCsv } from './csv.js';
import { checkCancelled, type ReportJob } from './job.js';

export interface RunData {
  run: RunDetail;
  dataset: DatasetDetail | null;
  /** Per-epoch values by `<split>_<metric>` (train_loss, val_accuracy, ...). */
  curves: Record<string, { epoch: number; value: number }[]>;
  /** The best checkpoint's validation evaluation, else its test evaluation. */
  evaluation: EvalReport | null;
  evaluationSplit: 'val' | 'test' | null;
  /** Every evaluation of the best checkpoint: validation, then test (the held-out numbers a paper quotes). */
  evaluations: { split: 'val' | 'test'; report: EvalReport }[];
}

export interface RunReportData {
  runs: RunData[];
}

/** Runs that exist, in the order asked; unknown ids are the caller's error. */
export function requireRuns(ctx: AppContext, ids: number[]): RunDetail[] {
  const repo = new RunsRepo(ctx.db);
  return ids.map((id) => {
    const r = repo.get(id);
    if (!r) throw new DomainError('not-found', `no training run with id ${id}`);
    return r;
  });
}

export async function collectRunData(ctx: AppContext, ids: number[], job: ReportJob): Promise<RunReportData> {
  const repo = new RunsRepo(ctx.db);
  const datasets = new DatasetsRepo(ctx.db);
  // Runs whose process died are shown as interrupted, not as still running.
  reconcileRuns(repo);
  const runs: RunData[] = [];
  for (const [i, run] of requireRuns(ctx, ids).entries()) {
    checkCancelled(job.signal);
    job.progress('collecting', i, ids.length, `run ${run.name ?? run.id}`);
    const curves: RunData['curves'] = {};
    for (const m of repo.metrics(run.id, 'epoch')) (curves[`${m.split}_${m.name}`] ??= []).push({ epoch: m.epoch, value: m.value });
    const evaluation = run.final?.val ?? run.final?.test ?? null;
    runs.push({
      run,
      dataset: run.datasetId === null ? null : datasets.detail(run.datasetId),
      curves,
      evaluation,
      evaluationSplit: run.final?.val ? 'val' : run.final?.test ? 'test' : null,
      evaluations: (['val', 'test'] as const).flatMap((split) => (run.final?.[split] ? [{ split, report: run.final[split]! }] : [])),
    });
  }
  return { runs };
}

/** Per-class metrics of each run's evaluations, one row per run, split (validation, test) and class. */
export function runMetricsCsv(d: RunReportData): string {
  const rows = d.runs.flatMap((r) =>
    r.evaluations.flatMap(({ split, report: e }) =>
      e.labels.map((l) => {
        const m = e.perClass[l];
        return [r.run.id, r.run.name ?? '', r.run.arch, r.run.mode, split, l, m?.precision, m?.recall, m?.f1, m?.auc, m?.averagePrecision, m?.support, e.accuracy, e.balancedAccuracy, e.macroF1];
      }),
    ),
  );
  return toCsv(['run_id', 'run_name', 'arch', 'mode', 'split', 'class', 'precision', 'recall', 'f1', 'auc', 'average_precision', 'support', 'run_accuracy', 'run_balanced_accuracy', 'run_macro_f1'], rows);
}
