/**
 * The model registry (checkpoint folders the user imported, plus the built-in architectures) and
 * which inference engines run here. A model's `dir` is its checkpoint folder, or a built-in name
 * for rows slide analyses registered on their own.
 */
import { z } from 'zod';
import { call } from './define.js';

/** Where a model pulled from the Hugging Face Hub came from. */
export const ModelSource = z.object({
  repo: z.string(),
  /** As asked for (a branch, tag or commit). */
  revision: z.string(),
  commit: z.string(),
});

/**
 * How well a model trained here did on its held-out validation images (test when the run had no
 * validation split): what the picker shows and what decides the "not above chance" warning.
 */
export const ModelQuality = z.object({
  /** The dataset it was trained on, when the run recorded one. */
  dataset: z.string().nullable(),
  /** Balanced accuracy (mean per-class recall) on the held-out split. */
  valBalancedAccuracy: z.number(),
  /** Its bootstrap 95% interval; null when too few images to resample. */
  ci: z.tuple([z.number(), z.number()]).nullable(),
  valImages: z.number().int(),
  /** Which held-out split the numbers are from. */
  split: z.enum(['val', 'test']),
  classes: z.array(z.string()),
  /** 1 / number of classes: what guessing scores. */
  chance: z.number(),
  /** True when the balanced accuracy is not clearly above chance (see src/shared/model-quality.ts). */
  atChance: z.boolean(),
});

export const RegisteredModel = z.object({
  id: z.number().int(),
  name: z.string(),
  arch: z.string(),
  dir: z.string(),
  /** Content hash of the checkpoint: names its cached ONNX graph and keys analyses. */
  hash: z.string(),
  /** Class names in output order. */
  labels: z.array(z.string()),
  /** Side of the square image the model takes, pixels. */
  inputSize: z.number().int(),
  /** Resolution it was trained at (µm per pixel), when known. */
  trainedMpp: z.number().nullable(),
  createdAt: z.string(),
  /** False when the folder has gone since it was imported. */
  available: z.boolean(),
  /** Set for a model pulled from the Hub; absent or null for an imported folder. */
  source: ModelSource.nullable().optional(),
  /** Held-out quality of a model trained in Tessella; null (or absent) when not known. */
  quality: ModelQuality.nullable().optional(),
});

export const BuiltinModel = z.object({
  name: z.string(),
  arch: z.enum(['vit', 'resnet']),
  inputSize: z.number().int(),
  /** The config.json fields that define it. */
  config: z.record(z.string(), z.unknown()),
});

export const ModelDetail = RegisteredModel.extend({
  /** config.json and preprocessor_config.json as on disk; null when the folder is gone. */
  config: z.record(z.string(), z.unknown()).nullable(),
  preprocessor: z.record(z.string(), z.unknown()).nullable(),
  /** Analyses stored with this model (removing the model removes them too). */
  analyses: z.number().int(),
  /** tessella_model.json (the catalogue's hint: pooling, licence, source), when the folder has one. */
  hint: z.record(z.string(), z.unknown()).nullable(),
  /** Facts read from the folder without loading weights; null when the folder is gone. */
  facts: z
    .object({
      sizeOnDisk: z.number(),
      parameters: z.number().nullable(),
      /** From the file size (a .bin whose tensors were not read). */
      parametersEstimated: z.boolean(),
      width: z.number().nullable(),
      pooling: z.string().nullable(),
    })
    .nullable(),
});

/** onnxruntime execution providers Tessella knows (src/main/ml/engine/providers.ts chooses among them). */
export const PROVIDER_NAMES = ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;

/** The engine part of the user settings: a provider pin ('auto': the best available) and the precision analyses default to. */
export const ProviderSetting = z.enum(['auto', ...PROVIDER_NAMES]);
export const PrecisionSetting = z.enum(['fp32', 'int8']);
export const EngineSettings = z.object({ provider: ProviderSetting.default('auto'), precision: PrecisionSetting.default('fp32') });
/** A change to some of the engine settings (no defaults: what is absent stays as it was). */
export const EngineSettingsPatch = z.object({ provider: ProviderSetting.optional(), precision: PrecisionSetting.optional() });

/** One provider onnxruntime-node lists here, and whether it can run. */
export const ProviderState = z.object({ name: z.string(), usable: z.boolean(), note: z.string() });

/** The provider the fast engine runs with, and why. */
export const ProviderChoice = z.object({
  available: z.array(ProviderState),
  chosen: z.string(),
  reason: z.string(),
  pinned: z.object({ providers: z.array(z.string()), source: z.enum(['setting', 'option']) }).nullable(),
});

export const EngineStatus = z.object({
  tfjs: z.object({
    backend: z.string().nullable(),
    reason: z.string(),
    tried: z.array(z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })),
    version: z.string(),
    simd: z.boolean().optional(),
    threads: z.number().int().optional(),
  }),
  onnx: z.object({
    version: z.string(),
    providers: z.array(z.object({ name: z.string(), bundled: z.boolean() })),
    /** The provider chosen, as in `choice.chosen`. */
    provider: z.string(),
    threads: z.number().int(),
    reason: z.string(),
    choice: ProviderChoice,
  }),
  defaultEngine: z.enum(['onnx', 'tfjs']),
  /** Threads training uses: the learning layers on the tfjs backend, the frozen part (head mode's backbone, last-k's first blocks, backbone runs) on onnxruntime. */
  training: z.object({
    cores: z.number().int(),
    network: z.number().int(),
    frozen: z.number().int(),
    summary: z.string(),
    /** Whether training's learning layers run on the GPU (@tensorflow/tfjs-node-gpu), and if not, why. */
    gpu: z.object({ inUse: z.boolean(), reason: z.string() }),
  }),
});

const ModelId = z.object({ id: z.number().int().positive() });

/** A model tried on one image (models.try). */
export const ModelTryResult = z.object({
  model: z.object({ id: z.number().int(), name: z.string() }),
  /** The image, as an absolute path. */
  file: z.string(),
  /** Most probable classes first, with softmax probabilities; null for a backbone without a classifier. */
  top: z.array(z.object({ label: z.string(), probability: z.number() })).nullable(),
  /** The pooled embedding the classifier (if any) reads. */
  embedding: z.object({ dim: z.number().int(), norm: z.number() }),
  /** Reading, preprocessing and running the image. */
  seconds: z.number(),
  /** Opening the model (a first use builds and caches its ONNX graph). */
  loadSeconds: z.number(),
  /** onnxruntime's execution provider. */
  backend: z.string(),
});


/** A pathology foundation model Tessella knows (src/main/ml/hub/catalogue.ts); weights are pulled, never bundled. */
export const CatalogueModel = z.object({
  id: z.string(),
  name: z.string(),
  family: z.enum(['transformers-vit', 'transformers-dinov2', 'transformers-dinov2-registers', 'timm-vit']),
  architecture: z.string(),
  timmCreateModelExtraKwargs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  pooling: z.enum(['cls', 'cls+mean']),
  registers: z.number().int().optional(),
  mean: z.array(z.number()).length(3),
  std: z.array(z.number()).length(3),
  inputSize: z.number().int(),
  mpp: z.number().optional(),
  width: z.number().int(),
  embeddingDim: z.number().int(),
  parametersM: z.number().optional(),
  license: z.string().optional(),
  gated: z.boolean().optional(),
  /** Commits of it pulled into this data home. */
  pulled: z.array(z.string()),
});

const HubId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,96}\/[A-Za-z0-9_.-]{1,96}$/, 'a Hub model id: org/name');

export const PullStarted = z.object({
  jobId: z.string(),
  id: z.string(),
  revision: z.string(),
  commit: z.string(),
  /** The files to fetch (none when this commit was pulled before). */
  files: z.array(z.object({ name: z.string(), size: z.number().int() })),
  totalBytes: z.number().int(),
  present: z.boolean(),
  /** Licence and gating, shown before the download. */
  licence: z.string(),
});

export const PullProgress = z.object({
  jobId: z.string(),
  id: z.string(),
  commit: z.string(),
  state: z.enum(['running', 'completed', 'failed', 'cancelled']),
  phase: z.enum(['download', 'verify', 'register', 'done']),
  file: z.string().optional(),
  /** Bytes. */
  done: z.number(),
  total: z.number(),
  /** On completion: the registered model. */
  model: RegisteredModel.optional(),
  /** On failure: one line, and the error's code (hub-gated, hub-checksum, ...). */
  error: z.string().optional(),
  code: z.string().optional(),
});

export const modelCalls = {
  'models.list': call(
    z.object({}),
    z.object({ models: z.array(RegisteredModel), builtins: z.array(BuiltinModel) }),
    'Registered models, newest first, and the built-in architectures any model field also accepts.',
  ),
  'models.import': call(
    z.object({ path: z.string().trim().min(1).max(4096), name: z.string().trim().min(1).max(200).optional() }),
    RegisteredModel,
    'Register a HuggingFace checkpoint folder (config.json + model.safetensors) after loading it to check it; again to refresh it.',
  ),
  'models.get': call(ModelId, ModelDetail, 'One registered model with its config and preprocessor.'),
  'models.remove': call(
    ModelId.extend({ force: z.boolean().default(false) }),
    z.object({ removed: z.boolean(), analysesRemoved: z.number().int() }),
    'Unregister a model (its files stay). A model with stored analyses is only removed with force, which deletes them.',
  ),
  'models.catalogue': call(
    z.object({}),
    z.object({ models: z.array(CatalogueModel) }),
    'The pathology foundation models Tessella knows how to pull from the Hugging Face Hub, with licence, gating, pooling and normalisation.',
  ),
  'models.pull': call(
    z.object({
      id: HubId,
      revision: z.string().trim().min(1).max(200).optional(),
      /** Names the job in models.pullProgress events and for models.pullCancel; generated when absent. */
      jobId: z.string().min(1).max(100).optional(),
    }),
    PullStarted,
    'Start pulling a model from the Hugging Face Hub (HF_TOKEN and HF_ENDPOINT honoured): returns once the files are known; progress and the result come as models.pullProgress events.',
  ),
  'models.pullCancel': call(z.object({ jobId: z.string().min(1) }), z.object({ cancelled: z.boolean() }), 'Stop a pull; the bytes fetched are kept and the next pull resumes them.'),
  'models.try': call(
    ModelId.extend({ path: z.string().min(1).max(4096), topk: z.number().int().min(1).max(20).default(5) }),
    ModelTryResult,
    "Run a registered model on one image file: its top classes with probabilities, or for a bare backbone the embedding's size and norm, and the time taken.",
  ),
  'engine.info': call(z.object({}), EngineStatus, 'Which TensorFlow.js backend runs and why; the onnxruntime execution providers, the one chosen (honouring the engine.provider pin) and why; whether training uses the GPU.'),
} as const;

export type RegisteredModel = z.output<typeof RegisteredModel>;
export type BuiltinModel = z.output<typeof BuiltinModel>;
export type ModelDetail = z.output<typeof ModelDetail>;
export type EngineStatus = z.output<typeof EngineStatus>;
export type EngineSettings = z.output<typeof EngineSettings>;
export type ProviderChoice = z.output<typeof ProviderChoice>;
export type ModelSource = z.output<typeof ModelSource>;
export type ModelQuality = z.output<typeof ModelQuality>;
export type CatalogueModel = z.output<typeof CatalogueModel>;
export type PullStarted = z.output<typeof PullStarted>;
export type PullProgress = z.output<typeof PullProgress>;
export type ModelTryResult = z.output<typeof ModelTryResult>;
