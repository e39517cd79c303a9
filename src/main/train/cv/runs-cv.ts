/**
 * Cross-validation by training: one ordinary run per fold (and per seed and grid point), trained
 * one after the other by the caller's `train`, each with `fold` in its configuration so that the
 * trainer reads the fold's images (run-splits.ts). Each run's validation and held-out test
 * evaluations give the fold's numbers. The group is written as running before the first run
 * (`tessella train --cv` without --backbone, or the cv worker for training.startGroup), counts
 * its folds and holds its runs as they start; the summaries come at the end, and a cancel or a
 * failure leaves it so marked, its finished runs attached.
 *
 * Resume (a group killed, crashed or cancelled): the same folds again from the stored group
 * (storedRunsCv): a fold's split is a function of (k, index, seed) alone, so each fold finds the
 * run it had. A completed run is not trained again (its stored evaluation is the fold's numbers),
 * one that did not complete continues from its last checkpoint (hooks.resumeRun: the single-run
 * resume), folds never started are trained.
 */
import type { CvFold, GridPoint, RunGroup } from '../../../shared/contract/run-groups.js';
import type { RunDetail, TrainConfigInput } from '../../../shared/contract/training.js';
import { DomainError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { RunsRepo } from '../../store/runs-repo.js';
import { runSplitImages } from '../run-splits.js';
import { bestPoint, flattenReport, summarise } from './summary.js';

export const RUN_GRID_KEYS = ['lr', 'weightDecay', 'epochs'] as const;

export interface RunsCvOptions {
  folds: number;
  repeats: number;
  seed: number;
  monitor: string;
  grid: GridPoint[];
  /** Folder each fold's checkpoint goes under (`<out>/seed<S>[-<point>]-fold<F>`); none: each stays in its run's folder. */
  out?: string;
  name?: string;
}

export interface RunsCvHooks {
  /** The group startRunsCvGroup wrote; without one it is written here. */
  groupId?: number;
  signal?: AbortSignal;
  /** After each fold's run has ended. */
  onFold?: (done: number, total: number) => void;
  /**
   * Continues a fold's run that did not complete (interrupted, cancelled, failed) from its last
   * checkpoint to its end and returns it (a failure thrown as `train`'s); without it such a fold
   * is trained again as a new run.
   */
  resumeRun?: (runId: number) => Promise<RunDetail>;
}

/**
 * Trains a fold's run to its end and returns it; calls `started` with the run's id as soon as the
 * run exists. A run that does not complete is thrown (a DomainError 'cancelled' when cancelled).
 */
export type TrainFold = (cfg: TrainConfigInput, started: (runId: number) => void) => Promise<RunDetail>;

function pointTag(p: GridPoint): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}${v}`)
    .join('-');
}

/** Writes the group of a cross-validation by training as running by process `pid`; its id. */
export function startRunsCvGroup(db: Db, base: TrainConfigInput, opts: RunsCvOptions, pid = process.pid): number {
  if (opts.folds < 3) throw new DomainError('invalid-input', 'cross-validation needs at least 3 folds (one held out, one to choose on, the rest to fit)');
  if (opts.grid.length === 0) throw new DomainError('invalid-input', 'the sweep grid is empty');
  // a --data folder is imported by the first run: its dataset is known then
  const dataset = base.datasetId !== undefined ? new DatasetsRepo(db).get(base.datasetId) : null;
  return new RunGroupsRepo(db).start({
    name: opts.name ?? null,
    kind: opts.grid.length > 1 ? 'sweep' : 'cv',
    mode: base.mode ?? 'full',
    head: null,
    backbone: null,
    datasetId: dataset?.id ?? null,
    datasetName: dataset?.name ?? null,
    folds: opts.folds,
    repeats: opts.repeats,
    seed: opts.seed,
    monitor: opts.monitor,
    config: { ...base, grid: opts.grid },
    total: opts.folds * opts.repeats * opts.grid.length,
    pid,
  });
}

/**
 * The fold runs' base configuration and the options of a stored group, as it was started: what
 * crossValidateRuns runs again to resume it.
 */
export function storedRunsCv(db: Db, groupId: number): { base: TrainConfigInput; opts: RunsCvOptions } {
  const repo = new RunGroupsRepo(db);
  const g = repo.get(groupId);
  const config = repo.config(groupId);
  if (!g || !config) throw new DomainError('not-found', `no cross-validation or sweep with id ${groupId}`);
  if (g.mode === 'head') throw new DomainError('invalid-input', `group ${groupId} cross-validates heads, not trained runs`);
  const { grid, ...stored } = config as TrainConfigInput & { grid: GridPoint[] };
  // a --data folder was imported by the group's first run: its dataset, not a second import
  const { data: _data, ...rest } = stored;
  const base: TrainConfigInput = g.datasetId !== null ? { ...rest, datasetId: g.datasetId } : stored;
  const opts: RunsCvOptions = {
    folds: g.folds,
    repeats: g.repeats,
    seed: g.seed,
    monitor: g.monitor,
    grid,
    ...(base.out !== undefined ? { out: base.out } : {}),
    ...(g.name !== null ? { name: g.name } : {}),
  };
  return { base, opts };
}

/** Same fold (k, index, seed) and the same values of the grid point's parameters. */
function isFoldRun(run: RunDetail, cfg: TrainConfigInput, params: GridPoint): boolean {
  const a = run.config.fold;
  const b = cfg.fold;
  const config = run.config as unknown as Record<string, unknown>;
  return !!a && !!b && a.k === b.k && a.index === b.index && a.seed === b.seed && Object.entries(params).every(([k, v]) => config[k] === v);
}

/** Trains every fold with `train`, one after the other, and stores the group's numbers. */
export async function crossValidateRuns(db: Db, base: TrainConfigInput, opts: RunsCvOptions, train: TrainFold, hooks: RunsCvHooks = {}): Promise<RunGroup> {
  const groupId = hooks.groupId ?? startRunsCvGroup(db, base, opts);
  const repo = new RunGroupsRepo(db);
  try {
    await trainFolds(db, groupId, base, opts, train, hooks);
    return repo.get(groupId)!;
  } catch (e) {
    if (hooks.signal?.aborted || (e instanceof DomainError && e.kind === 'cancelled')) repo.stop(groupId, 'cancelled');
    else repo.stop(groupId, 'failed', (e as Error).message);
    throw e;
  }
}

async function trainFolds(db: Db, groupId: number, base: TrainConfigInput, opts: RunsCvOptions, train: TrainFold, hooks: RunsCvHooks): Promise<void> {
  const repo = new RunGroupsRepo(db);
  const runs = new RunsRepo(db);
  // a resumed group's runs, by fold; a new group has none
  const earlier = repo.runIds(groupId).flatMap((id) => runs.get(id) ?? []);
  const total = opts.folds * opts.repeats * opts.grid.length;
  const results: CvFold[] = [];
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
          ...(opts.out !== undefined ? { out: `${opts.out}/seed${seed}${tag ? `-${tag}` : ''}-fold${f + 1}` } : {}),
          name: `${opts.name ?? 'cross-validation'} · seed ${seed}${tag ? ` · ${tag}` : ''} · fold ${f + 1}/${opts.folds}`,
        };
        if (hooks.signal?.aborted) throw new DomainError('cancelled', 'the cross-validation was cancelled');
        const before = earlier.filter((x) => isFoldRun(x, cfg, params)).at(-1);
        const run =
          before?.status === 'completed'
            ? before
            : before && hooks.resumeRun
              ? await hooks.resumeRun(before.id)
              : await train(cfg, (runId) => repo.attachRun(groupId, runId));
        if (run.datasetId !== null) repo.setDataset(groupId, run.datasetId, run.datasetName);
        const val = run.final?.val ?? null;
        const test = run.final?.test ?? null;
        const metrics: Record<string, number> = { ...(val ? flattenReport('val', val) : {}), ...(test ? flattenReport('test', test) : {}) };
        if (run.bestEpoch !== null) metrics.best_epoch = run.bestEpoch;
        const trained = run.datasetId !== null ? runSplitImages(db, run.datasetId, { fold: cfg.fold as RunDetail['config']['fold'] }, 'train').length : 0;
        results.push({ repeat: r, seed, fold: f, params, n: { train: trained, val: val?.n ?? 0, test: test?.n ?? 0 }, metrics, runId: run.id });
        repo.progress(groupId, results.length, total);
        hooks.onFold?.(results.length, total);
      }
    }
  }
  const points = opts.grid.map((params) => ({ params, metrics: summarise(results.filter((x) => x.params === params).map((x) => x.metrics)) }));
  const best = bestPoint(points, opts.monitor);
  // per-image probabilities of a trained run are not kept; each run has its own test report
  repo.complete(groupId, { points, best, results, pooledTest: null });
}
