/**
 * Checkpoints in HuggingFace layout: a folder with config.json, model.safetensors (or a sharded
 * model.safetensors.index.json) and preprocessor_config.json, or a built-in architecture name
 * initialised from a seed.
 *
 * Loading always yields the weights of the *ForImageClassification model, doing what
 * transformers' from_pretrained does:
 * - a base-model checkpoint (ViTModel / ResNetModel: keys without the `vit.` / `resnet.` prefix)
 *   gets the prefix; its extra tensors (ViT's pooler.*) are reported unused;
 * - missing tensors (a new head) are initialised as the model's _init_weights does, reported new;
 * - a head whose size differs from the requested labels is re-initialised, reported reshaped
 *   (from_pretrained(..., num_labels=n, ignore_mismatched_sizes=True));
 * - no preprocessor_config.json -> the architecture's standard processor; no id2label -> LABEL_i.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type Arch,
  BASE_MODEL_PREFIX,
  builtinConfig,
  BUILTIN_CONFIGS,
  CLASSIFICATION_ARCHITECTURE,
  type HfConfig,
  isBuiltinName,
  parseConfig,
} from './configs.js';
import { STAIN_FILE, StainParams } from '../preprocess/stain.js';
import { builtinKeyPart, keyTailParts, resolveLabels } from './checkpoint-hash.js';
import { parsePreprocessorConfig, type PreprocessorConfig, standardPreprocessor } from './processors.js';
import { defaultedPreprocessorWarning } from './preprocessor-note.js';
import { type TensorEntry, writeSafetensors } from './safetensors.js';
import { initialTensor, stateDictShapes } from './state-dict.js';
import { classifierPlan } from '../arch/index.js';
import { isHeadFolder } from '../head/head-folder.js';
import { DomainError, parseJsonFile } from '../../errors.js';
import { isBackboneConfig, loadBackbone } from './backbone.js';
import type { NetworkPlan, Pooling } from '../plan.js';
import { findWeightFiles, readWeights } from '../weights/weight-files.js';

export type { HfConfig } from './configs.js';
export type { PreprocessorConfig } from './processors.js';

export interface LoadReport {
  /** Expected by the model, absent from the checkpoint: freshly initialised. */
  newKeys: string[];
  /** In the checkpoint (under its own name), not used by the model. */
  unusedKeys: string[];
  /** In the checkpoint with another shape (a head for other labels): re-initialised. */
  reshapedKeys: string[];
  /** What was assumed rather than read (a missing preprocessor_config.json); absent when nothing was. */
  warnings?: string[];
}

export interface Checkpoint {
  /** Folder it was loaded from; null for a built-in architecture. */
  dir: string | null;
  arch: Arch;
  /** config.json as parsed (transformers' defaults filled in), id2label/label2id matching the head. */
  config: HfConfig;
  preprocessor: PreprocessorConfig;
  /** Stain normalisation the model was trained with (stain_normalization.json), applied before the processor. */
  stain: StainParams | null;
  id2label: Record<number, string>;
  /** ForImageClassification key names, PyTorch layouts, floats as Float32Array. */
  weights: Map<string, TensorEntry>;
  /** sha256 over config, preprocessor config, weight file(s) and the load options that changed weights: a cache key. */
  hash: string;
  loadReport: LoadReport;
  /**
   * The network, when the loader described it (pretrained backbones: timm, DINOv2). Absent for
   * HF ViT/ResNet classifiers, whose plan follows from config and weights (arch/index.ts planOf).
   */
  plan?: NetworkPlan;
}

export interface LoadOptions {
  /** Number of classes of the head; defaults to the checkpoint's labels. */
  numLabels?: number;
  /** Class names, index = class id; implies numLabels. */
  labels?: string[];
  /** Seed for every weight that has to be initialised (default 0). */
  seed?: number;
  /** Backbones: how tokens become the embedding (default: the folder's hint, else CLS). */
  pooling?: Pooling;
  /** Backbones: run at this [height, width] (the position table is resampled as timm's dynamic_img_size does). */
  inputSize?: [number, number];
  /**
   * Weights (safetensors or a pytorch_model.bin) are read from their file when a consumer asks
   * for each tensor, not now (safetensors.ts lazyTensorEntry): for building a big model's graph,
   * which takes them one at a time. The same tensors and hash either way.
   */
  lazyWeights?: boolean;
}

export type CheckpointLike = Pick<Checkpoint, 'arch' | 'config' | 'preprocessor' | 'id2label' | 'weights'> & { stain?: StainParams | null; plan?: NetworkPlan };

/** Every key of the classifier's state dict with its shape, read off its plan (state-dict.ts). */
export function parameterShapes(config: HfConfig, numLabels: number): Map<string, number[]> {
  return stateDictShapes(classifierPlan(config, numLabels));
}

function withLabels(config: HfConfig, labels: string[]): HfConfig {
  const out = { ...config } as HfConfig & Record<string, unknown>;
  out.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  out.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  out.architectures = [CLASSIFICATION_ARCHITECTURE[config.model_type]];
  delete out.num_labels; // derived from id2label; a stale value would contradict it
  return out;
}

async function hashFiles(h: ReturnType<typeof createHash>, files: string[]): Promise<void> {
  for (const f of files) {
    h.update(`\0${f.split('/').pop()}\0`);
    await new Promise<void>((resolve, reject) => {
      createReadStream(f)
        .on('data', (chunk) => h.update(chunk))
        .on('end', () => resolve())
        .on('error', reject);
    });
  }
}

/** Loads a checkpoint folder, or creates a built-in architecture (`vit-b16`, `vit-s16`, `vit-ti16`, `resnet-50`, `resnet-18`). */
export async function loadCheckpoint(dirOrArch: string, opts: LoadOptions = {}): Promise<Checkpoint> {
  // a head trained on a frozen backbone: the backbone's checkpoint with the head as its classifier
  if (isHeadFolder(dirOrArch)) return (await import('../head/head-checkpoint.js')).loadHeadCheckpoint(dirOrArch, loadCheckpoint);
  const seed = opts.seed ?? 0;
  const hash = createHash('sha256');
  let dir: string | null = null;
  let config: HfConfig;
  let preprocessor: PreprocessorConfig;
  let stain: StainParams | null = null;
  let fileWeights = new Map<string, TensorEntry>();
  const warnings: string[] = [];

  if (isBuiltinName(dirOrArch) && !existsSync(dirOrArch)) {
    config = builtinConfig(dirOrArch);
    preprocessor = standardPreprocessor(config);
    hash.update(builtinKeyPart(dirOrArch));
  } else {
    if (!existsSync(dirOrArch)) {
      throw new Error(`${dirOrArch}: no such folder, and not a built-in architecture (${Object.keys(BUILTIN_CONFIGS).join(', ')})`);
    }
    dir = statSync(dirOrArch).isDirectory() ? dirOrArch : dirname(dirOrArch);
    const configText = await readFile(join(dir, 'config.json'), 'utf8').catch(() => {
      throw new Error(`${dir}: no config.json; not a HuggingFace checkpoint folder`);
    });
    const configJson: unknown = parseJsonFile(configText, join(dir, 'config.json'));
    hash.update(configText);
    if (isBackboneConfig(configJson)) return loadBackboneCheckpoint(dir, configJson as Record<string, unknown>, hash, opts);
    config = parseConfig(configJson, join(dir, 'config.json'));
    const ppPath = join(dir, 'preprocessor_config.json');
    if (existsSync(ppPath)) {
      const ppText = await readFile(ppPath, 'utf8');
      preprocessor = parsePreprocessorConfig(parseJsonFile(ppText, ppPath), ppPath);
      hash.update(ppText);
    } else {
      preprocessor = standardPreprocessor(config);
      warnings.push(defaultedPreprocessorWarning(dir, preprocessor));
    }
    const stainPath = join(dir, STAIN_FILE);
    if (existsSync(stainPath)) {
      // Part of the hash: the same weights with another normalisation give other predictions.
      const stainText = await readFile(stainPath, 'utf8');
      stain = StainParams.parse(parseJsonFile(stainText, stainPath));
      hash.update(`\0${STAIN_FILE}\0${stainText}`);
    }
    const files = await findWeightFiles(dir);
    if (!files) throw new Error(`${dir}: no model.safetensors, model.safetensors.index.json or pytorch_model.bin`);
    fileWeights = await readWeights(files, undefined, { lazy: opts.lazyWeights });
    await hashFiles(hash, files.files);
  }
  const arch: Arch = config.model_type;

  // Base-model checkpoint -> prefix every backbone key, as from_pretrained does for a head model.
  const prefix = `${BASE_MODEL_PREFIX[arch]}.`;
  const hasPrefix = [...fileWeights.keys()].some((k) => k.startsWith(prefix));
  const rename = (k: string): string => (hasPrefix || fileWeights.size === 0 || k.startsWith('classifier') ? k : prefix + k);

  const headKey = classifierPlan(config, 1).head!.weight;
  const headRows = fileWeights.get(headKey)?.shape[0] ?? null;
  const labels = resolveLabels(config, headRows, opts);
  const plan = classifierPlan(config, labels.length);
  const expected = stateDictShapes(plan);

  const weights = new Map<string, TensorEntry>();
  const report: LoadReport = { newKeys: [], unusedKeys: [], reshapedKeys: [], ...(warnings.length ? { warnings } : {}) };
  for (const [fileKey, entry] of fileWeights) {
    const name = rename(fileKey);
    const shape = expected.get(name);
    if (!shape) report.unusedKeys.push(fileKey);
    else if (shape.join() !== entry.shape.join()) {
      if (!name.startsWith('classifier')) {
        throw new Error(`${dir}: ${fileKey} has shape [${entry.shape}] but config.json implies [${shape}]`);
      }
      report.reshapedKeys.push(name);
    } else weights.set(name, entry);
  }
  const order = [...expected.keys()];
  report.reshapedKeys.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  for (const [name, shape] of expected) {
    if (weights.has(name)) continue;
    if (!report.reshapedKeys.includes(name)) report.newKeys.push(name);
    weights.set(name, initialTensor(plan, config, name, shape, seed));
  }
  for (const part of keyTailParts(report.newKeys.length > 0 || report.reshapedKeys.length > 0, seed, labels)) hash.update(part);

  // Keep the expected (state_dict) order, which is also the order a save writes.
  const ordered = new Map(order.map((k) => [k, weights.get(k)!]));
  return {
    dir,
    arch,
    config: withLabels(config, labels),
    preprocessor,
    stain,
    id2label: Object.fromEntries(labels.map((l, i) => [i, l])),
    weights: ordered,
    hash: hash.digest('hex'),
    loadReport: report,
  };
}

/** A pretrained backbone folder (timm, DINOv2): no head, no labels; the plan says what it computes. */
async function loadBackboneCheckpoint(dir: string, configJson: Record<string, unknown>, hash: ReturnType<typeof createHash>, opts: LoadOptions): Promise<Checkpoint> {
  if (opts.numLabels !== undefined || opts.labels !== undefined) {
    throw new DomainError('invalid-input', `${dir}: a pretrained backbone has no classifier; train a head on its embeddings instead of asking for labels`, 'no-classifier');
  }
  const b = await loadBackbone(dir, configJson, hash, { pooling: opts.pooling, inputSize: opts.inputSize, lazyWeights: opts.lazyWeights });
  let stain: StainParams | null = null;
  const stainPath = join(dir, STAIN_FILE);
  if (existsSync(stainPath)) {
    const stainText = await readFile(stainPath, 'utf8');
    stain = StainParams.parse(JSON.parse(stainText));
    hash.update(`\0${STAIN_FILE}\0${stainText}`);
  }
  await hashFiles(hash, b.weightFiles);
  return {
    dir,
    arch: 'vit',
    config: b.config,
    preprocessor: b.preprocessor,
    stain,
    id2label: {},
    weights: b.weights,
    hash: hash.digest('hex'),
    loadReport: { newKeys: [], unusedKeys: b.unusedKeys, reshapedKeys: [] },
    plan: b.plan,
  };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * Writes `dir/config.json`, `model.safetensors` (or shards) and `preprocessor_config.json` so that
 * transformers' `AutoModelForImageClassification.from_pretrained(dir)` and
 * `AutoImageProcessor.from_pretrained(dir)` load it. Floats keep their dtype unless `dtype` is given.
 */
export async function saveCheckpoint(
  ckpt: CheckpointLike,
  dir: string,
  opts: { dtype?: 'F32' | 'F16' | 'BF16'; maxShardBytes?: number } = {},
): Promise<void> {
  const labels = Object.keys(ckpt.id2label).map(Number).sort((a, b) => a - b).map((i) => ckpt.id2label[i]);
  const expected = parameterShapes(ckpt.config, labels.length);
  for (const [name, shape] of expected) {
    const e = ckpt.weights.get(name);
    if (!e) throw new Error(`saveCheckpoint: weight ${name} missing`);
    if (e.shape.join() !== shape.join()) throw new Error(`saveCheckpoint: ${name} has shape [${e.shape}], expected [${shape}]`);
  }
  await mkdir(dir, { recursive: true });
  const config = { ...withLabels(ckpt.config, labels), model_type: ckpt.arch } as Record<string, unknown>;
  const floatDtype = opts.dtype ?? [...ckpt.weights.values()].find((e) => e.dtype !== 'I64')?.dtype ?? 'F32';
  config.torch_dtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[floatDtype as 'F32'] ?? 'float32';
  await writeFile(join(dir, 'config.json'), JSON.stringify(sortKeys(config), null, 2) + '\n');
  await writeFile(join(dir, 'preprocessor_config.json'), JSON.stringify(sortKeys(ckpt.preprocessor), null, 2) + '\n');
  // The normalisation is part of what the model expects of its input: it travels with the weights.
  if (ckpt.stain) await writeFile(join(dir, STAIN_FILE), JSON.stringify(ckpt.stain, null, 2) + '\n');
  else await rm(join(dir, STAIN_FILE), { force: true });
  const weights = new Map([...expected.keys()].map((k) => [k, ckpt.weights.get(k)!]));
  await writeSafetensors(join(dir, 'model.safetensors'), weights, { dtype: opts.dtype, maxShardBytes: opts.maxShardBytes });
}
