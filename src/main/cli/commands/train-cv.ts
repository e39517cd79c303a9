/**
 * `tessella train --cv K [--repeats R] [--sweep NAME=V1,V2 ...]`: k-fold cross-validation
 * (stratified by class, grouped by slide/patient group and duplicate cluster) of a head on a
 * frozen backbone, repeated over seeds, over a grid of hyper-parameters; prints every fold and
 * the mean ± sd of every metric, and keeps the whole as a run group (`runs.group`).
 */
import { resolve } from 'node:path';
import type { CvPointSummary, MetricSummary, RunGroup } from '../../../shared/contract/run-groups.js';
import { HeadKind, MonitorMetric, type EvalReport, type RunDetail, type TrainConfigInput } from '../../../shared/contract/training.js';
import type { AppContext } from '../../app-context.js';
import { providersForSetting } from '../../ml/engine/providers.js';
import { HEAD_GRID_KEYS, parseGrid } from '../../train/cv/head-cv.js';
import { runHeadCrossValidation } from '../../train/cv/head-cv-run.js';
import { crossValidateRuns, RUN_GRID_KEYS } from '../../train/cv/runs-cv.js';
import { CliError, type CliIO, type OptionSpec } from '../command.js';

type Opts = Record<string, string | number | boolean | string[] | number[] | undefined>;

export const cvOptions: Record<string, OptionSpec> = {
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
    // Ctrl-C stops the fold's run (the launcher's own handler) and keeps the group, marked cancelled
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.on('SIGINT', onSigint);
    try {
      const g = await crossValidateRuns(ctx.db, base, { folds, repeats, seed, monitor, grid, out: base.out!, name: o.name as string | undefined }, host.trainRun, { signal: controller.signal });
      return { ...groupResult(g), embeddings: null, skipped: [] };
    } finally {
      process.off('SIGINT', onSigint);
    }
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
  let bar: ReturnType<CliIO['progress']> | undefined;
  let barLabel = '';
  const tick = (label: string) => (done: number, total: number) => {
    if (barLabel !== label) {
      bar?.end();
      bar = io.progress(label, total);
      barLabel = label;
    }
    bar!.tick(done);
  };
  // the embeddings run on the engine.provider setting's choice, as `tessella train` does
  const { providers, note } = await providersForSetting(ctx.settings.get().engine.provider);
  if (note) io.info(`note: ${note}; the embeddings run on ${providers[0]}`);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  try {
    const out = await runHeadCrossValidation(
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
      { signal: controller.signal, executionProviders: providers, onEmbed: tick('embeddings'), onFold: tick('folds') },
    );
    bar?.end();
    return { ...groupResult(out.group), embeddings: out.embeddings, skipped: out.skipped };
  } finally {
    bar?.end();
    process.off('SIGINT', onSigint);
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
