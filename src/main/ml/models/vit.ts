/**
 * ViTForImageClassification (Dosovitskiy et al. 2020) in TensorFlow.js, following transformers'
 * modeling_vit.py: parameters carry the checkpoint's names, the forward pass is the same sequence
 * of operations.
 *
 *   pixel_values [B,C,H,W] -> 16x16 patches -> linear projection -> [CLS] + patches + position
 *   -> L x (pre-norm self-attention, pre-norm MLP with exact erf GELU) -> layernorm
 *   -> classifier on the [CLS] token.
 *
 * Parameters are tf.Variables keyed by HF name, stored in compute layout (see layout.ts): linear
 * weights [in, out]; the patch projection, a Conv2d with kernel = stride = patch, is the same thing
 * as a linear map of each flattened (c, y, x) patch, so it is kept as [C*p*p, D] and applied
 * as a matmul (no convolution, no Conv2DBackpropFilter needed when training).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ViTConfig } from './configs.js';
import { constantInit, tensorRng, truncNormal } from './init.js';
import { numel, transpose2d } from './layout.js';
import type { TensorEntry } from './safetensors.js';

// ---------------------------------------------------------------------------------------------
// Parameters: names, shapes (PyTorch layout, as in the checkpoint), initialisation
// ---------------------------------------------------------------------------------------------
export function vitNumPatches(cfg: ViTConfig): { gh: number; gw: number } {
  const g = Math.floor(cfg.image_size / cfg.patch_size);
  return { gh: g, gw: g };
}

/** Every parameter of ViTForImageClassification in state_dict order, HF name -> shape. */
export function vitParameterShapes(cfg: ViTConfig, numLabels: number): Map<string, number[]> {
  const d = cfg.hidden_size;
  const inter = cfg.intermediate_size;
  const { gh, gw } = vitNumPatches(cfg);
  const m = new Map<string, number[]>();
  m.set('vit.embeddings.cls_token', [1, 1, d]);
  m.set('vit.embeddings.position_embeddings', [1, gh * gw + 1, d]);
  m.set('vit.embeddings.patch_embeddings.projection.weight', [d, cfg.num_channels, cfg.patch_size, cfg.patch_size]);
  m.set('vit.embeddings.patch_embeddings.projection.bias', [d]);
  const linear = (name: string, out: number, inp: number, bias = true): void => {
    m.set(`${name}.weight`, [out, inp]);
    if (bias) m.set(`${name}.bias`, [out]);
  };
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const p = `vit.encoder.layer.${i}`;
    for (const qkv of ['query', 'key', 'value']) linear(`${p}.attention.attention.${qkv}`, d, d, cfg.qkv_bias);
    linear(`${p}.attention.output.dense`, d, d);
    linear(`${p}.intermediate.dense`, inter, d);
    linear(`${p}.output.dense`, d, inter);
    for (const ln of ['layernorm_before', 'layernorm_after']) {
      m.set(`${p}.${ln}.weight`, [d]);
      m.set(`${p}.${ln}.bias`, [d]);
    }
  }
  m.set('vit.layernorm.weight', [d]);
  m.set('vit.layernorm.bias', [d]);
  linear('classifier', numLabels, d);
  return m;
}

/**
 * ViTPreTrainedModel._init_weights: Linear/Conv2d weights and the cls/position embeddings
 * trunc-normal(std = initializer_range), biases 0, LayerNorm weight 1 and bias 0.
 */
export function vitInitParameter(name: string, shape: number[], cfg: ViTConfig, seed: number): TensorEntry {
  const n = numel(shape);
  let data: Float32Array;
  if (/layernorm(_before|_after)?\.weight$/.test(name)) data = constantInit(n, 1);
  else if (name.endsWith('.bias')) data = constantInit(n, 0);
  else data = truncNormal(n, cfg.initializer_range, tensorRng(seed, name));
  return { dtype: 'F32', shape, data };
}

// ---------------------------------------------------------------------------------------------
// Layout: checkpoint (PyTorch) <-> compute
// ---------------------------------------------------------------------------------------------
const PROJECTION = 'vit.embeddings.patch_embeddings.projection.weight';

function isLinearWeight(name: string, shape: number[]): boolean {
  return shape.length === 2 && name.endsWith('.weight');
}

function toCompute(name: string, e: TensorEntry): { shape: number[]; data: Float32Array } {
  const data = e.data as Float32Array;
  if (name === PROJECTION) {
    // [D, C, p, p] = [D, C*p*p] row-major -> [C*p*p, D]
    const [d, c, p, q] = e.shape;
    return { shape: [c * p * q, d], data: transpose2d(data, d, c * p * q) };
  }
  if (isLinearWeight(name, e.shape)) {
    const [out, inp] = e.shape;
    return { shape: [inp, out], data: transpose2d(data, out, inp) };
  }
  return { shape: e.shape, data };
}

function fromCompute(name: string, data: Float32Array, hfShape: number[]): Float32Array {
  if (name === PROJECTION) {
    const [d, c, p, q] = hfShape;
    return transpose2d(data, c * p * q, d);
  }
  if (isLinearWeight(name, hfShape)) return transpose2d(data, hfShape[1], hfShape[0]);
  return data;
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

export interface ViTForwardOptions {
  /** Attention probabilities of every layer, [B, heads, T, T] each. */
  outputAttentions?: boolean;
  /** Embeddings and each layer's output (before the final layernorm), [B, T, D] each. */
  outputHiddenStates?: boolean;
}

export interface ViTOutput {
  logits: tf.Tensor2D;
  /** The [CLS] token after the final layernorm, what the classifier sees: [B, D]. */
  features: tf.Tensor2D;
  /** Final layernorm over all tokens: [B, T, D], T = 1 + patches, CLS first. */
  lastHiddenState: tf.Tensor3D;
  hiddenStates?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
}

export class ViTForImageClassification {
  readonly arch = 'vit' as const;
  /** Trainable parameters in compute layout, keyed by HF name. */
  readonly params = new Map<string, tf.Variable>();
  private readonly hfShapes: Map<string, number[]>;

  /** `weights` must hold every name of vitParameterShapes(config, numLabels) (see checkpoint.ts). */
  constructor(
    readonly config: ViTConfig,
    weights: Map<string, TensorEntry>,
    readonly numLabels: number,
  ) {
    if (!['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'].includes(config.hidden_act)) {
      throw new Error(`ViT: hidden_act ${config.hidden_act} is not supported`);
    }
    this.hfShapes = vitParameterShapes(config, numLabels);
    for (const [name, shape] of this.hfShapes) {
      const e = weights.get(name);
      if (!e) throw new Error(`ViT: weight ${name} missing`);
      if (e.shape.join() !== shape.join()) throw new Error(`ViT: ${name} has shape [${e.shape}], expected [${shape}]`);
      const c = toCompute(name, e);
      this.params.set(name, toVariable(tf.tensor(c.data, c.shape, 'float32'), true));
    }
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  /** y = x W + b on the last axis, W in [in, out] layout. */
  private linear(x: tf.Tensor, name: string): tf.Tensor {
    const w = this.p(`${name}.weight`);
    const lead = x.shape.slice(0, -1);
    let y = tf.matMul(tf.reshape(x, [-1, w.shape[0]]), w);
    const b = this.params.get(`${name}.bias`);
    if (b) y = tf.add(y, b);
    return tf.reshape(y, [...lead, w.shape[1]!]);
  }

  private layerNorm(x: tf.Tensor, name: string): tf.Tensor {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true); // biased, as torch.nn.LayerNorm
    const y = tf.mul(xc, tf.rsqrt(tf.add(variance, this.config.layer_norm_eps)));
    return tf.add(tf.mul(y, this.p(`${name}.weight`)), this.p(`${name}.bias`));
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.config.hidden_act) {
      case 'gelu': // exact: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
      case 'gelu_new':
      case 'gelu_pytorch_tanh': {
        const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
      }
      default:
        return tf.relu(x);
    }
  }

  /** ViTEmbeddings: patches -> projection, prepend [CLS], add position embeddings. */
  private embeddings(pixelValues: tf.Tensor4D): tf.Tensor3D {
    const [b, c, h, w] = pixelValues.shape;
    const ps = this.config.patch_size;
    if (h !== this.config.image_size || w !== this.config.image_size || c !== this.config.num_channels) {
      throw new Error(`ViT: input [${pixelValues.shape}] does not match config (${c !== this.config.num_channels ? `${this.config.num_channels} channels` : `image_size ${this.config.image_size}`})`);
    }
    const gh = h / ps;
    const gw = w / ps;
    const d = this.config.hidden_size;
    // [B, C, gh, p, gw, p] -> [B, gh, gw, C, p, p]: each patch flattened (c, y, x) like the conv
    // kernel; done as two rank-4 transposes, which every backend supports.
    let x: tf.Tensor = tf.reshape(pixelValues, [b * c * gh, ps, gw, ps]);
    x = tf.transpose(x, [0, 2, 1, 3]); // [B*C*gh, gw, p, p]
    x = tf.reshape(x, [b, c, gh * gw, ps * ps]);
    x = tf.transpose(x, [0, 2, 1, 3]); // [B, N, C, p*p]; patches row-major, like flatten(2)
    const patches = this.linear(tf.reshape(x, [b, gh * gw, c * ps * ps]), 'vit.embeddings.patch_embeddings.projection');
    const cls = tf.tile(this.p('vit.embeddings.cls_token'), [b, 1, 1]);
    const tokens = tf.concat([cls, patches], 1);
    return tf.reshape(tf.add(tokens, this.p('vit.embeddings.position_embeddings')), [b, gh * gw + 1, d]);
  }

  /** ViTSelfAttention + ViTSelfOutput; returns the attention output and the probabilities. */
  private attention(x: tf.Tensor3D, prefix: string): { out: tf.Tensor3D; probs: tf.Tensor4D } {
    const [b, t, d] = x.shape;
    const heads = this.config.num_attention_heads;
    const hd = d / heads;
    const split = (y: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(y, [b, t, heads, hd]), [0, 2, 1, 3]);
    const q = split(this.linear(x, `${prefix}.attention.attention.query`));
    const k = split(this.linear(x, `${prefix}.attention.attention.key`));
    const v = split(this.linear(x, `${prefix}.attention.attention.value`));
    const scores = tf.mul(tf.matMul(q, k, false, true), hd ** -0.5);
    const probs = tf.softmax(scores) as tf.Tensor4D; // over the last axis (keys)
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b, t, d]);
    return { out: this.linear(context, `${prefix}.attention.output.dense`) as tf.Tensor3D, probs };
  }

  /** ViTLayer: pre-norm attention and MLP, each with a residual connection. */
  private layer(x: tf.Tensor3D, i: number): { out: tf.Tensor3D; probs: tf.Tensor4D } {
    const prefix = `vit.encoder.layer.${i}`;
    const att = this.attention(this.layerNorm(x, `${prefix}.layernorm_before`) as tf.Tensor3D, prefix);
    const h = tf.add(att.out, x);
    const mlp = this.linear(this.activation(this.linear(this.layerNorm(h, `${prefix}.layernorm_after`), `${prefix}.intermediate.dense`)), `${prefix}.output.dense`);
    return { out: tf.add(mlp, h) as tf.Tensor3D, probs: att.probs };
  }

  /** `pixelValues` NCHW, as the image processor gives it. The caller disposes the outputs. */
  forward(pixelValues: tf.Tensor4D, opts: ViTForwardOptions = {}): ViTOutput {
    return tf.tidy(() => {
      // One tidy per layer frees its intermediates as soon as it is done; with a single tidy,
      // ViT-B at batch 8 exhausted the 4 GB wasm heap (abort in malloc).
      let h = tf.tidy(() => this.embeddings(pixelValues));
      const hiddenStates: tf.Tensor3D[] = [h];
      const attentions: tf.Tensor4D[] = [];
      for (let i = 0; i < this.config.num_hidden_layers; i++) {
        const [out, probs] = tf.tidy(() => {
          const r = this.layer(h, i);
          return opts.outputAttentions ? [r.out, r.probs] : [r.out];
        });
        if (!opts.outputHiddenStates) h.dispose();
        h = out as tf.Tensor3D;
        hiddenStates.push(h);
        if (probs) attentions.push(probs as tf.Tensor4D);
      }
      const lastHiddenState = this.layerNorm(h, 'vit.layernorm') as tf.Tensor3D;
      const [b, , d] = lastHiddenState.shape;
      const features = tf.reshape(tf.slice(lastHiddenState, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D;
      const logits = this.linear(features, 'classifier') as tf.Tensor2D;
      const out: ViTOutput = { logits, features, lastHiddenState };
      if (opts.outputHiddenStates) out.hiddenStates = hiddenStates;
      if (opts.outputAttentions) out.attentions = attentions;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ViTOutput;
  }

  /** Parameters back in checkpoint layout and names (F32). */
  exportWeights(): Map<string, TensorEntry> {
    const out = new Map<string, TensorEntry>();
    for (const [name, shape] of this.hfShapes) {
      const data = this.p(name).dataSync() as Float32Array;
      out.set(name, { dtype: 'F32', shape: [...shape], data: fromCompute(name, data.slice(), shape) });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/**
 * Attention rollout (Abnar & Zuidema 2020) from every layer's attention probabilities:
 * heads averaged, identity added for the residual path, rows renormalised, multiplied from the
 * first layer up (R = A_L ... A_1); returns the CLS row over the patches, [B, gh, gw], not
 * max-normalised.
 */
export function attentionRollout(attentions: tf.Tensor4D[], grid: { gh: number; gw: number }): tf.Tensor3D {
  return tf.tidy(() => {
    let r: tf.Tensor3D | null = null;
    for (const a of attentions) {
      const t = a.shape[2];
      let m = tf.add(tf.mean(a, 1), tf.eye(t)) as tf.Tensor3D;
      m = tf.div(m, tf.sum(m, -1, true));
      r = r ? (tf.matMul(m, r) as tf.Tensor3D) : m;
    }
    if (!r) throw new Error('attentionRollout: no attention maps');
    const [b, , t] = r.shape;
    return tf.reshape(tf.slice(r, [0, 0, 1], [b, 1, t - 1]), [b, grid.gh, grid.gw]);
  });
}
