/**
 * Config → plan for every family we build. Callers that hold a loaded checkpoint use planOf();
 * a checkpoint that already carries its plan (foundation-model folders, cached specs) keeps it.
 */
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
}

export function shapesOf(weights: Map<string, { shape: number[] }>): ShapeOf {
  return (name) => weights.get(name)?.shape;
}

/** The network of a loaded checkpoint: the plan it carries, else one read from its config and weight shapes. */
export function planOf(src: PlanSource, opts: VitPlanOptions = {}): NetworkPlan {
  if (src.plan) return src.plan;
  const shapeOf = shapesOf(src.weights);
  return src.arch === 'resnet' ? resnetPlan(src.config, shapeOf, opts) : vitPlan(src.config, shapeOf, opts);
}
