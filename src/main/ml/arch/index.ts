/**
 * Config → plan for every family we build. Callers that hold a loaded checkpoint use planOf();
 * a checkpoint that already carries its plan (foundation-model folders, cached specs) keeps it.
 */
import type { HfConfig } from '../models/configs.js';
import { modelInputSize, type PreprocessorConfig } from '../models/processors.js';
import type { NetworkPlan } from '../plan.js';
import { resnetPlan } from './resnet.js';
import { type ShapeOf, vitPlan, type VitPlanOptions } from './vit.js';

export { vitLayout, vitPlan, timmArchitectureDefaults, type ShapeOf, type VitHints, type VitPlanOptions } from './vit.js';
export { resnetPlan } from './resnet.js';

export interface PlanSource {
  arch: 'vit' | 'resnet';
  config: Record<string, unknown>;
  weights: Map<string, { shape: number[] }>;
  /** Set when the loader already described the network (foundation-model folders). */
  plan?: NetworkPlan;
  /** A ResNet runs at the size its processor crops to (its config has none). */
  preprocessor?: PreprocessorConfig;
}

export function shapesOf(weights: Map<string, { shape: number[] }>): ShapeOf {
  return (name) => weights.get(name)?.shape;
}

/** The network of a loaded checkpoint: the plan it carries, else one read from its config and weight shapes. */
export function planOf(src: PlanSource, opts: VitPlanOptions = {}): NetworkPlan {
  if (src.plan) return src.plan;
  const shapeOf = shapesOf(src.weights);
  if (src.arch === 'vit') return vitPlan(src.config, shapeOf, opts);
  const size = src.preprocessor && !opts.inputSize ? modelInputSize(src.preprocessor) : null;
  return resnetPlan(src.config, shapeOf, size ? { ...opts, inputSize: [size.height, size.width] } : opts);
}

/**
 * The plan of an HF classifier (ViTForImageClassification, ResNetForImageClassification) with
 * `numLabels` classes, from its config alone: what a loader checks a folder against and what a
 * model made from scratch is initialised by.
 */
export function classifierPlan(config: HfConfig, numLabels: number): NetworkPlan {
  return planOf({ arch: config.model_type, config, weights: new Map() }, { numLabels });
}
