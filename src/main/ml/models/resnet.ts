/**
 * ResNetForImageClassification (He et al. 2015) in TensorFlow.js, following transformers'
 * modeling_resnet.py: parameters carry the checkpoint's names, the forward pass is the same
 * sequence of operations.
 *
 *   embedder: conv 7x7/2 + BN + ReLU, maxpool 3x3/2 pad 1
 *   encoder: stages of bottleneck (1x1 reduce, 3x3, 1x1 expand) or basic (3x3, 3x3) layers with
 *            a projection shortcut (1x1 conv + BN) where channels or stride change
 *   pooler: global average; classifier.1: linear (classifier.0 is a Flatten).
 *
 * Computation is NHWC (tfjs's native layout); inputs are NCHW like HF pixel_values. Convolutions
 * have no bias and padding k//2 on every side (explicit, since tfjs 'same' pads asymmetrically for
 * stride 2). BatchNorm uses running statistics unless `training` is set (see forward()).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResNetConfig } from './configs.js';
import { constantInit, normalInit, tensorRng, uniformInit } from './init.js';
import { hwioToOihw, numel, oihwToHwio, transpose2d } from './layout.js';
import type { TensorEntry } from './safetensors.js';

const BN_EPS = 1e-5; // torch.nn.BatchNorm2d default, which HF's ResNet uses
const BN_STATS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

// ---------------------------------------------------------------------------------------------
// Architecture plan: the same loops as ResNetEncoder / ResNetStage build their modules
// ---------------------------------------------------------------------------------------------
interface ConvSpec {
  /** e.g. 'resnet.encoder.stages.0.layers.0.layer.1' (the ResNetConvLayer / ResNetShortCut) */
  name: string;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  relu: boolean;
}

interface LayerSpec {
  name: string;
  shortcut: ConvSpec | null;
  convs: ConvSpec[];
}

export function resnetPlan(cfg: ResNetConfig): { embedder: ConvSpec; stages: LayerSpec[][] } {
  const embedder: ConvSpec = { name: 'resnet.embedder.embedder', inC: cfg.num_channels, outC: cfg.embedding_size, k: 7, stride: 2, relu: true };
  const stages: LayerSpec[][] = [];
  for (let s = 0; s < cfg.depths.length; s++) {
    const stageIn = s === 0 ? cfg.embedding_size : cfg.hidden_sizes[s - 1];
    const out = cfg.hidden_sizes[s];
    const stageStride = s === 0 ? (cfg.downsample_in_first_stage ? 2 : 1) : 2;
    const layers: LayerSpec[] = [];
    for (let l = 0; l < cfg.depths[s]; l++) {
      const name = `resnet.encoder.stages.${s}.layers.${l}`;
      const inC = l === 0 ? stageIn : out;
      const stride = l === 0 ? stageStride : 1;
      const shortcut = inC !== out || stride !== 1 ? { name: `${name}.shortcut`, inC, outC: out, k: 1, stride, relu: false } : null;
      const conv = (i: number, a: number, b: number, k: number, st: number, relu: boolean): ConvSpec => ({ name: `${name}.layer.${i}`, inC: a, outC: b, k, stride: st, relu });
      let convs: ConvSpec[];
      if (cfg.layer_type === 'bottleneck') {
        const red = Math.floor(out / 4); // reduction = 4
        const inBottleneck = cfg.downsample_in_bottleneck; // stride on the first 1x1 instead of the 3x3
        convs = [conv(0, inC, red, 1, inBottleneck ? stride : 1, true), conv(1, red, red, 3, inBottleneck ? 1 : stride, true), conv(2, red, out, 1, 1, false)];
      } else {
        convs = [conv(0, inC, out, 3, stride, true), conv(1, out, out, 3, 1, false)];
      }
      layers.push({ name, shortcut, convs });
    }
    stages.push(layers);
  }
  return { embedder, stages };
}

/** Every parameter and buffer of ResNetForImageClassification in state_dict order, HF name -> shape. */
export function resnetParameterShapes(cfg: ResNetConfig, numLabels: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const conv = (c: ConvSpec): void => {
    m.set(`${c.name}.convolution.weight`, [c.outC, c.inC, c.k, c.k]);
    for (const s of BN_STATS) m.set(`${c.name}.normalization.${s}`, [c.outC]);
    m.set(`${c.name}.normalization.num_batches_tracked`, []);
  };
  const plan = resnetPlan(cfg);
  conv(plan.embedder);
  for (const layer of plan.stages.flat()) {
    if (layer.shortcut) conv(layer.shortcut);
    layer.convs.forEach(conv);
  }
  m.set('classifier.1.weight', [numLabels, cfg.hidden_sizes[cfg.hidden_sizes.length - 1]]);
  m.set('classifier.1.bias', [numLabels]);
  return m;
}

/**
 * ResNetPreTrainedModel._init_weights: convs kaiming-normal (fan_out, relu gain), BatchNorm
 * weight 1 / bias 0 with running mean 0 / var 1, Linear as torch's default reset_parameters
 * (uniform +-1/sqrt(fan_in) for weight and bias).
 */
export function resnetInitParameter(name: string, shape: number[], cfg: ResNetConfig, seed: number): TensorEntry {
  const n = numel(shape);
  if (name.endsWith('num_batches_tracked')) return { dtype: 'I64', shape, data: new BigInt64Array(Math.max(n, 1)) };
  let data: Float32Array;
  if (name.endsWith('convolution.weight')) data = normalInit(n, Math.sqrt(2 / (shape[0] * shape[2] * shape[3])), tensorRng(seed, name));
  else if (name.endsWith('normalization.weight') || name.endsWith('running_var')) data = constantInit(n, 1);
  else if (name.endsWith('normalization.bias') || name.endsWith('running_mean')) data = constantInit(n, 0);
  else if (name.startsWith('classifier.')) {
    const fanIn = name.endsWith('weight') ? shape[1] : cfg.hidden_sizes[cfg.hidden_sizes.length - 1];
    data = uniformInit(n, 1 / Math.sqrt(fanIn), tensorRng(seed, name));
  } else throw new Error(`ResNet: no initialiser for ${name}`);
  return { dtype: 'F32', shape, data };
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/** A variable owning the tensor's data (tf.variable shares it; dropping the tensor leaves one handle). */
function toVariable(t: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

export interface ResNetForwardOptions {
  /** Also return the embedder output and every stage's output (NHWC). */
  outputHiddenStates?: boolean;
  /**
   * BatchNorm on batch statistics (what model.train() does in PyTorch). The batch mean and
   * unbiased variance of every BN are returned in `batchStats` for updateRunningStats().
   */
  training?: boolean;
}

export interface ResNetOutput {
  logits: tf.Tensor2D;
  /** Global-average-pooled last stage, what classifier.1 sees: [B, C]. */
  features: tf.Tensor2D;
  /** NHWC. */
  embedderOutput?: tf.Tensor4D;
  /** NHWC, one per stage. */
  stageOutputs?: tf.Tensor4D[];
  /** Keyed by BN name (a plain object: tf.tidy keeps tensors in objects, not in Maps). */
  batchStats?: Record<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;
}

export class ResNetForImageClassification {
  readonly arch = 'resnet' as const;
  /** Trainable parameters (conv HWIO, classifier [in, out], BN weight/bias) keyed by HF name. */
  readonly params = new Map<string, tf.Variable>();
  /** BN running statistics (non-trainable variables) keyed by HF name. */
  readonly buffers = new Map<string, tf.Variable>();
  /** num_batches_tracked counters (int64 in PyTorch; tfjs has no int64, so kept here). */
  readonly batchesTracked = new Map<string, bigint>();
  private readonly hfShapes: Map<string, number[]>;
  private readonly plan: ReturnType<typeof resnetPlan>;
  private readonly foldCache = new Map<string, { deps: object[]; filter: tf.Tensor4D; bias: tf.Tensor1D }>();

  constructor(
    readonly config: ResNetConfig,
    weights: Map<string, TensorEntry>,
    readonly numLabels: number,
  ) {
    if (config.hidden_act !== 'relu') throw new Error(`ResNet: hidden_act ${config.hidden_act} is not supported`);
    this.plan = resnetPlan(config);
    this.hfShapes = resnetParameterShapes(config, numLabels);
    for (const [name, shape] of this.hfShapes) {
      const e = weights.get(name);
      if (name.endsWith('num_batches_tracked')) {
        this.batchesTracked.set(name, e ? BigInt(e.data[0] ?? 0) : 0n);
        continue;
      }
      if (!e) throw new Error(`ResNet: weight ${name} missing`);
      if (e.shape.join() !== shape.join()) throw new Error(`ResNet: ${name} has shape [${e.shape}], expected [${shape}]`);
      const data = e.data as Float32Array;
      if (name.endsWith('convolution.weight')) {
        const [o, i, h, w] = shape;
        this.params.set(name, toVariable(tf.tensor4d(oihwToHwio(data, shape), [h, w, i, o]), true));
      } else if (name === 'classifier.1.weight') {
        this.params.set(name, toVariable(tf.tensor2d(transpose2d(data, shape[0], shape[1]), [shape[1], shape[0]]), true));
      } else if (name.endsWith('running_mean') || name.endsWith('running_var')) {
        this.buffers.set(name, toVariable(tf.tensor1d(data), false));
      } else {
        this.params.set(name, toVariable(tf.tensor(data, shape, 'float32'), true));
      }
    }
  }

  /**
   * With running statistics, BN(conv(x, W)) = conv(x, W * s) + (beta - mean * s) where
   * s = gamma / sqrt(var + eps): one fused conv+bias+ReLU kernel instead of three passes
   * (~15% of ResNet-50 inference on wasm).
   */
  private foldBatchNorm(c: ConvSpec): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    const bn = `${c.name}.normalization`;
    const gamma = this.params.get(`${bn}.weight`)!;
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(this.buffers.get(`${bn}.running_var`)!, BN_EPS)));
    return {
      filter: tf.mul(this.params.get(`${c.name}.convolution.weight`)!, scale) as tf.Tensor4D, // scale broadcasts over O, the last axis of HWIO
      bias: tf.sub(this.params.get(`${bn}.bias`)!, tf.mul(this.buffers.get(`${bn}.running_mean`)!, scale)) as tf.Tensor1D,
    };
  }

  /**
   * foldBatchNorm, cached until one of its five variables is assigned (assign gives a variable a
   * new dataId). Not while gradients are recorded: a cached tensor would cut the path from the
   * loss back to the weights, so folding then happens inline, on the tape.
   */
  private folded(c: ConvSpec): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
    if (tf.engine().state.gradientDepth > 0) return this.foldBatchNorm(c);
    const bn = `${c.name}.normalization`;
    const deps = [`${c.name}.convolution.weight`, `${bn}.weight`, `${bn}.bias`].map((n) => this.params.get(n)!.dataId);
    deps.push(this.buffers.get(`${bn}.running_mean`)!.dataId, this.buffers.get(`${bn}.running_var`)!.dataId);
    const hit = this.foldCache.get(c.name);
    if (hit && hit.deps.every((d, i) => d === deps[i])) return hit;
    if (hit) tf.dispose([hit.filter, hit.bias]);
    const f = tf.tidy(() => this.foldBatchNorm(c) as unknown as tf.TensorContainer) as unknown as { filter: tf.Tensor4D; bias: tf.Tensor1D };
    const entry = { deps, filter: tf.keep(f.filter), bias: tf.keep(f.bias) };
    this.foldCache.set(c.name, entry);
    return entry;
  }

  /** ResNetConvLayer / ResNetShortCut: conv (no bias) -> BatchNorm -> optional ReLU. */
  private convLayer(x: tf.Tensor4D, c: ConvSpec, training: boolean, stats: ResNetOutput['batchStats']): tf.Tensor4D {
    if (!training) {
      const { filter, bias } = this.folded(c);
      return tf.fused.conv2d({ x, filter, strides: c.stride, pad: Math.floor(c.k / 2), bias, activation: c.relu ? 'relu' : 'linear' });
    }
    const y = tf.conv2d(x, this.params.get(`${c.name}.convolution.weight`) as tf.Tensor4D, c.stride, Math.floor(c.k / 2));
    const bn = `${c.name}.normalization`;
    const scale = this.params.get(`${bn}.weight`) as tf.Tensor1D;
    const offset = this.params.get(`${bn}.bias`) as tf.Tensor1D;
    // model.train(): normalise with the batch's statistics, report them for the running averages
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const z = tf.batchNorm(y, mean, variance, offset, scale, BN_EPS) as tf.Tensor4D;
    const n = y.shape[0] * y.shape[1] * y.shape[2];
    // running_var is updated with the unbiased variance, as torch does
    stats![bn] = { mean: mean as tf.Tensor1D, variance: tf.mul(variance, n / Math.max(n - 1, 1)) as tf.Tensor1D };
    return c.relu ? tf.relu(z) : z;
  }

  /** `pixelValues` NCHW, as the image processor gives it. The caller disposes the outputs. */
  forward(pixelValues: tf.Tensor4D, opts: ResNetForwardOptions = {}): ResNetOutput {
    const training = opts.training ?? false;
    return tf.tidy(() => {
      const stats: ResNetOutput['batchStats'] = training ? {} : undefined;
      if (pixelValues.shape[1] !== this.config.num_channels) throw new Error(`ResNet: expected ${this.config.num_channels} channels, got [${pixelValues.shape}]`);
      let x = tf.transpose(pixelValues, [0, 2, 3, 1]); // NHWC
      x = this.convLayer(x, this.plan.embedder, training, stats);
      x = tf.maxPool(x, 3, 2, 1); // padding never wins a max, as PyTorch's -inf padding
      const embedderOutput = x;
      const stageOutputs: tf.Tensor4D[] = [];
      for (const stage of this.plan.stages) {
        for (const layer of stage) {
          // One tidy per residual block frees its intermediates right away (large batches
          // would otherwise exhaust the 4 GB wasm heap); batch statistics are kept.
          const prev = x;
          x = tf.tidy(() => {
            const residual = layer.shortcut ? this.convLayer(prev, layer.shortcut, training, stats) : prev;
            let h = prev;
            for (const c of layer.convs) h = this.convLayer(h, c, training, stats);
            if (stats) for (const s of Object.values(stats)) tf.keep(s.mean), tf.keep(s.variance);
            return tf.relu(tf.add(h, residual)) as tf.Tensor4D;
          });
          if (prev !== embedderOutput && !stageOutputs.includes(prev)) prev.dispose();
        }
        stageOutputs.push(x);
      }
      const features = tf.mean(x, [1, 2]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(features, this.params.get('classifier.1.weight') as tf.Tensor2D), this.params.get('classifier.1.bias')!) as tf.Tensor2D;
      const out: ResNetOutput = { logits, features };
      if (opts.outputHiddenStates) {
        out.embedderOutput = embedderOutput;
        out.stageOutputs = stageOutputs;
      }
      if (stats) out.batchStats = stats;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ResNetOutput;
  }

  /**
   * After a training step: running = (1 - momentum) running + momentum batch (torch's rule,
   * momentum 0.1), and num_batches_tracked += 1. Disposes `stats`.
   */
  updateRunningStats(stats: NonNullable<ResNetOutput['batchStats']>, momentum = 0.1): void {
    for (const [bn, s] of Object.entries(stats)) {
      for (const [key, batch] of [['running_mean', s.mean], ['running_var', s.variance]] as const) {
        const v = this.buffers.get(`${bn}.${key}`)!;
        v.assign(tf.tidy(() => tf.add(tf.mul(v, 1 - momentum), tf.mul(batch, momentum))));
      }
      const nbt = `${bn}.num_batches_tracked`;
      this.batchesTracked.set(nbt, (this.batchesTracked.get(nbt) ?? 0n) + 1n);
      s.mean.dispose();
      s.variance.dispose();
    }
  }

  /** Parameters and buffers back in checkpoint layout and names. */
  exportWeights(): Map<string, TensorEntry> {
    const out = new Map<string, TensorEntry>();
    for (const [name, shape] of this.hfShapes) {
      if (name.endsWith('num_batches_tracked')) {
        out.set(name, { dtype: 'I64', shape: [], data: BigInt64Array.of(this.batchesTracked.get(name) ?? 0n) });
        continue;
      }
      const v = this.params.get(name) ?? this.buffers.get(name)!;
      let data: Float32Array = new Float32Array(v.dataSync() as Float32Array);
      if (name.endsWith('convolution.weight')) data = hwioToOihw(data, shape);
      else if (name === 'classifier.1.weight') data = transpose2d(data, shape[1], shape[0]);
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
