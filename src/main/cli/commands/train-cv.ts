/**
 * `tessella train --cv K [--repeats R] [--sweep NAME=V1,V2 ...]`: k-fold cross-validation
 * (stratified by class, grouped by slide/patient group and duplicate cluster) of a head on a
 * frozen backbone, repeated over seeds, over a grid of hyper-parameters; prints every fold and
 * the mean ± sd of every metric, and keeps the whole as a run group (`runs.group`).
 * `tessella train --cv-resume GROUP` resumes a cancelled or failed one (runs.resumeGroup's rules).
 */
import { resolve } from 'node:path';
import type { CvPointSummary, MetricSummary, RunGroup } from '../../../shared/contract/run-groups.js';
import { HeadKind, MonitorMetric, type EvalReport, type RunDetail, type TrainConfigInput } from '../../../shared/contract/training.js';
import type { AppContext } from '../../app-context.js';
import { providersForSetting } from '../../ml/engine/providers.js';
import { HEAD_GRID_KEYS, parseGrid } from '../../train/cv/head-cv.js';
import { runHeadCrossValidation, storedHeadCvRequest } from '../../train/cv/head-cv-run.js';
import { reconcileGroups } from '../../train/cv/group-liveness.js';
import { crossValidateRuns, RUN_GRID_KEYS, startRunsCvGroup, storedRunsCv } from '../../train/cv/runs-cv.js';
import { reconcileRuns } from '../../train/liveness.js';
import { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { RunsRepo } from '../../store/runs-repo.js';
import { CliError, type CliIO, type OptionSpec } from '../command.js';

type Opts = Record<string, string | number | boolean | string[] | number[] | undefined>;

export const cvOptions: Record<string, OptionSpec> = {
  'cv-resume': { type: 'number', description: 'resume cross-validation GROUP (cancelled, or failed: a killed or crashed process) with its stored settings: trained folds kept, the stopped run continued, the rest trained; heads are fitted again on the cached embeddings' },
  cv: { type: 'number', description: 'k-fold cross-validation (k >= 2 with --backbone, else >= 3; stratified, grouped) over every labelled image: per-fold metrics and mean ± sd. With --backbone: heads on cached embeddings (seconds, no model written); otherwise one trained run per fold under --out' },
  repeats: { type: 'number', description: 'with --cv: repeat with seeds SEED, SEED+1, ... (new folds each time; default 1)' },
  sweep: { type: 'string', multiple: true, description: 'with --cv: grid NAME=V1,V2, repeatable (logreg head: c; mlp head: hidden, lr, weight-decay, epochs; trained runs: lr, weight-decay, epochs); the best mean validation metric wins' },
};

/** The numbers of a report, without its curves (those are for charts). */
function headline(r: EvalReport | null) {
  if (!r) return null;
  const { curves: _curves, ...rest } = r;
  return rest;
}

/** What the train command lends: its dataset and backbone resolution, and for trained folds its configuration and launcher. */
export interface CvHost {
  datasetId(ref: string): number;
  backboneRef(ref: string): string;
  /** The run configuration the same options give without --cv. */
  runConfig(): TrainConfigInput;
  /** Creates the run, says its id, and trains it to the end (its failure is thrown). */
  trainRun(cfg: TrainConfigInput, started: (runId: number) => void): Promise<RunDetail>;
  /** Continues a fold's run that did not complete from its last checkpoint to the end (its failure is thrown). */
  resumeRun(runId: number): Promise<RunDetail>;
}

function gridOf(o: Opts, allowed: readonly string[]) {
  try {
    return parseGrid((o.sweep as string[] | undefined) ?? [], allowed);
  } catch (e) {
    throw new CliError(`--sweep: ${(e as Error).message}`, 2);
  }
}

function groupResult(g: RunGroup) {
  return {
    group: g.id,
    kind: g.kind,
    mode: g.mode,
    head: g.head,
    backbone: g.backbone,
    dataset: g.datasetName,
    folds: g.folds,
    repeats: g.repeats,
    seed: g.seed,
    monitor: g.monitor,
    best: g.best,
    bestParams: g.points[g.best].params,
    summary: g.points[g.best].metrics,
    points: g.points,
    results: g.results,
    pooledTest: headline(g.pooledTest),
  };
}

/** A progress bar per phase (embeddings, folds) on stderr. */
/** The embeddings run on the engine.provider setting's choice, as `tessella train` does; a pin that cannot load is said once. */
async function embeddingProviders(ctx: AppContext, io: CliIO): Promise<string[]> {
  const { providers, note } = await providersForSetting(ctx.settings.get().engine.provider);
  if (note) io.info(`note: ${note}; the embeddings run on ${providers[0]}`);
  return providers;
}

function phaseBars(io: CliIO) {
  let bar: ReturnType<CliIO['progress']> | undefined;
  let barLabel = '';
  return {
    tick: (label: string) => (done: number, total: number) => {
      if (barLabel !== label) {
        bar?.end();
        bar = io.progress(label, total);
        barLabel = label;
      }
      bar!.tick(done);
    },
    end: () => bar?.end(),
  };
}

/** Runs `work` with Ctrl-C aborting its signal: the group stops before its next fold (a fold's run, by its own launcher's handler) and is kept, marked cancelled. */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A fold run's stop (cancelled, failed: a CliError saying how to continue the run) also says how to continue its group. */
function groupHint(groupId: number) {
  return (e: unknown): never => {
    if (e instanceof CliError) throw new CliError(`${e.message}, or the whole cross-validation with \`tessella train --cv-resume ${groupId}\``, e.exitCode);
    throw e;
  };
}

/** `tessella train --cv-resume GROUP`: the group's stored cross-validation again, in this process, keeping what it finished. */
export async function resumeCrossValidationCli(ctx: AppContext, id: number, io: CliIO, host: Pick<CvHost, 'trainRun' | 'resumeRun'>) {
  if (!Number.isInteger(id) || id < 1) throw new CliError('--cv-resume takes a group id: the "group" `tessella train --cv` printed, or the one on the Runs page', 2);
  const repo = new RunGroupsRepo(ctx.db);
  reconcileGroups(repo);
  const g = repo.get(id);
  if (!g) throw new CliError(`no cross-validation or sweep with id ${id}`);
  if (g.status === 'running' || g.status === 'completed') throw new CliError(`cross-validation ${id} is ${g.status}; only a cancelled or failed one is resumed`, 2);
  if (!repo.resume(id, process.pid)) throw new CliError(`cross-validation ${id} could not be started again`);
  if (!io.json) io.info(`run group ${id}: resuming ${g.done} of ${g.total} folds done`);
  if (g.mode === 'head') {
    const providers = await embeddingProviders(ctx, io);
    const bars = phaseBars(io);
    try {
      const out = await interruptible((signal) => runHeadCrossValidation(ctx.db, ctx.home.root, storedHeadCvRequest(ctx.db, id), { groupId: id, signal, executionProviders: providers, onEmbed: bars.tick('embeddings'), onFold: bars.tick('folds') }));
      return { ...groupResult(out.group), embeddings: out.embeddings, skipped: out.skipped };
    } finally {
      bars.end();
    }
  }
  // the run a killed process was training is found interrupted, so it can be queued again
  reconcileRuns(new RunsRepo(ctx.db));
  const { base, opts } = storedRunsCv(ctx.db, id);
  const group = await interruptible((signal) => crossValidateRuns(ctx.db, base, opts, host.trainRun, { groupId: id, signal, resumeRun: host.resumeRun })).catch(groupHint(id));
  return { ...groupResult(group), embeddings: null, skipped: [] };
}

export async function crossValidateCli(ctx: AppContext, o: Opts, io: CliIO, host: CvHost) {
  const folds = o.cv as number;
  // heads on embeddings take 2 folds (choosing on a part of the other); trained runs need a third fold to choose on
  const minFolds = o.backbone === undefined ? 3 : 2;
  if (!Number.isInteger(folds) || folds < minFolds) throw new CliError(`--cv must be a whole number of folds, at least ${minFolds}${minFolds === 3 ? ' (one held out, one to choose on, the rest to fit)' : ''}`, 2);
  if (o.monitor !== undefined && !MonitorMetric.safeParse(o.monitor).success) throw new CliError(`--monitor must be one of ${MonitorMetric.options.join(', ')}`, 2);
  const repeats = (o.repeats as number | undefined) ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) throw new CliError('--repeats must be a whole number, at least 1', 2);
  const seed = (o.seed as number | undefined) ?? 0;
  const monitor = (o.monitor as string | undefined) ?? 'val_accuracy';
  if (o.backbone === undefined) {
    // one trained run per fold, one after the other, through the ordinary launcher
    const base = host.runConfig();
    const grid = gridOf(o, RUN_GRID_KEYS);
    const opts = { folds, repeats, seed, monitor, grid, out: base.out!, name: o.name as string | undefined };
    const groupId = startRunsCvGroup(ctx.db, base, opts);
    const g = await interruptible((signal) => crossValidateRuns(ctx.db, base, opts, host.trainRun, { groupId, signal })).catch(groupHint(groupId));
    return { ...groupResult(g), embeddings: null, skipped: [] };
  }
  if (o.dataset === undefined) throw new CliError('--cv with --backbone needs --dataset NAME (import a folder first with `tessella dataset import`)', 2);
  if (o.head !== undefined && !HeadKind.safeParse(o.head).success) throw new CliError(`--head must be one of ${HeadKind.options.join(', ')}`, 2);
  if ((o.stain === undefined) !== (o['stain-ref'] === undefined)) throw new CliError('--stain METHOD needs --stain-ref IMAGE (and the other way round)', 2);
  if (o.stain !== undefined && o.stain !== 'macenko' && o.stain !== 'reinhard') throw new CliError('--stain must be macenko or reinhard', 2);
  const head = (o.head as HeadKind | undefined) ?? 'logreg';
  const grid = gridOf(o, head === 'logreg' ? ['c'] : HEAD_GRID_KEYS.filter((k) => k !== 'c'));
  let cs: number[] | undefined;
  if (o.c !== undefined) {
    cs = String(o.c).split(',').map(Number);
    if (cs.some((c) => !(c > 0))) throw new CliError('--c must be positive numbers separated by commas, e.g. 0.01,0.1,1,10', 2);
  }
  const providers = await embeddingProviders(ctx, io);
  const bars = phaseBars(io);
  try {
    const out = await interruptible((signal) => runHeadCrossValidation(
      ctx.db,
      ctx.home.root,
      {
        datasetId: host.datasetId(String(o.dataset)),
        backbone: host.backboneRef(String(o.backbone)),
        head,
        folds,
        repeats,
        seed,
        monitor,
        balance: o.balance !== undefined && o.balance !== 'none',
        cs,
        hidden: o.hidden as number | undefined,
        lr: o.lr as number | undefined,
        weightDecay: o['weight-decay'] as number | undefined,
        epochs: o.epochs as number | undefined,
        patience: o.patience as number | undefined,
        grid,
        name: o.name as string | undefined,
        ...(o.stain !== undefined ? { stain: { method: o.stain as 'macenko' | 'reinhard', reference: resolve(String(o['stain-ref'])) } } : {}),
      },
      { signal, executionProviders: providers, onEmbed: bars.tick('embeddings'), onFold: bars.tick('folds') },
    ));
    return { ...groupResult(out.group), embeddings: out.embeddings, skipped: out.skipped };
  } finally {
    bars.end();
  }
}

const HEADLINE = ['accuracy', 'balanced_accuracy', 'macro_f1', 'auc', 'ece'];

function pm(s: MetricSummary | undefined): string {
  if (!s) return 'n/a';
  return s.sd === null ? s.mean.toFixed(4) : `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}`;
}

function paramsText(p: Record<string, number>): string {
  const e = Object.entries(p);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(' ') : 'defaults';
}

export function crossValidateHuman(r: { group: number; folds: number; repeats: number; monitor: string; best: number; points: CvPointSummary[]; results: RunGroup['results']; dataset: string }): string {
  const lines = [`run group ${r.group}: ${r.folds}-fold cross-validation x ${r.repeats} seed(s) on "${r.dataset}"`];
  lines.push(`${'seed'.padEnd(5)} ${'fold'.padEnd(5)} ${'params'.padEnd(20)} ${'n test'.padEnd(7)} ${HEADLINE.map((m) => `test ${m}`.padEnd(24)).join('')}`);
  for (const f of r.results) {
    lines.push(`${String(f.seed).padEnd(5)} ${String(f.fold + 1).padEnd(5)} ${paramsText(f.params).padEnd(20)} ${String(f.n.test).padEnd(7)} ${HEADLINE.map((m) => (f.metrics[`test_${m}`]?.toFixed(4) ?? 'n/a').padEnd(24)).join('')}`);
  }
  lines.push('', 'mean ± sd across folds and seeds:');
  r.points.forEach((p, i) => {
    lines.push(`${i === r.best ? '* ' : '  '}${paramsText(p.params).padEnd(20)} ${r.monitor} ${pm(p.metrics[r.monitor])}   ${HEADLINE.map((m) => `test ${m} ${pm(p.metrics[`test_${m}`])}`).join(', ')}`);
  });
  if (r.points.length > 1) lines.push(`* best mean ${r.monitor}`);
  return lines.join('\n');
}
