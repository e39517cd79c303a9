/**
 * One optimizer step: gradients of the (label-smoothed, optionally class-weighted) cross-entropy
 * over one or more micro-batches, summed, clipped if asked, applied. The trainer and the
 * training benchmark both step through here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipGradNorm, type Optimizer } from './optimizers.js';
import type { TrainModel } from './train-model.js';

/** Softmax cross-entropy with label smoothing, summed with per-image weights and divided by `denom`. */
export function lossOf(logits: tf.Tensor2D, labels: number[], weights: number[] | null, smoothing: number, denom: number): tf.Scalar {
  const k = logits.shape[1];
  const logp = tf.logSoftmax(logits);
  const target = tf.add(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), k), 1 - smoothing), smoothing / k);
  let per = tf.neg(tf.sum(tf.mul(target, logp), 1));
  if (weights) per = tf.mul(per, tf.tensor1d(labels.map((l) => weights[l])));
  return tf.div(tf.sum(per), denom) as tf.Scalar;
}

export interface StepOptions {
  /** Per-class loss weights, or null for none. */
  weights: number[] | null;
  labelSmoothing: number;
  maxGradNorm: number | null;
}

export class Stepper {
  private readonly vars: tf.Variable[];
  /** variableGrads keys gradients by tf.Variable name; parameters are known by checkpoint name. */
  private readonly paramOf: Map<string, string>;
  private acc: Record<string, tf.Tensor> = {};

  constructor(
    private readonly model: TrainModel,
    private readonly optimizer: Optimizer,
    private readonly opts: StepOptions,
  ) {
    this.vars = model.trainable.map((n) => model.params.get(n)!);
    this.paramOf = new Map(model.trainable.map((n) => [model.params.get(n)!.name, n]));
  }

  /**
   * Adds one micro-batch's gradients (its loss divided by `denom`, the step's total weight) to
   * the step's sum; disposes `x`. Returns the micro-batch's share of the step loss and its
   * predicted classes.
   */
  accumulate(x: tf.Tensor, labels: number[], denom: number): { loss: number; predicted: Int32Array } {
    let preds: tf.Tensor | null = null;
    let stats: ReturnType<TrainModel['forward']>['stats'];
    const res = tf.variableGrads(() => {
      const out = this.model.forward(x, true);
      preds = tf.keep(tf.argMax(out.logits, 1));
      if (out.stats) {
        stats = out.stats;
        for (const st of Object.values(stats)) tf.keep(st.mean), tf.keep(st.variance);
      }
      return lossOf(out.logits, labels, this.opts.weights, this.opts.labelSmoothing, denom);
    }, this.vars);
    x.dispose();
    const loss = res.value.dataSync()[0];
    res.value.dispose();
    const p = preds as tf.Tensor | null;
    const predicted = p!.dataSync() as Int32Array;
    p!.dispose();
    if (stats) this.model.applyStats(stats);
    for (const [varName, g] of Object.entries(res.grads)) {
      const name = this.paramOf.get(varName)!;
      const prev = this.acc[name];
      if (prev) {
        this.acc[name] = tf.add(prev, g);
        prev.dispose();
        g.dispose();
      } else this.acc[name] = g;
    }
    return { loss, predicted };
  }

  /** Drops the gradients summed so far (a step cancelled between its passes). */
  discard(): void {
    tf.dispose(Object.values(this.acc));
    this.acc = {};
  }

  /** Applies the summed gradients at learning rate `lr` and starts a new sum. */
  apply(lr: number): void {
    if (this.opts.maxGradNorm !== null) clipGradNorm(this.acc, this.opts.maxGradNorm);
    this.optimizer.step(this.acc, lr);
    tf.dispose(Object.values(this.acc));
    this.acc = {};
  }
}
