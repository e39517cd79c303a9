/**
 * `tessella train`, `tessella eval`, `tessella runs`: fine-tune a model on a folder or dataset
 * (in a worker process, resumable), score a checkpoint on labelled images, list the runs.
 */
import { isPrecision, type Precision, PRECISIONS } from '../../ml/emit/quantize.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_ARCHS, HeadKind, MonitorMetric, type EvalReport, type RunDetail, type TrainConfigInput, type TrainingProgress } from '../../../shared/contract/training.js';
import type { AppContext } from '../../app-context.js';
import { datasetLabels, datasetSplitImages } from '../../datasets/query.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { RunsRepo } from '../../store/runs-repo.js';
import { evaluateFolder, evaluateImages } from '../../train/evaluate.js';
import { launchTraining } from '../../train/launcher.js';
import { providersForSetting } from '../../ml/engine/providers.js';
import { reconcileRuns } from '../../train/liveness.js';
import { resolveModelRef } from '../../ml/hub/resolve.js';
import { createRun, trainCacheDir } from '../../train/setup.js';
import { writeTensorboard } from '../../train/tensorboard.js';
import { CliError, type CliCommand, type CliIO } from '../command.js';
import { MODEL_OPTION, resolveCliModel } from '../model-ref.js';
import { crossValidateCli, crossValidateHuman, cvOptions, resumeCrossValidationCli } from './train-cv.js';

type Opts = Record<string, string | number | boolean | undefined>;

function datasetId(ctx: AppContext, ref: string): number {
  const repo = new DatasetsRepo(ctx.db);
  const d = repo.byName(ref) ?? (/^\d+$/.test(ref) ? repo.get(Number(ref)) : null);
  if (!d) throw new CliError(`no dataset named "${ref}"; see \`tessella dataset list\``);
  return d.id;
}

const int = (o: Opts, k: string): number | undefined => {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) throw new CliError(`--${k} must be an integer`, 2);
  return v as number;
};

/** A backbone as the trainer's child process needs it: a built-in name, or an absolute folder (a Hub id names its pulled one). */
function backboneRef(ctx: AppContext, ref: string): string {
  const r = resolveModelRef(ref, ctx.home.models);
  return existsSync(r) ? resolve(r) : r;
}

function configFrom(ctx: AppContext, o: Opts): TrainConfigInput {
  if ((o.data === undefined) === (o.dataset === undefined)) throw new CliError('give --data DIR or --dataset NAME', 2);
  if (!o.out) throw new CliError('--out DIR is required (the best checkpoint is written there)', 2);
  if (o.backbone !== undefined && (o.arch !== undefined || o.init !== undefined)) throw new CliError('--backbone takes no --arch or --init: the backbone is the network', 2);
  if (o.head !== undefined && o.backbone === undefined) throw new CliError('--head needs --backbone REF (a built-in name or a checkpoint folder)', 2);
  if (o.precision !== undefined && !isPrecision(String(o.precision))) throw new CliError(`--precision must be ${PRECISIONS.join(' or ')}, got "${String(o.precision)}"`, 2);
  if (o.precision !== undefined && o.backbone === undefined) throw new CliError('--precision needs --backbone REF: it is the precision the backbone embeds at', 2);
  if (o.head !== undefined && !HeadKind.safeParse(o.head).success) throw new CliError(`--head must be one of ${HeadKind.options.join(', ')}`, 2);
  if (o.arch === undefined && o.init === undefined && o.backbone === undefined) throw new CliError(`--arch is required (${BUILTIN_ARCHS.join(', ')}), or --init DIR, or --backbone REF with --head`, 2);
  if (o.arch !== undefined && !(BUILTIN_ARCHS as readonly string[]).includes(String(o.arch))) throw new CliError(`--arch must be one of ${BUILTIN_ARCHS.join(', ')}`, 2);
  if (o.mode !== undefined && !['head', 'last-k', 'full'].includes(String(o.mode))) throw new CliError('--mode must be head, last-k or full', 2);
  if (o.monitor !== undefined && !MonitorMetric.safeParse(o.monitor).success) throw new CliError(`--monitor must be one of ${MonitorMetric.options.join(', ')}`, 2);
  if ((o.stain === undefined) !== (o['stain-ref'] === undefined)) throw new CliError('--stain METHOD needs --stain-ref IMAGE (and the other way round)', 2);
  const cfg: TrainConfigInput = {
    ...(o.data !== undefined ? { data: resolve(String(o.data)) } : { datasetId: datasetId(ctx, String(o.dataset)) }),
    ...(o.arch !== undefined ? { arch: o.arch as (typeof BUILTIN_ARCHS)[number] } : {}),
    ...(o.init !== undefined ? { init: resolve(resolveModelRef(String(o.init), ctx.home.models)) } : {}),
    ...(o.backbone !== undefined ? { backbone: backboneRef(ctx, String(o.backbone)), head: (o.head as HeadKind | undefined) ?? 'logreg' } : {}),
    ...(o.precision !== undefined ? { precision: o.precision as Precision } : {}),
    out: resolve(String(o.out)),
    mode: o.backbone !== undefined ? 'head' : ((o.mode as 'head' | 'last-k' | 'full' | undefined) ?? 'full'),
  };
  if (o.c !== undefined) {
    const cs = String(o.c).split(',').map(Number);
    if (cs.some((c) => !(c > 0))) throw new CliError('--c must be positive numbers separated by commas, e.g. 0.01,0.1,1,10', 2);
    cfg.cs = cs;
  }
  if (o.hidden !== undefined) cfg.hidden = int(o, 'hidden');
  // an MLP head stops early on its validation loss; its epoch budget is a ceiling
  if (o.head === 'mlp' && o.epochs === undefined) cfg.epochs = 200;
  const put = <K extends keyof TrainConfigInput>(k: K, v: TrainConfigInput[K] | undefined) => {
    if (v !== undefined) cfg[k] = v;
  };
  put('name', o.name as string | undefined);
  put('epochs', int(o, 'epochs'));
  put('batchSize', int(o, 'batch-size'));
  put('accumulate', int(o, 'accumulate'));
  put('lastK', int(o, 'last-k'));
  put('seed', int(o, 'seed'));
  put('patience', int(o, 'patience'));
  put('lr', o.lr as number | undefined);
  put('weightDecay', o['weight-decay'] as number | undefined);
  put('warmupEpochs', o.warmup as number | undefined);
  put('labelSmoothing', o['label-smoothing'] as number | undefined);
  put('optimizer', o.optimizer as 'adamw' | 'sgd' | undefined);
  put('decay', o.decay as 'cosine' | 'linear' | 'constant' | undefined);
  put('balance', o.balance as 'none' | 'sampler' | 'loss' | undefined);
  put('monitor', o.monitor as TrainConfigInput['monitor']);
  if (o['no-augment']) cfg.augment = null;
  if (o.stain !== undefined) cfg.stain = { method: o.stain as 'macenko' | 'reinhard', reference: resolve(String(o['stain-ref'])) };
  return cfg;
}

/** The numbers of a report, without its curves (those are for charts). */
function headline(r: EvalReport | null) {
  if (!r) return null;
  const { curves: _curves, ...rest } = r;
  return rest;
}

function resultOf(run: RunDetail) {
  return {
    runId: run.id,
    status: run.status,
    arch: run.arch,
    mode: run.mode,
    epochs: run.epochs,
    epochsCompleted: run.epochsCompleted,
    monitor: run.monitor,
    bestEpoch: run.bestEpoch,
    bestMetric: run.bestMetric,
    out: run.outDir,
    backend: run.backend,
    seconds: run.seconds,
    imagesPerSecond: run.final?.imagesPerSecond ?? null,
    stoppedEarly: run.final?.stoppedEarly ?? false,
    metrics: { val: headline(run.final?.val ?? null), test: headline(run.final?.test ?? null) },
    ...(run.config.backbone !== undefined ? { backbone: run.config.backbone, head: run.config.head ?? 'logreg', embeddings: run.final?.embeddings ?? null } : {}),
    skipped: run.skipped,
  };
}

/** Runs the worker for a queued run, with a progress bar, until it ends; Ctrl+C cancels it. */
async function follow(ctx: AppContext, runId: number, io: CliIO): Promise<RunDetail> {
  const repo = new RunsRepo(ctx.db);
  let bar: ReturnType<CliIO['progress']> | undefined;
  let barEpoch = -1;
  let reportedEpoch = 0;
  // An epoch's own numbers arrive with the first training-phase event after its validation; the
  // step events before carry the previous epoch's metrics.
  let validatedEpoch = 0;
  const onProgress = (p: TrainingProgress) => {
    if (p.phase === 'validating') validatedEpoch = p.epoch;
    if (p.phase === 'training' && p.steps > 0) {
      if (p.epoch !== barEpoch) {
        bar?.end();
        bar = io.progress(`epoch ${p.epoch}/${p.epochs}`, p.steps);
        barEpoch = p.epoch;
      }
      bar?.tick(p.step, p.loss !== null ? `loss ${p.loss.toFixed(4)}` : undefined);
    }
    if (p.phase === 'training' && p.epoch === validatedEpoch && p.epoch > reportedEpoch && p.metrics.train_loss !== undefined) {
      reportedEpoch = p.epoch;
      bar?.end();
      const m = p.metrics;
      const val = m.val_accuracy !== undefined ? `, val loss ${m.val_loss.toFixed(4)}, val acc ${m.val_accuracy.toFixed(4)}` : '';
      if (!io.json) io.info(`epoch ${p.epoch}/${p.epochs}: train loss ${m.train_loss.toFixed(4)}, acc ${m.train_accuracy.toFixed(4)}${val}`);
    }
  };
  // the frozen part runs on the engine.provider setting's choice, decided here once (as analyses do)
  const { providers, note } = await providersForSetting(ctx.settings.get().engine.provider);
  const launched = launchTraining(repo, { runId, home: ctx.home.root, executionProviders: providers, ...(note ? { providerNote: note } : {}) }, onProgress);
  const onSigint = () => launched.cancel();
  process.on('SIGINT', onSigint);
  try {
    const outcome = await launched.done;
    bar?.end();
    const run = repo.get(runId)!;
    if (outcome.status !== 'completed') {
      const how = outcome.status === 'interrupted' ? 'was interrupted' : outcome.status === 'cancelled' ? 'was cancelled' : `failed: ${outcome.error ?? run.error ?? 'unknown error'}`;
      throw new CliError(`run ${runId} ${how} after ${run.epochsCompleted} of ${run.epochs} epochs; continue it with \`tessella train --resume ${runId}\``, outcome.status === 'cancelled' ? 130 : 1);
    }
    return run;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const train: CliCommand = {
  path: ['train'],
  summary: 'Fine-tune a built-in or imported model on a class-per-folder image tree or a dataset',
  options: {
    data: { type: 'string', description: 'ImageFolder tree (imported as a dataset first)' },
    dataset: { type: 'string', description: 'name or id of an imported dataset' },
    arch: { type: 'string', description: `built-in architecture: ${BUILTIN_ARCHS.join(', ')}` },
    init: { type: 'string', description: 'HuggingFace checkpoint folder to start from' },
    backbone: { type: 'string', description: 'frozen backbone (built-in name or checkpoint folder): embed once, train a --head on the cached embeddings' },
    head: { type: 'string', description: 'with --backbone: logreg (C sweep chosen on validation; default) or mlp' },
    precision: { type: 'string', description: `with --backbone: the precision it embeds at, ${PRECISIONS.join(' or ')} (default fp32; int8 is faster on CPU for a ViT, about fp32's speed for a ResNet)` },
    c: { type: 'string', description: 'logreg: the C values swept, comma-separated (default 0.01,0.1,1,10)' },
    hidden: { type: 'number', description: 'mlp: hidden units (default 128)' },
    mode: { type: 'string', description: 'head (new classifier on frozen features), last-k or full', default: 'full' },
    'last-k': { type: 'number', description: 'blocks unfrozen in last-k mode (default 2)' },
    epochs: { type: 'number', description: 'epochs (default 10)' },
    'batch-size': { type: 'number', description: 'images per forward pass (default 16)' },
    accumulate: { type: 'number', description: 'forward passes per optimizer step (default 1)' },
    lr: { type: 'number', description: 'peak learning rate (default by mode)' },
    optimizer: { type: 'string', description: 'adamw or sgd (default adamw)' },
    'weight-decay': { type: 'number', description: 'weight decay (default 0.05 AdamW, 1e-4 SGD)' },
    warmup: { type: 'number', description: 'warmup epochs (default 1)' },
    decay: { type: 'string', description: 'cosine, linear or constant (default cosine)' },
    'label-smoothing': { type: 'number', description: 'label smoothing (default 0.1)' },
    balance: { type: 'string', description: 'none, sampler or loss (default none)' },
    monitor: { type: 'string', description: 'metric choosing the best checkpoint (default val_accuracy)' },
    patience: { type: 'number', description: 'stop after this many epochs without improvement' },
    seed: { type: 'number', description: 'seed of weights, order and augmentation (default 0)' },
    'no-augment': { type: 'boolean', description: 'train without augmentation' },
    stain: { type: 'string', description: 'stain normalisation: macenko or reinhard' },
    'stain-ref': { type: 'string', description: 'reference image the stain normalisation is fitted to' },
    name: { type: 'string', description: 'a name for the run' },
    out: { type: 'string', description: 'folder the best checkpoint is written to' },
    resume: { type: 'number', description: 'continue run RUN with its stored configuration' },
    ...cvOptions,
  },
  async run({ options, io, app }) {
    const ctx = await app();
    const foldRuns = {
      trainRun: async (cfg: TrainConfigInput, started: (runId: number) => void) => {
        const { runId } = await createRun(ctx.db, cfg);
        started(runId);
        if (!io.json) io.info(`run ${runId}: ${cfg.name}`);
        return follow(ctx, runId, io);
      },
      // the single-run resume (--resume RUN): queued again, its worker continues from last/
      resumeRun: async (runId: number) => {
        const repo = new RunsRepo(ctx.db);
        if (!repo.requeue(runId, process.pid)) throw new CliError(`run ${runId} of the group is ${repo.get(runId)?.status ?? 'gone'}: it cannot be continued`);
        if (!io.json) io.info(`run ${runId}: continued from epoch ${repo.get(runId)!.epochsCompleted}`);
        return follow(ctx, runId, io);
      },
    };
    if (options['cv-resume'] !== undefined) {
      const others = ['cv', 'resume', 'data', 'dataset', 'arch', 'init', 'backbone', 'sweep', 'repeats', 'out'].filter((k) => options[k] !== undefined);
      if (others.length) throw new CliError(`--cv-resume GROUP takes no --${others[0]}: the group keeps its settings`, 2);
      return resumeCrossValidationCli(ctx, options['cv-resume'] as number, io, foldRuns);
    }
    if (options.cv !== undefined)
      return crossValidateCli(ctx, options, io, {
        datasetId: (ref) => datasetId(ctx, ref),
        backboneRef: (ref) => backboneRef(ctx, ref),
        runConfig: () => configFrom(ctx, options as Opts),
        ...foldRuns,
      });
    if (options.repeats !== undefined || options.sweep !== undefined) throw new CliError('--repeats and --sweep go with --cv K', 2);
    const repo = new RunsRepo(ctx.db);
    if (options.resume !== undefined) {
      const id = options.resume as number;
      reconcileRuns(repo);
      const run = repo.get(id);
      if (!run) throw new CliError(`no run ${id}; see \`tessella runs\``);
      if (run.status === 'completed') throw new CliError(`run ${id} is already completed`, 2);
      if (run.status === 'running' || run.status === 'queued') throw new CliError(`run ${id} is ${run.status} in another process`, 2);
      repo.requeue(id, process.pid);
      return resultOf(await follow(ctx, id, io));
    }
    const config = configFrom(ctx, options as Opts);
    const { runId, warnings } = await createRun(ctx.db, config);
    // pre-flight errors stopped createRun; warnings go to stderr (also with --json) and the run starts
    for (const w of warnings) io.info(`warning: ${w.message} (fix: ${w.fix})`);
    if (!io.json) io.info(`run ${runId}`);
    return resultOf(await follow(ctx, runId, io));
  },
  human(r) {
    if (r.group !== undefined) return crossValidateHuman(r);
    const v = r.metrics.val ?? r.metrics.test;
    const lines = [`run ${r.runId} ${r.status}: ${r.epochsCompleted}/${r.epochs} epochs, best epoch ${r.bestEpoch} (${r.monitor} ${r.bestMetric?.toFixed(4) ?? 'n/a'})`];
    if (v) lines.push(`${r.metrics.val ? 'validation' : 'test'}: accuracy ${v.accuracy.toFixed(4)}, balanced ${v.balancedAccuracy.toFixed(4)}, macro F1 ${v.macroF1.toFixed(4)}, AUC ${v.auc?.toFixed(4) ?? 'n/a'}`);
    if (r.skipped.length) lines.push(`skipped ${r.skipped.length} unreadable image(s): ${r.skipped.map((s: { path: string }) => s.path).join(', ')}`);
    lines.push(`best checkpoint: ${r.out}`);
    return lines.join('\n');
  },
};

const evaluate: CliCommand = {
  path: ['eval'],
  summary: 'Score a checkpoint on labelled images: metrics, confusion matrix, ROC AUC with 95% CIs, calibration',
  options: {
    model: MODEL_OPTION,
    data: { type: 'string', description: 'ImageFolder tree; every image under it is scored' },
    dataset: { type: 'string', description: 'name or id of an imported dataset (with --split)' },
    split: { type: 'string', description: 'train, val or test (with --dataset)', default: 'test' },
    seed: { type: 'number', description: 'seed of the bootstrap resampling', default: 0 },
  },
  async run({ options, io, app }) {
    const o = options as Opts;
    if ((o.data === undefined) === (o.dataset === undefined)) throw new CliError('give --data DIR or --dataset NAME', 2);
    const ref = await resolveCliModel(o.model as string | undefined, app);
    const model = existsSync(ref) ? resolve(ref) : ref;
    const ctx = await app();
    let bar: ReturnType<CliIO['progress']> | undefined;
    const opts = {
      cacheDir: `${trainCacheDir(ctx.home.root)}/onnx`,
      seed: int(o, 'seed') ?? 0,
      onProgress: (done: number, total: number) => {
        bar ??= io.progress('images', total);
        bar.tick(done);
      },
    };
    try {
      if (o.data !== undefined) return await evaluateFolder(model, resolve(String(o.data)), opts);
      const id = datasetId(ctx, String(o.dataset));
      const split = String(o.split) as 'train' | 'val' | 'test';
      if (!['train', 'val', 'test'].includes(split)) throw new CliError('--split must be train, val or test', 2);
      const names = datasetLabels(ctx.db, id);
      const items = datasetSplitImages(ctx.db, id, split).map((i) => ({ path: i.path, label: names[i.labelIndex] }));
      return await evaluateImages(model, items, opts);
    } finally {
      bar?.end();
    }
  },
  human(r: EvalReport) {
    const ci = (v: [number, number] | null) => (v ? ` [${v[0].toFixed(3)}, ${v[1].toFixed(3)}]` : '');
    const lines = [
      `${r.n} images${r.skipped.length ? ` (${r.skipped.length} skipped)` : ''}`,
      `accuracy          ${r.accuracy.toFixed(4)}${ci(r.ci.accuracy)}`,
      `balanced accuracy ${r.balancedAccuracy.toFixed(4)}${ci(r.ci.balancedAccuracy)}`,
      `macro F1          ${r.macroF1.toFixed(4)}${ci(r.ci.macroF1)}`,
      `ROC AUC (macro)   ${r.auc?.toFixed(4) ?? 'n/a'}${ci(r.ci.auc)}`,
      `ECE               ${r.ece.toFixed(4)}`,
      '',
      `${'class'.padEnd(20)} precision  recall  f1      support  auc`,
      ...Object.entries(r.perClass).map(([l, m]) => `${l.padEnd(20)} ${m.precision.toFixed(4)}     ${m.recall.toFixed(4)}  ${m.f1.toFixed(4)}  ${String(m.support).padEnd(7)}  ${m.auc?.toFixed(4) ?? 'n/a'}`),
      '',
      'confusion (rows: true, columns: predicted)',
      ...r.confusion.matrix.map((row, i) => `${r.confusion.labels[i].padEnd(20)} ${row.map((v) => String(v).padStart(5)).join(' ')}`),
    ];
    for (const s of r.skipped) lines.push(`skipped ${s.path}: ${s.reason}`);
    return lines.join('\n');
  },
};

const runs: CliCommand = {
  path: ['runs'],
  summary: 'Training runs, newest first (runs whose process is gone show as interrupted)',
  async run({ app }) {
    const ctx = await app();
    const repo = new RunsRepo(ctx.db);
    reconcileRuns(repo);
    return repo.list().map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      arch: r.arch,
      mode: r.mode,
      dataset: r.datasetName,
      epochs: r.epochs,
      epochsCompleted: r.epochsCompleted,
      monitor: r.monitor,
      bestMetric: r.bestMetric,
      bestEpoch: r.bestEpoch,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      error: r.error,
    }));
  },
  human(rows: { id: number; name: string | null; status: string; arch: string; mode: string; dataset: string | null; epochsCompleted: number; epochs: number; bestMetric: number | null; monitor: string; startedAt: string | null }[]) {
    if (rows.length === 0) return 'no training runs; start one with `tessella train`';
    const table = [
      ['ID', 'NAME', 'STATUS', 'ARCH', 'MODE', 'DATASET', 'EPOCHS', 'BEST', 'STARTED'],
      ...rows.map((r) => [
        String(r.id),
        r.name ?? '-',
        r.status,
        r.arch,
        r.mode,
        r.dataset ?? '-',
        `${r.epochsCompleted}/${r.epochs}`,
        r.bestMetric === null ? '-' : `${r.monitor} ${r.bestMetric.toFixed(4)}`,
        r.startedAt ?? '-',
      ]),
    ];
    const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
    return table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
  },
};

const runsExport: CliCommand = {
  path: ['runs', 'export'],
  summary: 'Write a run as TensorBoard event files (scalars per step and epoch, hyper-parameters): tensorboard --logdir DIR',
  positionals: ['run'],
  options: { tensorboard: { type: 'string', description: 'log folder; the run goes to DIR/run-ID[-name]/' } },
  async run({ positionals, options, app }) {
    if (!options.tensorboard) throw new CliError('--tensorboard DIR is required (the only export format so far)', 2);
    const id = Number(positionals[0]);
    if (!Number.isInteger(id)) throw new CliError(`"${positionals[0] ?? ''}" is not a run id; see \`tessella runs\``, 2);
    const ctx = await app();
    const repo = new RunsRepo(ctx.db);
    reconcileRuns(repo);
    const run = repo.get(id);
    if (!run) throw new CliError(`no run ${id}; see \`tessella runs\``);
    return { run: id, ...writeTensorboard(resolve(String(options.tensorboard)), run, repo.metrics(id)) };
  },
  human(r: { run: number; dir: string; scalars: number; tags: string[] }) {
    return `run ${r.run}: ${r.scalars} scalars (${r.tags.length} tags) written to ${r.dir}`;
  },
};

export const trainCommands: CliCommand[] = [train, evaluate, runs, runsExport];
