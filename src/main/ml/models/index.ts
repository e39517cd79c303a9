/**
 * One entry point for every network: the tfjs model a checkpoint's plan describes (emit/), with
 * its weights as tf.Variables, for training, inference and explanation maps.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { planOf } from '../arch/index.js';
import { TfjsResnet } from '../emit/tfjs-resnet.js';
import { TfjsVit } from '../emit/tfjs.js';
import type { Checkpoint } from './checkpoint.js';

export type ImageClassifier = TfjsVit | TfjsResnet;

/** What both models return; ViT/ResNet add their own extras (attentions, stage outputs). */
export interface ClassifierOutput {
  /** [B, labels]; [B, 0] for a backbone without head. */
  logits: tf.Tensor2D;
  features: tf.Tensor2D;
}

/** A float tensor of the checkpoint by name, shape-checked. */
function weightGetter(ckpt: Pick<Checkpoint, 'weights'>): (name: string, shape?: readonly number[]) => Float32Array {
  return (name, shape) => {
    const e = ckpt.weights.get(name);
    if (!e) throw new Error(`weight ${name} missing`);
    if (shape && e.shape.join() !== shape.join()) throw new Error(`${name} has shape [${e.shape}], expected [${shape}]`);
    if (!(e.data instanceof Float32Array)) throw new Error(`${name} is not float32`);
    return e.data;
  };
}

/** Creates tf.Variables for every weight of `ckpt`'s plan on the current backend (call initBackend() first). */
export function createModel(ckpt: Pick<Checkpoint, 'arch' | 'config' | 'weights' | 'id2label'> & Partial<Pick<Checkpoint, 'preprocessor' | 'plan'>>): ImageClassifier {
  const plan = planOf(ckpt, ckpt.plan ? {} : { numLabels: Object.keys(ckpt.id2label).length });
  const get = weightGetter(ckpt);
  if (plan.kind === 'vit') return new TfjsVit(plan, get);
  return new TfjsResnet(plan, get, {
    batchesTracked: (name) => {
      const e = ckpt.weights.get(name);
      return e && e.data.length ? BigInt(e.data[0]!) : 0n;
    },
  });
}

export { TfjsVit, attentionRollout } from '../emit/tfjs.js';
export { TfjsResnet } from '../emit/tfjs-resnet.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint, type LoadOptions, type LoadReport } from './checkpoint.js';
