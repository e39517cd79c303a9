/**
 * Plan → TensorFlow.js ResNet: the one tfjs forward pass of a ResnetPlan, for inference, training
 * and Grad-CAM (stage outputs).
 *
 *   stem: conv 7x7/2 + BN + ReLU, maxpool 3x3/2 pad 1
 *   stages of residual units: relu(body(x) + shortcut(x)), the shortcut a 1x1 conv + BN or identity
 *   global average pool, then the head.
 *
 * Computation is NHWC (tfjs's native layout); inputs are NCHW like HF pixel_values. Convolutions
 * have no bias and padding k//2 on every side (explicit, since tfjs 'same' pads asymmetrically for
 * stride 2). BatchNorm uses running statistics unless `training` is set (see forward()).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hwioToOihw, oihwToHwio, transpose2d } from '../models/layout.js';
import type { TensorEntry } from '../models/safetensors.js';
import { batchesTrackedName, stateDictShapes } from '../models/state-dict.js';
import type { ConvBnPlan, ResnetPlan } from '../plan.js';
import { planTensorShapes, prefixTensorNames } from '../plan.js';
import type { WeightGetter } from './onnx.js';
import { toVariable } from './tfjs.js';

/** Batch statistics keyed by BatchNorm module (a plain object: tf.tidy keeps tensors in objects, not in Maps). */
export type BatchStats = Record<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;

export interface ResnetForwardOptions {
  /** Also return the stem output and every stage's output (NHWC). */
  outputHiddenStates?: boolean;
  /**
   * BatchNorm on batch statistics (what model.train() does in PyTorch). The batch mean and
   * unbiased variance of every BN are returned in `batchStats` for updateRunningStats().
   */
  training?: boolean;
}

export interface ResnetOutput {
  /** [B, labels] (empty [B, 0] for a plan without head). */
  logits: tf.Tensor2D;
  /** Global-average-pooled last stage, what the head sees: [B, C]. */
  features: tf.Tensor2D;
  /** NHWC. */
  embedderOutput?: tf.Tensor4D;
  /** NHWC, one per stage. */
  stageOutputs?: tf.Tensor4D[];
  batchStats?: BatchStats;
}

/** The BatchNorm module a conv layer normalises with: its batch statistics are reported under this name. */
const bnModule = (c: ConvBnPlan): string => c.bn.weight.replace(/\.weight$/, '');

export class TfjsResnet {
  readonly arch = 'resnet' as const;
  /** Trainable parameters (conv HWIO, head [in, out], BN weight/bias) keyed by checkpoint name. */
  readonly params = new Map<string, tf.Variable>();
  /** BN running statistics (non-trainable variables) keyed by checkpoint name. */
  readonly buffers = new Map<string, tf.Variable>();
  /** num_batches_tracked counters (int64 in PyTorch; tfjs has no int64, so kept here). */
  readonly batchesTracked = new Map<string, bigint>();
  private readonly bnOf = new Map<string, ConvBnPlan>();
  private readonly foldCache = new Map<string, { deps: object[]; filter: tf.Tensor4D; bias: tf.Tensor1D }>();
  /**
   * A suffix model (last-k training): the stem and the first `cut` residual units (counted across
   * stages) run elsewhere (onnxruntime, emit/onnx.ts with the same cut); this one holds the rest
   * and takes their output, forwardHidden(). null: the whole network.
   */
  readonly cut: number | null;

  constructor(
    readonly plan: ResnetPlan,
    get: WeightGetter,
    opts: { trainable?: boolean; batchesTracked?: (name: string) => bigint; cut?: number } = {},
  ) {
    const trainable = opts.trainable ?? true;
    const shapes = planTensorShapes(plan);
    this.cut = opts.cut ?? null;
    if (this.cut !== null) prefixTensorNames(plan, this.cut); // checks the boundary
    const add = (name: string, t: tf.Tensor, isBuffer = false): void => void (isBuffer ? this.buffers : this.params).set(name, toVariable(t, isBuffer ? false : trainable));
    const units = plan.stages.flat().slice(this.cut ?? 0);
    // state-dict order (a unit's shortcut first), so the trainer sees its parameters as transformers lists them
    for (const c of [...(this.cut === null ? [plan.stem] : []), ...units.flatMap((r) => [...(r.shortcut ? [r.shortcut] : []), ...r.body])]) {
      const shape = shapes.get(c.conv)!;
      const [o, i, h, w] = shape as [number, number, number, number];
      add(c.conv, tf.tensor4d(oihwToHwio(get(c.conv, shape), shape), [h, w, i, o]));
      for (const n of [c.bn.weight, c.bn.bias]) add(n, tf.tensor1d(get(n, [c.outC])));
      for (const n of [c.bn.mean, c.bn.variance]) add(n, tf.tensor1d(get(n, [c.outC])), true);
      this.batchesTracked.set(batchesTrackedName(c), opts.batchesTracked?.(batchesTrackedName(c)) ?? 0n);
      this.bnOf.set(bnModule(c), c);
    }
    if (plan.head) {
      const h = plan.head;
      add(h.weight, tf.tensor2d(transpose2d(get(h.weight, [h.out, h.in]), h.out, h.in), [h.in, h.out]));
      if (h.bias) add(h.bias, tf.tensor1d(get(h.bias, [h.out])));
    }
  }

  /**
   * With running statistics, BN(conv(x, W)) = conv(x, W * s) + (beta - mean * s) where
   * s = gamma / sqrt(var + eps): one fused conv+bias+ReLU kernel instead of three passes
   * (~15% of ResNet-50 inference on wasm).
   */
  private foldBatchNorm(c: ConvBnPlan): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const scale = tf.mul(this.params.get(c.bn.weight)!, tf.rsqrt(tf.add(this.buffers.get(c.bn.variance)!, c.bn.eps)));
    return {
      filter: tf.mul(this.params.get(c.conv)!, scale) as tf.Tensor4D, // scale broadcasts over O, the last axis of HWIO
      bias: tf.sub(this.params.get(c.bn.bias)!, tf.mul(this.buffers.get(c.bn.mean)!, scale)) as tf.Tensor1D,
    };
  }

  /**
   * foldBatchNorm, cached until one of its five variables is assigned (assign gives a variable a
   * new dataId). Not while gradients are recorded: a cached tensor would cut the path from the
   * loss back to the weights, so folding then happens inline, on the tape.
   */
  private folded(c: ConvBnPlan): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    if (tf.engine().state.gradientDepth > 0) return this.foldBatchNorm(c);
    const deps = [c.conv, c.bn.weight, c.bn.bias].map((n) => this.params.get(n)!.dataId);
    deps.push(this.buffers.get(c.bn.mean)!.dataId, this.buffers.get(c.bn.variance)!.dataId);
    const hit = this.foldCache.get(c.conv);
    if (hit && hit.deps.every((d, i) => d === deps[i])) return hit;
    if (hit) tf.dispose([hit.filter, hit.bias]);
    const f = tf.tidy(() => this.foldBatchNorm(c) as unknown as tf.TensorContainer) as unknown as { filter: tf.Tensor4D; bias: tf.Tensor1D };
    const entry = { deps, filter: tf.keep(f.filter), bias: tf.keep(f.bias) };
    this.foldCache.set(c.conv, entry);
    return entry;
  }

  /** Conv (no bias) -> BatchNorm -> optional ReLU. */
  private convBn(x: tf.Tensor4D, c: ConvBnPlan, stats: BatchStats | undefined): tf.Tensor4D {
    const pad = Math.floor(c.kernel / 2);
    if (!stats) {
      const { filter, bias } = this.folded(c);
      return tf.fused.conv2d({ x, filter, strides: c.stride, pad, bias, activation: c.relu ? 'relu' : 'linear' });
    }
    const y = tf.conv2d(x, this.params.get(c.conv) as tf.Tensor4D, c.stride, pad);
    // model.train(): normalise with the batch's statistics, report them for the running averages
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const z = tf.batchNorm(y, mean, variance, this.params.get(c.bn.bias) as tf.Tensor1D, this.params.get(c.bn.weight) as tf.Tensor1D, c.bn.eps) as tf.Tensor4D;
    const n = y.shape[0] * y.shape[1] * y.shape[2];
    // running_var is updated with the unbiased variance, as torch does
    stats[bnModule(c)] = { mean: mean as tf.Tensor1D, variance: tf.mul(variance, n / Math.max(n - 1, 1)) as tf.Tensor1D };
    return c.relu ? tf.relu(z) : z;
  }

  /** `pixels` NCHW, preprocessed. The caller disposes the outputs. */
  forward(pixels: tf.Tensor4D, opts: ResnetForwardOptions = {}): ResnetOutput {
    const plan = this.plan;
    if (this.cut !== null) throw new Error(`this model starts after residual unit ${this.cut}: forwardHidden() takes that unit's output`);
    if (pixels.shape[1] !== plan.channels) throw new Error(`ResNet: expected ${plan.channels} channels, got [${pixels.shape}]`);
    return this.encode((stats) => {
      const x = this.convBn(tf.transpose(pixels, [0, 2, 3, 1]), plan.stem, stats); // NHWC
      return tf.maxPool(x, 3, 2, 1); // padding never wins a max, as PyTorch's -inf padding
    }, 0, opts);
  }

  /**
   * A suffix model's forward: `hidden` NCHW is the output of residual unit `cut` − 1 (the prefix
   * graph's hidden_state). With outputHiddenStates, embedderOutput is that input (NHWC) and
   * stageOutputs hold the stages the suffix reaches. The caller disposes `hidden` and the outputs.
   */
  forwardHidden(hidden: tf.Tensor4D, opts: ResnetForwardOptions = {}): ResnetOutput {
    if (this.cut === null) throw new Error('forwardHidden() is for a model built with a cut');
    return this.encode(() => tf.transpose(hidden, [0, 2, 3, 1]), this.cut, opts);
  }

  /** Residual units `from`.. (across stages) on the NHWC map `first()` makes, then pooling and head. */
  private encode(first: (stats: BatchStats | undefined) => tf.Tensor4D, from: number, opts: ResnetForwardOptions): ResnetOutput {
    const plan = this.plan;
    return tf.tidy(() => {
      const stats: BatchStats | undefined = opts.training ? {} : undefined;
      let x = first(stats);
      const embedderOutput = x;
      const stageOutputs: tf.Tensor4D[] = [];
      let unitIndex = 0;
      for (const stage of plan.stages) {
        if (unitIndex + stage.length <= from) {
          unitIndex += stage.length;
          continue;
        }
        for (const unit of stage) {
          if (unitIndex++ < from) continue;
          // One tidy per residual unit frees its intermediates right away (large batches
          // would otherwise exhaust the 4 GB wasm heap); batch statistics are kept.
          const prev = x;
          x = tf.tidy(() => {
            const residual = unit.shortcut ? this.convBn(prev, unit.shortcut, stats) : prev;
            let h = prev;
            for (const c of unit.body) h = this.convBn(h, c, stats);
            if (stats) for (const s of Object.values(stats)) tf.keep(s.mean), tf.keep(s.variance);
            return tf.relu(tf.add(h, residual)) as tf.Tensor4D;
          });
          if (prev !== embedderOutput && !stageOutputs.includes(prev)) prev.dispose();
        }
        stageOutputs.push(x);
      }
      const features = tf.mean(x, [1, 2]) as tf.Tensor2D;
      const head = plan.head;
      const logits = head
        ? (tf.add(tf.matMul(features, this.params.get(head.weight) as tf.Tensor2D), head.bias ? this.params.get(head.bias)! : 0) as tf.Tensor2D)
        : tf.zeros([features.shape[0], 0]);
      const out: ResnetOutput = { logits: logits as tf.Tensor2D, features };
      if (opts.outputHiddenStates) {
        out.embedderOutput = embedderOutput;
        out.stageOutputs = stageOutputs;
      }
      if (stats) out.batchStats = stats;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ResnetOutput;
  }

  /**
   * After a training step: running = (1 - momentum) running + momentum batch (torch's rule,
   * momentum 0.1), and num_batches_tracked += 1. Disposes `stats`.
   */
  updateRunningStats(stats: BatchStats, momentum = 0.1): void {
    for (const [bn, s] of Object.entries(stats)) {
      const c = this.bnOf.get(bn)!;
      for (const [name, batch] of [[c.bn.mean, s.mean], [c.bn.variance, s.variance]] as const) {
        const v = this.buffers.get(name)!;
        v.assign(tf.tidy(() => tf.add(tf.mul(v, 1 - momentum), tf.mul(batch, momentum))));
      }
      const nbt = batchesTrackedName(c);
      this.batchesTracked.set(nbt, (this.batchesTracked.get(nbt) ?? 0n) + 1n);
      s.mean.dispose();
      s.variance.dispose();
    }
  }

  /** Parameters, buffers and counters back in checkpoint names and layout, in state-dict order. */
  exportWeights(): Map<string, TensorEntry> {
    const out = new Map<string, TensorEntry>();
    for (const [name, shape] of stateDictShapes(this.plan)) {
      const counter = this.batchesTracked.get(name);
      if (counter !== undefined) {
        out.set(name, { dtype: 'I64', shape: [], data: BigInt64Array.of(counter) });
        continue;
      }
      const v = this.params.get(name) ?? this.buffers.get(name);
      if (!v) continue; // a suffix model's prefix
      let data: Float32Array = new Float32Array(v.dataSync() as Float32Array);
      if (shape.length === 4) data = hwioToOihw(data, shape);
      else if (shape.length === 2) data = transpose2d(data, shape[1]!, shape[0]!);
      out.set(name, { dtype: 'F32', shape: [...shape], data });
    }
    return out;
  }

  dispose(): void {
    for (const f of this.foldCache.values()) tf.dispose([f.filter, f.bias]);
    this.foldCache.clear();
    for (const v of [...this.params.values(), ...this.buffers.values()]) v.dispose();
    this.params.clear();
    this.buffers.clear();
  }
}
