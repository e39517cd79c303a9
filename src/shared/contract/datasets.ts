/** Datasets of labelled patches (issue: fine-tuning on local folders). */
import { z } from 'zod';
import { call } from './define.js';

export const DatasetSplit = z.enum(['train', 'val', 'test']);

export const SplitRatios = z
  .object({ train: z.number().min(0).max(1), val: z.number().min(0).max(1), test: z.number().min(0).max(1) })
  .refine((r) => r.train + r.val + r.test > 0, 'split ratios must not all be zero');

export const DatasetSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  source: z.enum(['folder', 'csv', 'extracted']),
  /** Folder the images (or the CSV's relative paths) live under. */
  root: z.string().nullable(),
  csvPath: z.string().nullable(),
  seed: z.number().int(),
  ratios: z.object({ train: z.number(), val: z.number(), test: z.number() }),
  /** Dataset-wide mpp the user declared at import, if any. */
  mpp: z.number().nullable(),
  images: z.number().int(),
  /** Class names in label-index order (the order a model's outputs follow). */
  labels: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const SplitSizes = z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() });

export const ImportProblem = z.object({ path: z.string(), reason: z.string() });

export const DuplicateCounts = z.object({
  /** Images whose bytes equal an earlier image's. */
  exact: z.number().int(),
  /** Images perceptually alike (pHash) to an earlier one without being byte-identical. */
  near: z.number().int(),
});

export const ClassCounts = z.object({
  label: z.string(),
  index: z.number().int(),
  color: z.string(),
  total: z.number().int(),
  train: z.number().int(),
  val: z.number().int(),
  test: z.number().int(),
});

export const DatasetDetail = DatasetSummary.extend({
  classes: z.array(ClassCounts),
  splits: SplitSizes.extend({ unassigned: z.number().int() }),
  errors: z.array(ImportProblem),
  duplicates: DuplicateCounts,
  /** Distinct slides/patients known; no group straddles splits. */
  groups: z.number().int(),
  /** Images whose split the source stated (train/val/test folders or a CSV column). */
  givenSplits: z.number().int(),
  /** Images whose mpp is known. */
  withMpp: z.number().int(),
});

export const ImportSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  images: z.number().int(),
  classes: z.record(z.string(), z.number().int()),
  splits: SplitSizes,
  errors: z.array(ImportProblem),
  duplicates: DuplicateCounts,
  /** What this import changed, relative to the dataset before it (all "added" the first time). */
  added: z.number().int(),
  removed: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  /** Images whose earlier or stated split was changed so a duplicate cluster or group stays whole. */
  splitChanges: z.number().int(),
  /** Non-image files passed over. */
  ignored: z.number().int(),
});

export const DatasetImage = z.object({
  id: z.number().int(),
  path: z.string(),
  label: z.string().nullable(),
  split: DatasetSplit.nullable(),
  width: z.number().int(),
  height: z.number().int(),
  mpp: z.number().nullable(),
  group: z.string().nullable(),
  duplicateOf: z.number().int().nullable(),
});

const DatasetId = z.object({ id: z.number().int().positive() });

export const datasetCalls = {
  'datasets.list': call(z.object({}), z.array(DatasetSummary), 'Every dataset, by name.'),
  'datasets.get': call(DatasetId, DatasetDetail, 'One dataset with class counts per split, split sizes, import errors and duplicate counts.'),
  'datasets.import': call(
    z.object({
      /** A folder in ImageFolder layout, or with csv: true a CSV of path,label[,split][,group]. */
      path: z.string().min(1),
      name: z.string().trim().min(1).max(200),
      csv: z.boolean().optional(),
      /** Folder the CSV's relative paths start from (default: the CSV's own folder). */
      root: z.string().min(1).optional(),
      seed: z.number().int().optional(),
      splits: SplitRatios.optional(),
      /** mpp of every image whose file or CSV row does not state one. */
      mpp: z.number().positive().max(100).optional(),
      /** Names the job in job.progress events and for datasets.cancelImport; generated when absent. */
      jobId: z.string().min(1).max(100).optional(),
    }),
    ImportSummary,
    'Import a folder or CSV as a dataset; with the name of an existing dataset from the same source, re-import it keeping labels and splits.',
  ),
  'datasets.cancelImport': call(z.object({ jobId: z.string().min(1) }), z.object({ cancelled: z.boolean() }), 'Stop a running import; the dataset is left as it was.'),
  'datasets.images': call(
    z.object({
      id: z.number().int().positive(),
      label: z.string().optional(),
      split: DatasetSplit.optional(),
      /** Only images flagged as duplicates of another. */
      duplicates: z.boolean().optional(),
      /** 'sample' is a stable pseudo-random order, for sample grids. */
      order: z.enum(['path', 'sample']).default('path'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(60),
    }),
    z.object({ total: z.number().int(), items: z.array(DatasetImage) }),
    'A page of a dataset\'s images, optionally of one class and split.',
  ),
  'datasets.remove': call(DatasetId, z.object({ removed: z.boolean() }), 'Forget a dataset (its image files stay).'),
} as const;

export type DatasetSummary = z.output<typeof DatasetSummary>;
export type DatasetDetail = z.output<typeof DatasetDetail>;
export type ImportSummary = z.output<typeof ImportSummary>;
export type DatasetImage = z.output<typeof DatasetImage>;
