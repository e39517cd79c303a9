/**
 * Run groups: a k-fold cross-validation (optionally repeated over seeds, optionally over a grid
 * of hyper-parameters) kept as one record, with every fold's numbers and, per grid point, the
 * mean and sample standard deviation of every metric across folds and seeds.
 */
import { z } from 'zod';
import { call } from './define.js';
import { EvalReport, HeadKind, MonitorMetric, PreflightFinding, StainConfig, TrainConfigFields, TrainMode } from './training.js';

/** Mean and sample standard deviation (n - 1) across folds; sd is null for a single value. */
export const MetricSummary = z.object({ mean: z.number(), sd: z.number().nullable(), n: z.number().int() });

/** One point of a sweep grid: hyper-parameter name -> value (c, hidden, lr, weightDecay, epochs). */
export const GridPoint = z.record(z.string(), z.number());

export const GroupStatus = z.enum(['running', 'completed', 'cancelled', 'failed']);

export const CvFold = z.object({
  repeat: z.number().int(),
  seed: z.number().int(),
  fold: z.number().int(),
  params: GridPoint,
  /** Images fitted on, used to choose (inner validation: the next fold) and scored (the held-out fold). */
  n: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  /** val_* (inner validation) and test_* (held-out fold) metrics, flat. */
  metrics: z.record(z.string(), z.number()),
  /** The full-training run of this fold, when folds are trained as runs. */
  runId: z.number().int().nullable(),
});

export const CvPointSummary = z.object({
  params: GridPoint,
  metrics: z.record(z.string(), MetricSummary),
});

export const RunGroup = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  kind: z.enum(['cv', 'sweep']),
  mode: TrainMode,
  head: HeadKind.nullable(),
  backbone: z.string().nullable(),
  datasetId: z.number().int().nullable(),
  datasetName: z.string().nullable(),
  folds: z.number().int(),
  repeats: z.number().int(),
  seed: z.number().int(),
  /** The validation metric grid points are ranked by (mean across folds). */
  monitor: z.string(),
  createdAt: z.string(),
  /** Written when it starts: running until every fold is fitted (completed), or stopped. */
  status: GroupStatus,
  /** Why it failed. */
  error: z.string().nullable(),
  /** Folds fitted so far, of all (folds x seeds x grid points); points and results fill in at the end. */
  done: z.number().int(),
  total: z.number().int(),
  points: z.array(CvPointSummary),
  /** Index in `points` of the best mean monitor. */
  best: z.number().int(),
  results: z.array(CvFold),
  /** The best point's out-of-fold test predictions of the first repeat, pooled: one report with ROC and calibration. */
  pooledTest: EvalReport.nullable(),
});

export const RunGroupSummary = RunGroup.omit({ results: true, pooledTest: true });

const GroupId = z.object({ id: z.number().int().positive() });

const Values = z.array(z.number().positive()).min(1).max(10);

/** Values to sweep, each a list; the grid is their Cartesian product (none: one point, the settings as given). */
export const SweepValues = z.object({
  /** logreg: the regularisation strength C (otherwise chosen inside each fold from `cs`). */
  c: Values.optional(),
  /** mlp: learning rate, weight decay, epochs, hidden units. */
  lr: Values.optional(),
  weightDecay: Values.optional(),
  epochs: z.array(z.number().int().min(1).max(10_000)).min(1).max(10).optional(),
  hidden: z.array(z.number().int().min(1).max(8192)).min(1).max(10).optional(),
});

/**
 * What each fold's run of a fine-tuning cross-validation (last-k or full) trains: a single run's
 * settings, less what the group decides (dataset, fold, seed, monitor, name, output folder) and
 * what belongs to heads on a frozen backbone.
 */
export const FoldRunSettings = TrainConfigFields.omit({
  name: true,
  fold: true,
  datasetId: true,
  data: true,
  backbone: true,
  head: true,
  precision: true,
  cs: true,
  hidden: true,
  mode: true,
  seed: true,
  monitor: true,
  out: true,
}).refine((c) => c.arch !== undefined || c.init !== undefined, 'give an arch or an init checkpoint');

/**
 * A cross-validation repeated over seeds, over a sweep grid: of a head on a frozen backbone (mode
 * head: `backbone`, heads fitted on cached embeddings), or of fine-tuning (last-k, full: `train`,
 * one trained run per fold).
 */
export const StartGroupInput = z
  .object({
    datasetId: z.number().int().positive(),
    mode: TrainMode.default('head'),
    /** head: built-in backbone name or a pulled or imported model's folder. */
    backbone: z.string().min(1).optional(),
    head: HeadKind.default('logreg'),
    /** last-k and full: what each fold's run trains. */
    train: FoldRunSettings.optional(),
    /** Heads take 2 folds (an inner part of the other chooses); fine-tuning at least 3 (one held out, one to choose on, the rest to fit). */
    folds: z.number().int().min(2).max(10),
    /** Seeds seed, seed + 1, ...: new folds and a new head initialisation each. */
    repeats: z.number().int().min(1).max(5).default(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    monitor: MonitorMetric.default('val_accuracy'),
    balance: z.boolean().default(false),
    cs: z.array(z.number().positive()).min(1).max(20).optional(),
    hidden: z.number().int().min(1).max(8192).optional(),
    lr: z.number().positive().max(10).optional(),
    weightDecay: z.number().min(0).max(10).optional(),
    epochs: z.number().int().min(1).max(10_000).optional(),
    patience: z.number().int().min(1).optional(),
    sweep: SweepValues.default({}),
    stain: StainConfig.optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((g, ctx) => {
    if (g.mode === 'head' && g.backbone === undefined) ctx.addIssue({ code: 'custom', path: ['backbone'], message: 'a head cross-validation needs a backbone' });
    if (g.mode !== 'head' && g.train === undefined) ctx.addIssue({ code: 'custom', path: ['train'], message: `a ${g.mode} cross-validation needs the settings of its runs (train)` });
    if (g.mode !== 'head' && g.backbone !== undefined) ctx.addIssue({ code: 'custom', path: ['backbone'], message: `a ${g.mode} cross-validation fine-tunes train.arch or train.init, not a frozen backbone` });
    if (g.mode !== 'head' && g.folds < 3) ctx.addIssue({ code: 'custom', path: ['folds'], message: 'fine-tuning needs at least 3 folds (one held out, one to choose on, the rest to fit)' });
  });

/** Where a running group is: embedding the images once, then fitting fold after fold (or training each fold's run). */
export const GroupProgress = z.object({
  groupId: z.number().int(),
  status: GroupStatus,
  /** training: a fine-tuning fold's run is training (`run` says which, at which epoch). */
  phase: z.enum(['embedding', 'folds', 'training', 'done']),
  /** Folds finished, of all. */
  done: z.number().int(),
  total: z.number().int(),
  run: z.object({ id: z.number().int(), epoch: z.number().int(), epochs: z.number().int() }).optional(),
  /** Why it failed. */
  message: z.string().optional(),
});

export const runGroupCalls = {
  'runs.groups': call(z.object({}), z.array(RunGroupSummary), 'Cross-validations and sweeps, newest first: per grid point the mean ± sd of every metric.'),
  'runs.group': call(GroupId, RunGroup, 'One cross-validation or sweep with every fold, the summaries and the pooled out-of-fold test report.'),
  'runs.cancelGroup': call(GroupId, z.object({ cancelled: z.boolean() }), 'Stop a running cross-validation or sweep; it is kept, marked cancelled.'),
  'runs.resumeGroup': call(
    GroupId,
    RunGroupSummary,
    'Resume a cross-validation or sweep that was cancelled or failed (a killed worker, a crash), in a worker process, on the same folds: fine-tuning folds whose runs completed are kept, the run that stopped continues from its last checkpoint, the folds not started are trained; heads are fitted again on the cached embeddings. Progress comes as training.groupProgress events.',
  ),
  'training.startGroup': call(
    StartGroupInput,
    RunGroupSummary,
    'Start a k-fold cross-validation (stratified, grouped), repeated over seeds, over a sweep grid, of a head on a frozen backbone or of fine-tuning (last-k, full: one run per fold), in a worker process; progress comes as training.groupProgress events, the group is listed by runs.groups from the start.',
  ),
  'training.groupPreflight': call(
    StartGroupInput,
    z.object({ findings: z.array(PreflightFinding), fits: z.number().int() }),
    'Check a cross-validation before starting it (classes with fewer images or groups than folds, too many fits; a warning when fine-tuning will be long); training.startGroup refuses errors itself. fits: folds x seeds x grid points (heads fitted or runs trained).',
  ),
} as const;

export type MetricSummary = z.output<typeof MetricSummary>;
export type GridPoint = z.output<typeof GridPoint>;
export type CvFold = z.output<typeof CvFold>;
export type CvPointSummary = z.output<typeof CvPointSummary>;
export type RunGroup = z.output<typeof RunGroup>;
export type RunGroupSummary = z.output<typeof RunGroupSummary>;
export type GroupStatus = z.output<typeof GroupStatus>;
export type SweepValues = z.output<typeof SweepValues>;
export type StartGroupInput = z.output<typeof StartGroupInput>;
export type FoldRunSettings = z.output<typeof FoldRunSettings>;
export type GroupProgress = z.output<typeof GroupProgress>;
