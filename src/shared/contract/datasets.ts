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

/** The longest class name, from any source (the API, a CSV, a folder). */
export const MAX_CLASS_NAME = 200;

export const ImportSummary = z.object({
  id: z.number().int(),
  name: z.string(),
  images: z.number().int(),
  classes: z.record(z.string(), z.number().int()),
  splits: SplitSizes,
  errors: z.array(ImportProblem),
  duplicates: DuplicateCounts.extend({
    /** Duplicate groups (copies, flipped, rotated or re-encoded) filed under more than one class; each copy is also listed in errors. */
    conflicts: z.number().int(),
  }),
  /** Class folders with no image in them ('/'-separated, relative to the root); they make no class. */
  emptyClasses: z.array(z.string()),
  /** What this import changed, relative to the dataset before it (all "added" the first time). */
  added: z.number().int(),
  removed: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  /** Images whose earlier or stated split was changed so a duplicate cluster or group stays whole. */
  splitChanges: z.number().int(),
  /** Non-image files passed over. */
  ignored: z.number().int(),
  /** Images whose label was changed in Tessella and kept over the source's. */
  editedLabelsKept: z.number().int(),
  /** CSV rows whose image lies outside the dataset's folder, left out without allowOutside. */
  outside: z.object({ count: z.number().int(), first: z.array(z.string()) }),
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
  /** Id of the image its duplicate group (copies, flipped, rotated or re-encoded) leads to; null when it has no duplicate. */
  duplicateGroup: z.number().int().nullable(),
  /** The suggestion of the prediction set the query used; null when it has none for this image. */
  prediction: z
    .object({
      label: z.string(),
      /** Probability of the predicted class. */
      confidence: z.number(),
      /** Top-1 minus top-2 probability: small means the model hesitated. */
      margin: z.number(),
    })
    .nullable(),
});

/** One model's predictions over a dataset's images (a checkpoint, by content hash). */
export const PredictionSet = z.object({
  modelHash: z.string(),
  /** The checkpoint folder or built-in name it was run from. */
  model: z.string(),
  /** Class names in the order of the stored probabilities (the dataset's classes at the time). */
  labels: z.array(z.string()),
  images: z.number().int(),
  createdAt: z.string(),
});

/** Undo/redo availability of a dataset's labelling, and what each would do. */
export const LabelHistoryState = z.object({
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  undoLabel: z.string().nullable(),
  redoLabel: z.string().nullable(),
});

/** What a labelling step did: images grouped by the label they have now. */
export const LabelStep = LabelHistoryState.extend({
  /** False when there was nothing to do (nothing to undo, or every image already had the label). */
  applied: z.boolean(),
  changes: z.array(z.object({ label: z.string().nullable(), imageIds: z.array(z.number().int()) })),
  /** The dataset's class names in index order afterwards (a step can add or drop a class). */
  labels: z.array(z.string()),
});

const ClassName = z.string().trim().min(1).max(MAX_CLASS_NAME);

/** Filters shared by datasets.images and datasets.imageIds. */
const ImageFilter = {
  /** A class name, or null for images without a label. */
  label: z.string().nullable().optional(),
  split: DatasetSplit.optional(),
  /** Only images in a duplicate group (copies, flipped, rotated or re-encoded), every member of it. */
  duplicates: z.boolean().optional(),
  /** Only images in a duplicate group whose members carry more than one label. */
  conflicts: z.boolean().optional(),
  /** Prediction set to read suggestions from (default: the dataset's latest). */
  modelHash: z.string().min(1).optional(),
  /** Only images the model predicted as this class. */
  predicted: z.string().optional(),
  /** Bounds on the predicted class's probability; images without a prediction are left out. */
  minConfidence: z.number().min(0).max(1).optional(),
  maxConfidence: z.number().min(0).max(1).optional(),
  /** Only images whose label differs from the prediction. */
  disagree: z.boolean().optional(),
  /** 'sample' is a stable pseudo-random order, for sample grids; 'uncertainty' puts the smallest margins first. */
  order: z.enum(['path', 'sample', 'uncertainty']).default('path'),
};

const DatasetId = z.object({ id: z.number().int().positive() });

/** A dataset's images embedded by a backbone and laid out in 2-D (UMAP), with what each point can be coloured by. */
export const DatasetMap = z.object({
  datasetId: z.number().int(),
  backbone: z.object({ ref: z.string(), hash: z.string(), dim: z.number().int() }),
  /** The model of the latest prediction set (`predicted` comes from it); null when the dataset has none. */
  predictionModel: z.string().nullable(),
  /** Images in the dataset; more than the points when the map is of a sample. */
  total: z.number().int(),
  points: z.array(
    z.object({
      imageId: z.number().int(),
      path: z.string(),
      label: z.string().nullable(),
      split: DatasetSplit.nullable(),
      duplicateGroup: z.number().int().nullable(),
      predicted: z.string().nullable(),
      x: z.number(),
      y: z.number(),
    }),
  ),
  skipped: z.array(ImportProblem),
  /** Images the backbone embedded now (the rest came from the embedding store). */
  computed: z.number().int(),
  seconds: z.number(),
});

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
      /** Also take CSV rows whose image lies outside that folder (an absolute path, ../..). */
      allowOutside: z.boolean().default(false),
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
      ...ImageFilter,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(60),
      /**
       * These images, in this order, instead of a filtered page (filters, order, offset and limit
       * are then not applied): a grid that listed ids with datasets.imageIds fetches what it shows.
       */
      ids: z.array(z.number().int().positive()).max(1000).optional(),
    }),
    z.object({ total: z.number().int(), items: z.array(DatasetImage), predictions: PredictionSet.nullable() }),
    "A page of a dataset's images, filtered by class, split, prediction and confidence, with each image's suggestion.",
  ),
  'datasets.imageIds': call(
    z.object({
      id: z.number().int().positive(),
      ...ImageFilter,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1_000_000).default(1_000_000),
    }),
    z.object({ total: z.number().int(), ids: z.array(z.number().int()) }),
    'Ids of the images a filter selects, in the same order as datasets.images (for select-all and range selection).',
  ),
  'datasets.setLabel': call(
    z.object({
      datasetId: z.number().int().positive(),
      imageIds: z.array(z.number().int().positive()).min(1).max(1_000_000),
      /** An existing class, a new class name (added after the others), or null to clear the label. */
      label: ClassName.nullable(),
    }),
    LabelStep,
    'Label images (one undoable step), written to the database at once.',
  ),
  'datasets.acceptPredictions': call(
    z.object({
      datasetId: z.number().int().positive(),
      imageIds: z.array(z.number().int().positive()).min(1).max(1_000_000),
      modelHash: z.string().min(1).optional(),
    }),
    LabelStep,
    "Give images the label their model suggestion names (one undoable step); images without a suggestion are left alone.",
  ),
  'datasets.undo': call(z.object({ datasetId: z.number().int().positive() }), LabelStep, "Revert the dataset's last labelling step."),
  'datasets.redo': call(z.object({ datasetId: z.number().int().positive() }), LabelStep, 'Repeat the last undone labelling step.'),
  'datasets.history': call(z.object({ datasetId: z.number().int().positive() }), LabelHistoryState, "Whether the dataset's labelling can be undone or redone."),
  'datasets.addClass': call(
    z.object({ datasetId: z.number().int().positive(), name: ClassName }),
    z.object({ labels: z.array(z.string()), added: z.boolean() }),
    'Add an empty class after the existing ones (their indexes never shift).',
  ),
  'datasets.predict': call(
    z.object({
      datasetId: z.number().int().positive(),
      /** A checkpoint folder or a built-in architecture name; its outputs must match the dataset's classes. */
      model: z.string().min(1),
      jobId: z.string().min(1).max(100).optional(),
    }),
    PredictionSet.extend({ failed: z.array(ImportProblem), seconds: z.number() }),
    "Run a model over every image of the dataset and store its predictions as labelling suggestions (job.progress kind 'datasets.predict').",
  ),
  'datasets.cancelPredict': call(z.object({ jobId: z.string().min(1) }), z.object({ cancelled: z.boolean() }), 'Stop a running prediction; what was predicted so far is kept.'),
  'datasets.predictions': call(z.object({ datasetId: z.number().int().positive() }), z.array(PredictionSet), "The dataset's prediction sets, newest first."),
  'datasets.map': call(
    z.object({
      datasetId: z.number().int().positive(),
      /** A backbone or model: a checkpoint folder, a pulled Hub id or a built-in name. */
      backbone: z.string().min(1),
      /** Map a stable sample of this many images at most (UMAP on more takes minutes). */
      maxPoints: z.number().int().min(3).max(50_000).default(10_000),
      seed: z.number().int().min(0).default(42),
      jobId: z.string().min(1).max(100).optional(),
    }),
    DatasetMap,
    "Embed the dataset's images with a backbone (cached) and lay them out in 2-D with UMAP (job.progress kind 'datasets.map').",
  ),
  'datasets.cancelMap': call(z.object({ jobId: z.string().min(1) }), z.object({ cancelled: z.boolean() }), 'Stop a running map.'),
  'datasets.remove': call(DatasetId, z.object({ removed: z.boolean() }), 'Forget a dataset (its image files stay).'),
} as const;

export type DatasetSummary = z.output<typeof DatasetSummary>;
export type DatasetDetail = z.output<typeof DatasetDetail>;
export type ImportSummary = z.output<typeof ImportSummary>;
export type DatasetImage = z.output<typeof DatasetImage>;
export type PredictionSet = z.output<typeof PredictionSet>;
export type DatasetMap = z.output<typeof DatasetMap>;
export type LabelStep = z.output<typeof LabelStep>;
export type LabelHistoryState = z.output<typeof LabelHistoryState>;
