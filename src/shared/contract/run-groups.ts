/**
 * Run groups: a k-fold cross-validation (optionally repeated over seeds, optionally over a grid
 * of hyper-parameters) kept as one record, with every fold's numbers and, per grid point, the
 * mean and sample standard deviation of every metric across folds and seeds.
 */
import { z } from 'zod';
import { call } from './define.js';
import { EvalReport, HeadKind, TrainMode } from './training.js';

/** Mean and sample standard deviation (n - 1) across folds; sd is null for a single value. */
export const MetricSummary = z.object({ mean: z.number(), sd: z.number().nullable(), n: z.number().int() });

/** One point of a sweep grid: hyper-parameter name -> value (c, hidden, lr, weightDecay, epochs). */
export const GridPoint = z.record(z.string(), z.number());

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
  points: z.array(CvPointSummary),
  /** Index in `points` of the best mean monitor. */
  best: z.number().int(),
  results: z.array(CvFold),
  /** The best point's out-of-fold test predictions of the first repeat, pooled: one report with ROC and calibration. */
  pooledTest: EvalReport.nullable(),
});

export const RunGroupSummary = RunGroup.omit({ results: true, pooledTest: true });

const GroupId = z.object({ id: z.number().int().positive() });

export const runGroupCalls = {
  'runs.groups': call(z.object({}), z.array(RunGroupSummary), 'Cross-validations and sweeps, newest first: per grid point the mean ± sd of every metric.'),
  'runs.group': call(GroupId, RunGroup, 'One cross-validation or sweep with every fold, the summaries and the pooled out-of-fold test report.'),
} as const;

export type MetricSummary = z.output<typeof MetricSummary>;
export type GridPoint = z.output<typeof GridPoint>;
export type CvFold = z.output<typeof CvFold>;
export type CvPointSummary = z.output<typeof CvPointSummary>;
export type RunGroup = z.output<typeof RunGroup>;
export type RunGroupSummary = z.output<typeof RunGroupSummary>;
