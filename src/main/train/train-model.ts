/**
 * What the trainer trains, behind one interface: the whole network (full mode), the network
 * after its frozen blocks on their hidden state (last-k mode), or a linear classifier on frozen
 * backbone features (head mode). Both know which parameters are
 * trainable and give back complete checkpoint weights in HuggingFace names and layouts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainMode } from '../../shared/contract/training.js';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import type { BatchStats } from '../ml/emit/tfjs-resnet.js';
import { classifierNames } from '../ml/head/head-checkpoint.js';
import { createModel, type ImageClassifier } from '../ml/models/index.js';
import { transpose2d } from '../ml/models/layout.js';
import type { TensorEntry } from '../ml/models/safetensors.js';
import { floatWeight } from '../ml/onnx/graph-input.js';
import { stateDictShapes } from '../ml/models/state-dict.js';
import { blockTensorNames } from '../ml/plan.js';

export type { BatchStats } from '../ml/emit/tfjs-resnet.js';

export interface TrainModel {
  params: Map<string, tf.Variable>;
  trainable: string[];
  /** Logits of a batch: NCHW pixels, or [B, D] features for a head. */
  forward(x: tf.Tensor, training: boolean): { logits: tf.Tensor2D; stats?: BatchStats };
  /** After an optimizer step: fold the batch's BatchNorm statistics into the running ones. */
  applyStats(stats: BatchStats): void;
  /** Whether forward(training = true) normalises with batch statistics (ResNet, full mode). */
  batchNormTrains: boolean;
  exportWeights(): Map<string, TensorEntry>;
  dispose(): void;
}

/**
 * Names unfrozen by last-k: the tensors of the plan's last k blocks (ViT transformer layers,
 * ResNet residual units counted across stages), plus the head, and a ViT's final norm.
 */
export function lastKNames(model: ImageClassifier, k: number): string[] {
  const plan = model.plan;
  const blocks = blockTensorNames(plan);
  const open = new Set(blocks.slice(Math.max(0, blocks.length - k)).flat());
  for (const n of [plan.head?.weight, plan.head?.bias]) if (n) open.add(n);
  if (plan.kind === 'vit') open.add(plan.norm.weight).add(plan.norm.bias);
  return [...model.params.keys()].filter((n) => open.has(n));
}

export function networkModel(ckpt: Checkpoint, mode: Exclude<TrainMode, 'head'>, lastK: number): TrainModel {
  const model = createModel(ckpt);
  const trainable = mode === 'full' ? [...model.params.keys()] : lastKNames(model, lastK);
  // last-k keeps BatchNorm on its running statistics (frozen BN), the usual choice when most of the network is fixed
  const batchNormTrains = model.arch === 'resnet' && mode === 'full';
  // HF ViT trains with the dropout its config names (0 in the reference checkpoints)
  const rate = (key: string): number => (typeof ckpt.config[key] === 'number' ? (ckpt.config[key] as number) : 0);
  const dropout = { hidden: rate('hidden_dropout_prob'), attention: rate('attention_probs_dropout_prob') };
  return {
    params: model.params,
    trainable,
    batchNormTrains,
    forward(x, training) {
      if (model.arch === 'resnet') {
        const out = model.forward(x as tf.Tensor4D, { training: training && batchNormTrains });
        tf.dispose(out.features);
        return { logits: out.logits, stats: out.batchStats };
      }
      const out = model.forward(x as tf.Tensor4D, { dropout: training ? dropout : undefined });
      tf.dispose([out.features, out.lastHiddenState]);
      return { logits: out.logits };
    },
    applyStats(stats) {
      if (model.arch === 'resnet') model.updateRunningStats(stats);
    },
    exportWeights: () => model.exportWeights(),
    dispose: () => model.dispose(),
  };
}

/**
 * Last-k mode's learning part: the network after its first `cut` blocks (frozen-prefix.ts runs
 * those on onnxruntime), fed their hidden state. The frozen tensors stay in JS memory, unchanged,
 * and are written back with the trained ones, so a checkpoint is still the whole model. BatchNorm
 * keeps its running statistics and ViT dropout is off in the frozen blocks (they run in eval mode).
 */
export function suffixModel(ckpt: Checkpoint, cut: number): TrainModel {
  const model = createModel(ckpt, { cut });
  const plan = model.plan;
  const own = new Set([...model.params.keys(), ...(model.arch === 'resnet' ? [...model.buffers.keys(), ...model.batchesTracked.keys()] : [])]);
  const frozen = new Map<string, TensorEntry>();
  for (const [name, shape] of stateDictShapes(plan)) {
    if (own.has(name)) continue;
    const e = ckpt.weights.get(name);
    if (name.endsWith('num_batches_tracked')) frozen.set(name, { dtype: 'I64', shape: [], data: BigInt64Array.of(e && e.data.length ? BigInt(e.data[0]!) : 0n) });
    else frozen.set(name, { dtype: 'F32', shape: [...shape], data: floatWeight(ckpt, name, shape) });
  }
  const rate = (key: string): number => (typeof ckpt.config[key] === 'number' ? (ckpt.config[key] as number) : 0);
  const dropout = { hidden: rate('hidden_dropout_prob'), attention: rate('attention_probs_dropout_prob') };
  return {
    params: model.params,
    trainable: [...model.params.keys()],
    batchNormTrains: false,
    forward(x, training) {
      if (model.arch === 'resnet') {
        const out = model.forwardHidden(x as tf.Tensor4D);
        tf.dispose(out.features);
        return { logits: out.logits };
      }
      const out = model.forwardHidden(x as tf.Tensor3D, { dropout: training ? dropout : undefined });
      tf.dispose([out.features, out.lastHiddenState]);
      return { logits: out.logits };
    },
    applyStats: () => undefined,
    exportWeights() {
      const trained = model.exportWeights();
      const out = new Map<string, TensorEntry>();
      for (const name of stateDictShapes(plan).keys()) out.set(name, trained.get(name) ?? frozen.get(name)!);
      return out;
    },
    dispose: () => model.dispose(),
  };
}

/** A linear classifier y = x W + b on features, W kept [D, K]; the backbone's weights ride along unchanged. */
export function headModel(ckpt: Checkpoint): TrainModel {
  const { weight, bias } = classifierNames(ckpt);
  const w = ckpt.weights.get(weight)!;
  const b = ckpt.weights.get(bias)!;
  const [k, d] = w.shape;
  const params = new Map<string, tf.Variable>([
    [weight, tf.variable(tf.tensor2d(transpose2d(w.data as Float32Array, k, d), [d, k]), true)],
    [bias, tf.variable(tf.tensor1d(b.data as Float32Array), true)],
  ]);
  return {
    params,
    trainable: [weight, bias],
    batchNormTrains: false,
    forward: (x) => ({ logits: tf.add(tf.matMul(x as tf.Tensor2D, params.get(weight)!), params.get(bias)!) as tf.Tensor2D }),
    applyStats: () => undefined,
    exportWeights() {
      const out = new Map(ckpt.weights);
      out.set(weight, { dtype: 'F32', shape: [k, d], data: transpose2d(params.get(weight)!.dataSync() as Float32Array, d, k) });
      out.set(bias, { dtype: 'F32', shape: [k], data: new Float32Array(params.get(bias)!.dataSync() as Float32Array) });
      return out;
    },
    dispose() {
      for (const v of params.values()) v.dispose();
    },
  };
}
