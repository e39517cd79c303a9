/**
 * HuggingFace `config.json` for the two architectures we run, parsed with transformers' own
 * defaults (ViTConfig / ResNetConfig in transformers 4.x), plus the built-in named configs.
 *
 * Unknown fields are kept (loose objects) so a config read from disk and saved again loses
 * nothing transformers or another tool put there.
 */
import { z } from 'zod';

const label2idSchema = z.record(z.string(), z.number().int());
/** id2label as JSON has it: string keys "0", "1", ... */
const id2labelSchema = z.record(z.string(), z.string());

const common = {
  architectures: z.array(z.string()).optional(),
  id2label: id2labelSchema.optional(),
  label2id: label2idSchema.optional(),
  num_channels: z.number().int().positive().default(3),
};

export const ViTConfigSchema = z.looseObject({
  ...common,
  model_type: z.literal('vit'),
  hidden_size: z.number().int().positive().default(768),
  num_hidden_layers: z.number().int().positive().default(12),
  num_attention_heads: z.number().int().positive().default(12),
  intermediate_size: z.number().int().positive().default(3072),
  hidden_act: z.string().default('gelu'),
  hidden_dropout_prob: z.number().default(0),
  attention_probs_dropout_prob: z.number().default(0),
  initializer_range: z.number().default(0.02),
  layer_norm_eps: z.number().default(1e-12),
  image_size: z.number().int().positive().default(224),
  patch_size: z.number().int().positive().default(16),
  qkv_bias: z.boolean().default(true),
  encoder_stride: z.number().int().positive().default(16),
});

export const ResNetConfigSchema = z.looseObject({
  ...common,
  model_type: z.literal('resnet'),
  embedding_size: z.number().int().positive().default(64),
  hidden_sizes: z.array(z.number().int().positive()).default([256, 512, 1024, 2048]),
  depths: z.array(z.number().int().positive()).default([3, 4, 6, 3]),
  layer_type: z.enum(['basic', 'bottleneck']).default('bottleneck'),
  hidden_act: z.string().default('relu'),
  downsample_in_first_stage: z.boolean().default(false),
  downsample_in_bottleneck: z.boolean().default(false),
});

export type ViTConfig = z.infer<typeof ViTConfigSchema>;
export type ResNetConfig = z.infer<typeof ResNetConfigSchema>;
export type HfConfig = ViTConfig | ResNetConfig;
export type Arch = 'vit' | 'resnet';

/** A parsed config.json; throws a readable error for other model types or bad fields. */
export function parseConfig(json: unknown, where = 'config.json'): HfConfig {
  const modelType = (json as { model_type?: unknown } | null)?.model_type;
  const schema = modelType === 'vit' ? ViTConfigSchema : modelType === 'resnet' ? ResNetConfigSchema : null;
  if (!schema) throw new Error(`${where}: model_type ${JSON.stringify(modelType)} is not supported (only "vit" and "resnet")`);
  const r = schema.safeParse(json);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const cfg = r.data as HfConfig;
  if (cfg.model_type === 'vit' && cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new Error(`${where}: hidden_size ${cfg.hidden_size} is not a multiple of num_attention_heads ${cfg.num_attention_heads}`);
  }
  if (cfg.model_type === 'resnet' && cfg.depths.length !== cfg.hidden_sizes.length) {
    throw new Error(`${where}: depths and hidden_sizes differ in length`);
  }
  return cfg;
}

/** What transformers calls `base_model_prefix`: the key prefix of the backbone in *ForImageClassification. */
export const BASE_MODEL_PREFIX: Record<Arch, string> = { vit: 'vit', resnet: 'resnet' };
export const CLASSIFICATION_ARCHITECTURE: Record<Arch, string> = {
  vit: 'ViTForImageClassification',
  resnet: 'ResNetForImageClassification',
};

/**
 * Built-in architectures by name, with the configs of the reference checkpoints
 * (google/vit-base-patch16-224, the DeiT/AugReg small and tiny ViTs, microsoft/resnet-50 and -18).
 */
export const BUILTIN_CONFIGS = {
  'vit-b16': { model_type: 'vit', hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 },
  'vit-s16': { model_type: 'vit', hidden_size: 384, num_hidden_layers: 12, num_attention_heads: 6, intermediate_size: 1536 },
  'vit-ti16': { model_type: 'vit', hidden_size: 192, num_hidden_layers: 12, num_attention_heads: 3, intermediate_size: 768 },
  'resnet-50': { model_type: 'resnet', embedding_size: 64, hidden_sizes: [256, 512, 1024, 2048], depths: [3, 4, 6, 3], layer_type: 'bottleneck' },
  'resnet-18': { model_type: 'resnet', embedding_size: 64, hidden_sizes: [64, 128, 256, 512], depths: [2, 2, 2, 2], layer_type: 'basic' },
} as const;
export type BuiltinName = keyof typeof BUILTIN_CONFIGS;

export function isBuiltinName(s: string): s is BuiltinName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_CONFIGS, s);
}

export function builtinConfig(name: BuiltinName): HfConfig {
  return parseConfig({ ...BUILTIN_CONFIGS[name], architectures: [CLASSIFICATION_ARCHITECTURE[BUILTIN_CONFIGS[name].model_type]] }, name);
}
