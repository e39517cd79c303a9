/**
 * Fine-tuning runs: configuration, runs and their metrics, evaluation reports and the
 * augmentation preview. Training itself happens in a worker process; these calls start,
 * watch, stop and compare runs.
 */
import { z } from 'zod';
import { call } from './define.js';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export const TrainMode = z.enum(['head', 'last-k', 'full']);
/** Heads trained on cached embeddings of a frozen backbone. */
export const HeadKind = z.enum(['logreg', 'mlp']);
export const BUILTIN_ARCHS = ['vit-b16', 'vit-s16', 'vit-ti16', 'resnet-50', 'resnet-18'] as const;

/** Metrics a run can select its best checkpoint (and stop early) on. */
export const MonitorMetric = z.enum(['val_loss', 'val_accuracy', 'val_balanced_accuracy', 'val_macro_f1', 'val_auc']);

const Range = z.tuple([z.number().positive(), z.number().positive()]).refine(([a, b]) => a <= b, 'range must be [low, high]');

/** Augmentation for H&E patches; every random choice is drawn from the run's seed. */
export const AugmentConfig = z.object({
  hflip: z.boolean().default(true),
  vflip: z.boolean().default(true),
  /** Multiples of 90 degrees: tissue has no preferred orientation. */
  rot90: z.boolean().default(true),
  /** Random resized crop: area fraction and aspect ratio ranges; null keeps the processor's resize. */
  crop: z
    .object({ scale: Range.refine(([, b]) => b <= 1, 'scale is at most 1'), ratio: Range })
    .nullable()
    .default({ scale: [0.7, 1], ratio: [3 / 4, 4 / 3] }),
  /** Jitter strengths as torchvision's ColorJitter takes them (factor drawn from [1-x, 1+x], hue shift from [-x, x]). */
  brightness: z.number().min(0).max(1).default(0.1),
  contrast: z.number().min(0).max(1).default(0.1),
  saturation: z.number().min(0).max(1).default(0.1),
  hue: z.number().min(0).max(0.5).default(0.02),
  /** HED stain jitter (Tellez et al. 2018): each stain's optical density scaled by 1+U(-sigma,sigma) and shifted by U(-bias,bias). */
  hed: z
    .object({ sigma: z.number().min(0).max(0.5), bias: z.number().min(0).max(0.5) })
    .nullable()
    .default({ sigma: 0.03, bias: 0.01 }),
});

/** Stain normalisation fitted to a reference image, stored with the model and applied at inference. */
export const StainConfig = z.object({
  method: z.enum(['macenko', 'reinhard']),
  reference: z.string().min(1),
});

/**
 * One fold of a k-fold cross-validation: instead of the dataset's train/val/test split, every
 * labelled image is put in one of k stratified, grouped folds (seeded); fold `index` is the test
 * split, the next fold validation, the rest training.
 */
export const FoldConfig = z.object({ k: z.number().int().min(3).max(50), index: z.number().int().min(0), seed: z.number().int().min(0) }).refine((f) => f.index < f.k, 'the fold index is below k');

export const TrainConfigFields = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  fold: FoldConfig.optional(),
  /** A dataset already imported, or an ImageFolder path imported (or re-imported) as one. */
  datasetId: z.number().int().positive().optional(),
  data: z.string().min(1).optional(),
  /** A built-in architecture; may be left out when `init` names a checkpoint folder. */
  arch: z.enum(BUILTIN_ARCHS).optional(),
  /** HuggingFace checkpoint folder to start from (its head is replaced when the labels differ). */
  init: z.string().min(1).optional(),
  /**
   * Embed once, train a head: the frozen backbone (a built-in name or a checkpoint folder) whose
   * pooled embeddings, cached per (backbone, image content), the head is trained on. Implies head mode.
   */
  backbone: z.string().min(1).optional(),
  /** With `backbone`: multinomial logistic regression with a C sweep chosen on validation, or a one-hidden-layer MLP. */
  head: HeadKind.optional(),
  /** With `backbone`: the precision it embeds at on CPU, fp32 (default) or int8 (ViT backbones; embeddings at cosine ~0.999 to fp32). */
  precision: z.enum(['fp32', 'int8']).optional(),
  /** logreg: the regularisation sweep (scikit-learn's C: larger is weaker); each C is one point of the run's curve. */
  cs: z.array(z.number().positive()).min(1).max(20).optional(),
  /** mlp: hidden units (default 128). */
  hidden: z.number().int().min(1).max(8192).optional(),
  mode: TrainMode.default('full'),
  /** Blocks unfrozen in last-k mode (transformer layers or residual blocks), with the head. */
  lastK: z.number().int().min(1).max(200).default(2),
  epochs: z.number().int().min(1).max(10_000).default(10),
  /**
   * Images per batch; `accumulate` batches make one optimizer step. Where the backend's memory
   * is short (the 4 GB wasm heap) a batch is computed in several passes with gradients summed.
   */
  batchSize: z.number().int().min(1).max(4096).default(16),
  accumulate: z.number().int().min(1).max(1024).default(1),
  optimizer: z.enum(['adamw', 'sgd']).default('adamw'),
  /** Peak learning rate; default by mode and optimizer (AdamW: head 1e-3, last-k 3e-4, full 1e-4; SGD 10x). */
  lr: z.number().positive().max(10).optional(),
  /** AdamW: decoupled; SGD: L2. Not applied to biases and norm weights. Default 0.05 (AdamW), 1e-4 (SGD). */
  weightDecay: z.number().min(0).max(10).optional(),
  momentum: z.number().min(0).max(0.9999).default(0.9),
  betas: z.tuple([z.number().min(0).max(0.9999), z.number().min(0).max(0.99999)]).default([0.9, 0.999]),
  /** Linear warmup (in epochs, may be fractional), then decay to minLrRatio x lr. */
  warmupEpochs: z.number().min(0).max(1000).default(1),
  decay: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  minLrRatio: z.number().min(0).max(1).default(0.01),
  labelSmoothing: z.number().min(0).max(0.5).default(0.1),
  /** Counter class imbalance by sampling (each class equally likely) or by loss weights (inverse frequency). */
  balance: z.enum(['none', 'sampler', 'loss']).default('none'),
  maxGradNorm: z.number().positive().nullable().default(null),
  monitor: MonitorMetric.default('val_accuracy'),
  /** Stop after this many epochs without improvement of `monitor` by more than minDelta; null: never. */
  patience: z.number().int().min(1).nullable().default(null),
  minDelta: z.number().min(0).default(0),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** null: no augmentation. Head mode trains on features computed once, so it never augments. */
  augment: AugmentConfig.nullable().default(AugmentConfig.parse({})),
  stain: StainConfig.nullable().default(null),
  /** Folder the best checkpoint is copied to when the run ends. */
  out: z.string().min(1).optional(),
});

export const TrainConfig = TrainConfigFields.refine((c) => (c.datasetId === undefined) !== (c.data === undefined), 'give a datasetId or a data folder')
  .refine((c) => c.arch !== undefined || c.init !== undefined || c.backbone !== undefined, 'give an arch, an init checkpoint or a backbone')
  .refine((c) => c.backbone === undefined || (c.arch === undefined && c.init === undefined), 'a backbone run takes no arch or init: the backbone is the network')
  .refine((c) => c.head === undefined || c.backbone !== undefined, 'a head (logreg, mlp) is trained on a backbone: give one')
  .refine((c) => c.precision === undefined || c.backbone !== undefined, 'precision applies to backbone embeddings: give a backbone');

/** A configuration as stored with its run: defaults that depend on other fields filled in. */
export const ResolvedTrainConfig = TrainConfigFields.extend({ lr: z.number(), weightDecay: z.number() });

export const EvalClassMetrics = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
  /** One-vs-rest ROC AUC; null when the class has no positives or no negatives. */
  auc: z.number().nullable(),
  averagePrecision: z.number().nullable(),
});

const Interval = z.tuple([z.number(), z.number()]).nullable();

export const ReliabilityBin = z.object({ lower: z.number(), upper: z.number(), count: z.number().int(), confidence: z.number(), accuracy: z.number() });

export const EvalReport = z.object({
  n: z.number().int(),
  labels: z.array(z.string()),
  accuracy: z.number(),
  balancedAccuracy: z.number(),
  macroF1: z.number(),
  /** Macro average of the one-vs-rest AUCs; null when no class has both positives and negatives. */
  auc: z.number().nullable(),
  logLoss: z.number(),
  /** Expected calibration error over 15 equal-width confidence bins. */
  ece: z.number(),
  perClass: z.record(z.string(), EvalClassMetrics),
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().int())) }),
  /** Bootstrap 95% percentile intervals (1000 resamples of the images, seeded). */
  ci: z.object({ accuracy: Interval, balancedAccuracy: Interval, macroF1: Interval, auc: Interval, resamples: z.number().int() }),
  curves: z.object({
    roc: z.record(z.string(), z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()) })),
    pr: z.record(z.string(), z.object({ recall: z.array(z.number()), precision: z.array(z.number()) })),
    reliability: z.array(ReliabilityBin),
  }),
  /** Images that could not be read, left out of every number above. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});

/** One split's evaluation, as the comparison shows it: headline numbers, ROC curves and reliability bins. */
export const CompareSplit = z.object({
  n: z.number().int(),
  metrics: z.record(z.string(), z.number().nullable()),
  roc: EvalReport.shape.curves.shape.roc,
  reliability: z.array(ReliabilityBin),
});

export const RunSummary = z.object({
  id: z.number().int(),
  name: z.string().nullable(),
  status: RunStatus,
  arch: z.string(),
  init: z.string().nullable(),
  mode: TrainMode,
  datasetId: z.number().int().nullable(),
  datasetName: z.string().nullable(),
  epochs: z.number().int(),
  epochsCompleted: z.number().int(),
  monitor: MonitorMetric,
  bestMetric: z.number().nullable(),
  bestEpoch: z.number().int().nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const SkippedImage = z.object({ path: z.string(), reason: z.string() });

export const RunFinal = z.object({
  val: EvalReport.nullable(),
  test: EvalReport.nullable(),
  /** Training seconds over all sessions of the run (resumes add up), and the training throughput. */
  seconds: z.number(),
  imagesPerSecond: z.number().nullable(),
  /** True when early stopping ended the run before its last epoch. */
  stoppedEarly: z.boolean(),
  /** Backbone runs: the embeddings the head was trained on, and how many the backbone computed now (the rest came from the cache). */
  embeddings: z
    .object({ backboneHash: z.string(), dim: z.number().int(), images: z.number().int(), computed: z.number().int(), seconds: z.number() })
    .optional(),
});

/** Where a running run stands; sent as training.progress events and stored with the run by its worker. */
export const TrainingProgress = z.object({
  runId: z.number().int(),
  status: RunStatus,
  phase: z.enum(['preparing', 'features', 'training', 'validating', 'evaluating', 'done']),
  epoch: z.number().int(),
  epochs: z.number().int(),
  /** Optimizer steps done in this epoch, of `steps`. */
  step: z.number().int(),
  steps: z.number().int(),
  loss: z.number().nullable(),
  lr: z.number().nullable(),
  imagesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  /** The latest per-epoch values (train_loss, val_accuracy, ...). */
  metrics: z.record(z.string(), z.number()),
  message: z.string().optional(),
  /** The worker has been asked to stop and is finishing its current pass; the run ends cancelled. */
  cancelling: z.boolean().optional(),
});

export const RunDetail = RunSummary.extend({
  config: ResolvedTrainConfig,
  labels: z.array(z.string()),
  bestDir: z.string().nullable(),
  lastDir: z.string().nullable(),
  outDir: z.string().nullable(),
  seconds: z.number(),
  /** Images of the dataset (or found unreadable while training) that were left out. */
  skipped: z.array(SkippedImage),
  final: RunFinal.nullable(),
  /**
   * While the run is queued or running: its worker's latest progress as stored (epoch, step, ETA),
   * so a page opened mid-run, or a run trained by another process, shows where it stands at once.
   */
  progress: TrainingProgress.nullable(),
});

export const MetricPoint = z.object({
  epoch: z.number().int(),
  /** Null for per-epoch values. */
  step: z.number().int().nullable(),
  split: z.enum(['train', 'val', 'test']),
  name: z.string(),
  value: z.number(),
  at: z.string(),
});

export const CurvePoint = z.object({ epoch: z.number().int(), value: z.number() });

const RunId = z.object({ id: z.number().int().positive() });

/** One pre-flight check that failed: an error stops the run; a warning asks for a confirmation. */
export const PreflightFinding = z.object({
  severity: z.enum(['error', 'warning']),
  /** Stable name of the check (few-class-images, no-val-split, no-test-split, untrained-backbone, smaller-than-batch, ...). */
  code: z.string(),
  /** What is wrong, in one line. */
  message: z.string(),
  /** How to fix it. */
  fix: z.string(),
});

export const PreflightReport = z.object({
  /** The dataset checked; null when `data` names a folder not imported yet (only the configuration is checked). */
  datasetId: z.number().int().nullable(),
  findings: z.array(PreflightFinding),
});

export const trainingCalls = {
  'training.start': call(TrainConfig, RunDetail, 'Start a fine-tuning run in a worker process; progress comes as training.progress events.'),
  'training.preflight': call(
    TrainConfig,
    PreflightReport,
    'Check a training configuration against its dataset before starting: classes with too few images, missing validation or test split, a head on untrained features, a dataset smaller than a batch. training.start refuses errors itself.',
  ),
  'training.evaluate': call(
    z
      .object({
        /** Checkpoint folder. */
        model: z.string().min(1),
        /** A dataset split, or an ImageFolder path (every image under it is scored). */
        datasetId: z.number().int().positive().optional(),
        split: z.enum(['train', 'val', 'test']).default('test'),
        dir: z.string().min(1).optional(),
      })
      .refine((v) => (v.datasetId === undefined) !== (v.dir === undefined), 'give a datasetId or a dir'),
    EvalReport,
    'Score a checkpoint on labelled images: accuracy, balanced accuracy, per-class metrics, confusion, ROC AUC with bootstrap CIs, curves and calibration.',
  ),
  'training.augmentPreview': call(
    z
      .object({
        datasetId: z.number().int().positive().optional(),
        paths: z.array(z.string().min(1)).min(1).max(32).optional(),
        augment: AugmentConfig.default(AugmentConfig.parse({})),
        stain: StainConfig.nullable().default(null),
        /** Side of the output images (the model's input size). */
        size: z.number().int().min(16).max(512).default(224),
        count: z.number().int().min(1).max(32).default(6),
        variants: z.number().int().min(1).max(8).default(4),
        seed: z.number().int().min(0).default(0),
      })
      .refine((v) => (v.datasetId === undefined) !== (v.paths === undefined), 'give a datasetId or paths'),
    z.object({
      size: z.number().int(),
      images: z.array(z.object({ path: z.string(), label: z.string().nullable(), original: z.string(), variants: z.array(z.string()) })),
    }),
    'Training images before and after augmentation (and stain normalisation), as base64 PNGs for a preview grid.',
  ),
  'runs.list': call(z.object({ status: RunStatus.optional() }), z.array(RunSummary), 'Training runs, newest first; runs whose process is gone are reported interrupted.'),
  'runs.get': call(RunId, RunDetail, 'One run: configuration, dataset, backend, status, timings, best and last checkpoints, final metrics.'),
  'runs.metrics': call(
    RunId.extend({
      level: z.enum(['epoch', 'step', 'all']).default('all'),
      /** Only epochs from this one on: a live view re-reads the epoch in progress, not the whole history. */
      fromEpoch: z.number().int().min(0).optional(),
    }),
    z.array(MetricPoint),
    'Recorded loss and metrics of a run, per step and/or per epoch, in order.',
  ),
  'runs.compare': call(
    z.object({ ids: z.array(z.number().int().positive()).min(1).max(20) }),
    z.object({
      runs: z.array(
        RunSummary.extend({
          /** Per-epoch curves by metric name (train_loss, val_loss, train_accuracy, val_accuracy, ...). */
          curves: z.record(z.string(), z.array(CurvePoint)),
          /** Final validation (else test) metrics, side by side. */
          final: z.record(z.string(), z.number().nullable()),
          /** The best checkpoint on each split it was evaluated on: headline numbers, ROC and reliability. */
          splits: z.object({ val: CompareSplit.nullable(), test: CompareSplit.nullable() }),
        }),
      ),
    }),
    'Curves and final metrics of several runs, for one chart and one table.',
  ),
  'runs.cancel': call(RunId, z.object({ cancelled: z.boolean() }), 'Stop a queued or running run; its last checkpoint stays for a resume.'),
  'runs.resume': call(RunId, RunDetail, 'Continue an interrupted, cancelled or failed run from its last checkpoint with its stored configuration.'),
  'runs.delete': call(RunId, z.object({ deleted: z.boolean() }), 'Delete a run, its metrics and its checkpoints (stopping it first).'),
  'runs.export': call(
    RunId.extend({ dir: z.string().min(1) }),
    z.object({ dir: z.string(), files: z.array(z.string()) }),
    'Write a run to a folder: the best checkpoint as a flat HuggingFace folder (config.json, model.safetensors, preprocessor_config.json; usable as --model) and the run\'s files in run/ (training_config.json, summary.json, metrics.csv, trainer_state.json).',
  ),
} as const;

export type RunStatus = z.output<typeof RunStatus>;
export type TrainMode = z.output<typeof TrainMode>;
export type HeadKind = z.output<typeof HeadKind>;
export type TrainConfigInput = z.input<typeof TrainConfig>;
export type TrainConfig = z.output<typeof TrainConfig>;
export type ResolvedTrainConfig = z.output<typeof ResolvedTrainConfig>;
export type AugmentConfig = z.output<typeof AugmentConfig>;
export type StainConfig = z.output<typeof StainConfig>;
export type EvalReport = z.output<typeof EvalReport>;
export type CompareSplit = z.output<typeof CompareSplit>;
export type RunSummary = z.output<typeof RunSummary>;
export type RunDetail = z.output<typeof RunDetail>;
export type RunFinal = z.output<typeof RunFinal>;
export type MetricPoint = z.output<typeof MetricPoint>;
export type TrainingProgress = z.output<typeof TrainingProgress>;
export type MonitorMetric = z.output<typeof MonitorMetric>;
export type PreflightFinding = z.output<typeof PreflightFinding>;
export type PreflightReport = z.output<typeof PreflightReport>;
