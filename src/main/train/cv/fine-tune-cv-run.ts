/**
 * A fine-tuning cross-validation (last-k or full) from the Training page's request to stored
 * group: the same crossValidateRuns `tessella train --cv` runs without --backbone, each fold's
 * run created and trained to its end in this process (the cv worker's: off the host's), one after
 * the other. A cancel stops the fold's run before its next pass; the run ends cancelled and the
 * group is kept, marked cancelled, with the runs it started.
 */
import type { FoldRunSettings, RunGroup, StartGroupInput } from '../../../shared/contract/run-groups.js';
import type { RunDetail, TrainConfigInput, TrainingProgress } from '../../../shared/contract/training.js';
import { DomainError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { RunsRepo } from '../../store/runs-repo.js';
import { reconcileRuns } from '../liveness.js';
import { createRun } from '../setup.js';
import { assertCrossValidationPlan, sweepGrid, type CvPlan } from './preflight.js';
import { crossValidateRuns, startRunsCvGroup, storedRunsCv, type RunsCvOptions } from './runs-cv.js';

export interface FineTuneCvRequest extends Omit<RunsCvOptions, 'out'> {
  mode: 'last-k' | 'full';
  datasetId: number;
  /** What every fold's run trains (the group sets its dataset, fold, seed, monitor and name). */
  train: FoldRunSettings;
}

/** The request of a `training.startGroup` call in last-k or full mode. */
export function fineTuneCvRequest(input: StartGroupInput): FineTuneCvRequest {
  if (input.mode === 'head' || input.train === undefined) throw new DomainError('invalid-input', 'a fine-tuning cross-validation needs the settings of its runs (train)');
  return {
    mode: input.mode,
    datasetId: input.datasetId,
    train: input.train,
    folds: input.folds,
    repeats: input.repeats,
    seed: input.seed,
    monitor: input.monitor,
    grid: sweepGrid(input, input.sweep),
    ...(input.name !== undefined ? { name: input.name } : {}),
  };
}

/** What the pre-flight checks of a fine-tuning cross-validation look at. */
export function fineTunePlan(req: FineTuneCvRequest): CvPlan {
  return {
    datasetId: req.datasetId,
    folds: req.folds,
    repeats: req.repeats,
    gridPoints: req.grid.length,
    fineTune: { mode: req.mode, epochs: req.grid.map((p) => p.epochs ?? req.train.epochs) },
  };
}

/** Each fold's run configuration before the group adds its fold, seed and name. */
function baseConfig(req: FineTuneCvRequest): TrainConfigInput {
  return { ...req.train, mode: req.mode, datasetId: req.datasetId, monitor: req.monitor as TrainConfigInput['monitor'], seed: req.seed };
}

/** Checks the request and writes its group as running by process `pid`; the group's id. The checks' first error is thrown and nothing written. */
export function startFineTuneCvGroup(db: Db, req: FineTuneCvRequest, pid = process.pid): number {
  assertCrossValidationPlan(db, fineTunePlan(req));
  return startRunsCvGroup(db, baseConfig(req), req, pid);
}

export interface FineTuneCvHooks {
  /** The group startFineTuneCvGroup wrote. */
  groupId: number;
  signal: AbortSignal;
  /** onnxruntime providers of the frozen part (the engine.provider setting's choice), and why they are not the pin. */
  executionProviders?: string[];
  providerNote?: string;
  onFold?: (done: number, total: number) => void;
  /** A fold's run as it trains. */
  onRun?: (runId: number, p: TrainingProgress) => void;
}

export async function runFineTuneCrossValidation(db: Db, home: { root: string; runs: string }, req: FineTuneCvRequest, hooks: FineTuneCvHooks): Promise<RunGroup> {
  return trainFolds(db, home, baseConfig(req), req, hooks);
}

/**
 * Resumes a stored fine-tuning group (written running again by the caller): the folds whose runs
 * completed are kept, the run a kill or a cancel stopped continues from its last checkpoint, the
 * folds not started are trained (crossValidateRuns).
 */
export async function resumeFineTuneCrossValidation(db: Db, home: { root: string; runs: string }, hooks: FineTuneCvHooks): Promise<RunGroup> {
  // the run the killed worker was training is found interrupted, so it can be queued again
  reconcileRuns(new RunsRepo(db));
  const { base, opts } = storedRunsCv(db, hooks.groupId);
  return trainFolds(db, home, base, opts, hooks);
}

async function trainFolds(db: Db, home: { root: string; runs: string }, base: TrainConfigInput, opts: RunsCvOptions, hooks: FineTuneCvHooks): Promise<RunGroup> {
  // the trainer loads tfjs: only a fine-tuning worker pays for it
  const { trainRun } = await import('../trainer.js');
  const runs = new RunsRepo(db);
  // trains run `runId` (new, or queued again: trainRun continues from its last/ checkpoint) to its end
  const toEnd = async (runId: number): Promise<RunDetail> => {
    const status = await trainRun({
      db,
      homeRoot: home.root,
      runsRoot: home.runs,
      runId,
      ...(hooks.executionProviders?.length ? { executionProviders: hooks.executionProviders } : {}),
      ...(hooks.providerNote ? { providerNote: hooks.providerNote } : {}),
      signal: hooks.signal,
      onProgress: (p) => hooks.onRun?.(runId, p),
    });
    const run = runs.get(runId)!;
    if (status === 'cancelled' || hooks.signal.aborted) throw new DomainError('cancelled', `run ${runId} (${run.name}) was cancelled`);
    if (status !== 'completed') throw new DomainError('internal', `run ${runId} (${run.name}) ${status}${run.error ? `: ${run.error}` : ''}`);
    return run;
  };
  const train = async (cfg: TrainConfigInput, started: (runId: number) => void): Promise<RunDetail> => {
    const { runId } = await createRun(db, cfg);
    started(runId);
    return toEnd(runId);
  };
  const resumeRun = async (runId: number): Promise<RunDetail> => {
    if (!runs.requeue(runId, process.pid)) throw new DomainError('conflict', `run ${runId} of the group is ${runs.get(runId)?.status ?? 'gone'}: it cannot be continued`);
    return toEnd(runId);
  };
  return crossValidateRuns(db, base, opts, train, { groupId: hooks.groupId, signal: hooks.signal, onFold: hooks.onFold, resumeRun });
}
