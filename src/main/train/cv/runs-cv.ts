/**
 * Cross-validation by training: one ordinary run per fold (and per seed and grid point), trained
 * one after the other by the caller's launcher, each with `fold` in its configuration so that the
 * trainer reads the fold's images (run-splits.ts). Each run's validation and held-out test
 * evaluations give the fold's numbers; the group keeps the summaries and points at the runs.
 */
import type { CvFold, GridPoint, RunGroup } from '../../../shared/contract/run-groups.js';
import type { RunDetail, TrainConfigInput } from '../../../shared/contract/training.js';
import { DomainError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { runSplitImages } from '../run-splits.js';
import { bestPoint, flattenReport, summarise } from './summary.js';

export const RUN_GRID_KEYS = ['lr', 'weightDecay', 'epochs'] as const;

export interface RunsCvOptions {
  folds: number;
  repeats: number;
  seed: number;
  monitor: string;
  grid: GridPoint[];
  /** Folder each fold's checkpoint goes under (`<out>/seed<S>[-<point>]-fold<F>`). */
  out: string;
  name?: string;
}

function pointTag(p: GridPoint): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}${v}`)
    .join('-');
}

/** Trains every fold with `train` (which must wait for the run to end) and stores the group. */
export async function crossValidateRuns(db: Db, base: TrainConfigInput, opts: RunsCvOptions, train: (cfg: TrainConfigInput) => Promise<RunDetail>): Promise<RunGroup> {
  if (opts.folds < 3) throw new DomainError('invalid-input', 'cross-validation needs at least 3 folds (one held out, one to choose on, the rest to fit)');
  const results: CvFold[] = [];
  let dataset: { id: number | null; name: string | null } = { id: null, name: null };
  for (let r = 0; r < opts.repeats; r++) {
    const seed = opts.seed + r;
    for (const params of opts.grid) {
      for (let f = 0; f < opts.folds; f++) {
        const tag = pointTag(params);
        const cfg: TrainConfigInput = {
          ...base,
          ...params,
          seed,
          fold: { k: opts.folds, index: f, seed },
          out: `${opts.out}/seed${seed}${tag ? `-${tag}` : ''}-fold${f + 1}`,
          name: `${opts.name ?? 'cross-validation'} · seed ${seed}${tag ? ` · ${tag}` : ''} · fold ${f + 1}/${opts.folds}`,
        };
        const run = await train(cfg);
        dataset = { id: run.datasetId, name: run.datasetName };
        const val = run.final?.val ?? null;
        const test = run.final?.test ?? null;
        const metrics: Record<string, number> = { ...(val ? flattenReport('val', val) : {}), ...(test ? flattenReport('test', test) : {}) };
        if (run.bestEpoch !== null) metrics.best_epoch = run.bestEpoch;
        const trained = run.datasetId !== null ? runSplitImages(db, run.datasetId, { fold: cfg.fold as RunDetail['config']['fold'] }, 'train').length : 0;
        results.push({ repeat: r, seed, fold: f, params, n: { train: trained, val: val?.n ?? 0, test: test?.n ?? 0 }, metrics, runId: run.id });
      }
    }
  }
  const points = opts.grid.map((params) => ({ params, metrics: summarise(results.filter((x) => x.params === params).map((x) => x.metrics)) }));
  const best = bestPoint(points, opts.monitor);
  const repo = new RunGroupsRepo(db);
  const id = repo.create({
    name: opts.name ?? null,
    kind: opts.grid.length > 1 ? 'sweep' : 'cv',
    mode: base.mode ?? 'full',
    head: null,
    backbone: null,
    datasetId: dataset.id,
    datasetName: dataset.name,
    folds: opts.folds,
    repeats: opts.repeats,
    seed: opts.seed,
    monitor: opts.monitor,
    points,
    best,
    results,
    // per-image probabilities of a trained run are not kept; each run has its own test report
    pooledTest: null,
    config: { ...base },
  });
  for (const x of results) repo.attachRun(id, x.runId!);
  return repo.get(id)!;
}
