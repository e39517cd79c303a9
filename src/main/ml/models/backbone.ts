/**
 * Pretrained backbones as the Hub stores them (timm hub folders, transformers Dinov2Model and
 * Dinov2WithRegistersModel), loaded for embedding: no classifier, the pooled embedding is the
 * output. The network is described by arch/vit.ts; this file finds the files, reads the hints
 * the files do not carry (`tessella_model.json`, written by `model pull` from the catalogue),
 * the weights (only the tensors the plan names) and the preprocessing.
 *
 * The result is a Checkpoint like any other, carrying its plan. Its `config` is a ViTConfig
 * summary (width, depth, heads, input size) for code that shows or sizes a model; the source
 * config.json travels whole under `source_config`, and the plan is what engines build from.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hash } from 'node:crypto';
import { z } from 'zod';
import { describeZodIssues, DomainError, parseJsonFile } from '../../errors.js';
import { vitPlan, vitLayout } from '../arch/vit.js';
import { type Pooling, POOLINGS, planTensorNames, type VitPlan } from '../plan.js';
import { findWeightFiles, HINT_FILE, readWeights } from '../weights/weight-files.js';

export { HINT_FILE };
import { parseConfig, type ViTConfig } from './configs.js';
import { modelInputSize, parsePreprocessorConfig, type PreprocessorConfig, timmPreprocessor, type TimmPretrainedCfg } from './processors.js';
import type { TensorEntry } from './safetensors.js';

/** The catalogue hint a folder may carry (schema "tessella-model-hint/0"); only what changes the network or its input is read. */
const HintSchema = z.looseObject({
  schema: z.string().optional(),
  pooling: z.enum(POOLINGS as [Pooling, ...Pooling[]]).optional(),
  mean: z.array(z.number()).length(3).optional(),
  std: z.array(z.number()).length(3).optional(),
  interpolation: z.string().optional(),
  timm_create_model_extra_kwargs: z.record(z.string(), z.unknown()).optional(),
});
export type ModelHint = z.infer<typeof HintSchema>;

export interface BackboneOptions {
  /** Overrides the hint's pooling (`--pooling`). */
  pooling?: Pooling;
  /** Run at this [height, width] instead of the native size. */
  inputSize?: [number, number];
  /** Read each tensor when it is used (checkpoint.ts LoadOptions.lazyWeights). */
  lazyWeights?: boolean;
}

export interface LoadedBackbone {
  plan: VitPlan;
  config: ViTConfig;
  preprocessor: PreprocessorConfig;
  weights: Map<string, TensorEntry>;
  /** Tensors in the file the network does not read (HF's mask_token, a timm head of 0 classes). */
  unusedKeys: string[];
  /** The weight files read, for the caller's content hash. */
  weightFiles: string[];
}

/** True when `config` is a layout loaded here rather than as an HF classifier. */
export function isBackboneConfig(config: unknown): boolean {
  if (!config || typeof config !== 'object') return false;
  const layout = vitLayout(config as Record<string, unknown>);
  return layout === 'hf-dinov2' || layout === 'timm-vit';
}

async function readHint(dir: string, hash: Hash): Promise<ModelHint> {
  const path = join(dir, HINT_FILE);
  if (!existsSync(path)) return {};
  const text = await readFile(path, 'utf8');
  hash.update(`\0${HINT_FILE}\0${text}`);
  const r = HintSchema.safeParse(parseJsonFile(text, path));
  if (!r.success) throw new DomainError('invalid-input', `${path}: ${describeZodIssues(r.error.issues)}`);
  return r.data;
}

/** The processor for another input size: the crop becomes that size, the resize scales with it. */
function resizedProcessor(pp: PreprocessorConfig, [h, w]: [number, number]): PreprocessorConfig {
  const { height } = modelInputSize(pp);
  const scale = h / height;
  const size = pp.size && typeof pp.size === 'object' && 'shortest_edge' in pp.size ? { shortest_edge: Math.round(pp.size.shortest_edge * scale) } : { height: h, width: w };
  return { ...pp, size, do_center_crop: true, crop_size: { height: h, width: w } };
}

/** Reads a backbone folder whose config.json has been read (and hashed); the caller hashes `weightFiles`. */
export async function loadBackbone(dir: string, config: Record<string, unknown>, hash: Hash, opts: BackboneOptions = {}): Promise<LoadedBackbone> {
  const hint = await readHint(dir, hash);
  const files = await findWeightFiles(dir);
  if (!files) throw new DomainError('not-found', `${dir}: no model.safetensors, model.safetensors.index.json or pytorch_model.bin`);
  // Lazily: the index alone (the plan needs shapes only). Eagerly: every tensor, of which only
  // the plan's are kept below.
  const all = await readWeights(files, undefined, { lazy: opts.lazyWeights });
  const pooling = opts.pooling ?? hint.pooling;
  const plan = vitPlan(config, (n) => all.get(n)?.shape, { pooling, inputSize: opts.inputSize, timmKwargs: hint.timm_create_model_extra_kwargs });
  const wanted = new Set(planTensorNames(plan));
  const weights = new Map<string, TensorEntry>();
  const unusedKeys: string[] = [];
  for (const [k, v] of all) {
    if (wanted.has(k)) weights.set(k, v);
    else unusedKeys.push(k);
  }
  all.clear();
  hash.update(`\0plan\0${JSON.stringify({ pooling: plan.pooling, inputSize: plan.inputSize })}`);

  let preprocessor: PreprocessorConfig;
  const ppPath = join(dir, 'preprocessor_config.json');
  if (plan.family === 'timm-vit') {
    preprocessor = timmPreprocessor((config['pretrained_cfg'] ?? {}) as TimmPretrainedCfg, hint, plan.inputSize, join(dir, 'config.json'));
  } else if (existsSync(ppPath)) {
    const text = await readFile(ppPath, 'utf8');
    hash.update(text);
    preprocessor = parsePreprocessorConfig(JSON.parse(text), ppPath);
    if (opts.inputSize) preprocessor = resizedProcessor(preprocessor, opts.inputSize);
  } else {
    throw new DomainError('invalid-input', `${dir}: no preprocessor_config.json (a transformers backbone needs one to say its input size and normalisation)`);
  }

  const first = plan.blocks[0];
  const summary = parseConfig(
    {
      model_type: 'vit',
      architectures: [String(config['architecture'] ?? (config['architectures'] as string[] | undefined)?.[0] ?? plan.family)],
      hidden_size: plan.dim,
      num_hidden_layers: plan.blocks.length,
      num_attention_heads: first?.attn.heads ?? 1,
      intermediate_size: first?.mlp.fc2.in ?? plan.dim * 4,
      image_size: plan.inputSize[0],
      patch_size: plan.patchSize,
      num_channels: plan.channels,
      layer_norm_eps: plan.norm.eps,
      source_config: config,
    },
    join(dir, 'config.json'),
  ) as ViTConfig;
  return { plan, config: summary, preprocessor, weights, unusedKeys, weightFiles: files.files };
}
