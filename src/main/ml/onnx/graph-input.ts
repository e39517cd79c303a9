/**
 * What the graph builders need from a checkpoint. Deliberately structural: `loadCheckpoint()`'s
 * result satisfies it, and so does a hand-made object in tests or benchmarks.
 */
import type { NetworkPlan } from '../plan.js';

export interface GraphTensor {
  shape: number[];
  data: Float32Array | BigInt64Array;
}

export interface GraphCheckpoint {
  /** The network; derived from config and weight shapes when absent (arch/index.ts planOf). */
  plan?: NetworkPlan;
  arch: 'vit' | 'resnet';
  /** The HuggingFace config.json, as parsed. */
  config: Record<string, unknown>;
  /** Checkpoint key names: HF ForImageClassification ('vit.…', 'classifier.weight'), DINOv2 or timm keys. */
  weights: Map<string, GraphTensor>;
}

/** A float tensor by name, checking its shape when one is expected. */
export function floatWeight(ck: GraphCheckpoint, name: string, shape?: readonly number[]): Float32Array {
  const t = ck.weights.get(name);
  if (!t) throw new Error(`checkpoint has no tensor ${name}`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(`tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  // Read once: a lazily read entry (safetensors.ts lazyTensorEntry) reads its file on every access.
  const data = t.data;
  if (!(data instanceof Float32Array)) throw new Error(`tensor ${name} is not floating point`);
  return data;
}

export function configNumber(config: Record<string, unknown>, key: string, fallback?: number): number {
  const v = config[key];
  if (typeof v === 'number') return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`config.json has no numeric ${key}`);
}
