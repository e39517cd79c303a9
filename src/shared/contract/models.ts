/**
 * The model registry (checkpoint folders the user imported, plus the built-in architectures) and
 * which inference engines run here. A model's `dir` is its checkpoint folder, or a built-in name
 * for rows slide analyses registered on their own.
 */
import { z } from 'zod';
import { call } from './define.js';

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
    provider: z.string(),
    threads: z.number().int(),
    reason: z.string(),
  }),
  defaultEngine: z.enum(['onnx', 'tfjs']),
});

const ModelId = z.object({ id: z.number().int().positive() });

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
  'engine.info': call(z.object({}), EngineStatus, 'Which TensorFlow.js backend runs and why, and the onnxruntime execution providers available.'),
} as const;

export type RegisteredModel = z.output<typeof RegisteredModel>;
export type BuiltinModel = z.output<typeof BuiltinModel>;
export type ModelDetail = z.output<typeof ModelDetail>;
export type EngineStatus = z.output<typeof EngineStatus>;
