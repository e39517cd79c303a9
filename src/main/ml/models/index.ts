/**
 * One entry point for every network: the tfjs model a checkpoint's plan describes (emit/), with
 * its weights as tf.Variables, for training, inference and explanation maps.
 */
import { planOf } from '../arch/index.js';
import { TfjsResnet } from '../emit/tfjs-resnet.js';
import { TfjsVit } from '../emit/tfjs.js';
import { floatWeight } from '../onnx/graph-input.js';
import type { Checkpoint } from './checkpoint.js';

export type ImageClassifier = TfjsVit | TfjsResnet;

/**
 * Creates tf.Variables for every weight of `ckpt`'s plan on the current backend (call initBackend() first).
 * With `cut`, only the suffix after that many blocks (last-k training; its forwardHidden() takes the prefix's output).
 */
export function createModel(ckpt: Pick<Checkpoint, 'arch' | 'config' | 'weights' | 'id2label'> & Partial<Pick<Checkpoint, 'preprocessor' | 'plan'>>, opts: { cut?: number } = {}): ImageClassifier {
  const plan = planOf(ckpt, ckpt.plan ? {} : { numLabels: Object.keys(ckpt.id2label).length });
  const get = (name: string, shape?: readonly number[]): Float32Array => floatWeight(ckpt, name, shape);
  if (plan.kind === 'vit') return new TfjsVit(plan, get, { cut: opts.cut });
  return new TfjsResnet(plan, get, {
    cut: opts.cut,
    batchesTracked: (name) => {
      const e = ckpt.weights.get(name);
      return e && e.data.length ? BigInt(e.data[0]!) : 0n;
    },
  });
}

export { TfjsVit, attentionRollout } from '../emit/tfjs.js';
export { TfjsResnet } from '../emit/tfjs-resnet.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint, type LoadOptions, type LoadReport } from './checkpoint.js';
