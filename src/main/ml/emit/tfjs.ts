/**
 * Plan → TensorFlow.js ViT: the one tfjs forward pass of every ViT plan, for inference, training
 * and attention maps. The same plan the ONNX emitter reads, so the engines compute one network:
 * patch embedding, CLS/register tokens and positions (the rule of `plan.pos`), pre-norm blocks
 * with LayerScale, fused or separate q/k/v, GELU (erf/tanh) or packed SwiGLU, final norm, pooling,
 * head.
 *
 * Parameters are tf.Variables keyed by checkpoint name, in compute layout (Linear [in, out]; the
 * patch conv, kernel = stride = p, as a [C·p·p, D] matmul over flattened patches, so training
 * needs no Conv2DBackpropFilter). Tokens and positions are added in the graph, so they train too;
 * only a position table resampled to another grid is precomputed (weights/pos-embed.ts), and then
 * it stays fixed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { transpose2d } from '../models/layout.js';
import type { TensorEntry } from '../models/safetensors.js';
import { stateDictShapes } from '../models/state-dict.js';
import type { LinearPlan, MlpPlan, NormPlan, VitPlan } from '../plan.js';
import { patchGrid, prefixTensorNames, prefixTokens } from '../plan.js';
import { tokenEmbeddings } from '../weights/pos-embed.js';
import type { WeightGetter } from './onnx.js';

export interface VitForwardOptions {
  /** Every layer's attention probabilities, [B, heads, T, T] each (attention rollout). */
  outputAttentions?: boolean;
  /** The embeddings and each block's output (before the final norm), [B, T, D] each. */
  outputHiddenStates?: boolean;
  /**
   * Training only: dropout rates as the model was configured (HF hidden_dropout_prob on the
   * embeddings and after attention output and MLP; attention_probs_dropout_prob on the probabilities).
   */
  dropout?: { hidden: number; attention: number };
}

export interface VitOutput {
  /** The pooled embedding [B, E]. */
  features: tf.Tensor2D;
  /** [B, labels]; [B, 0] when the plan has no head (a backbone), as the ONNX engine gives. */
  logits: tf.Tensor2D;
  /** Every token after the final norm [B, T, D], CLS first, then registers and patches. */
  lastHiddenState: tf.Tensor3D;
  hiddenStates?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
}

/** A variable owning the tensor's data (tf.variable shares it; dropping the tensor leaves one handle). */
export function toVariable(t: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** A Linear weight: PyTorch [out, in] → compute [in, out]. */
function linearToCompute(data: Float32Array, l: LinearPlan): tf.Tensor2D {
  return tf.tensor2d(transpose2d(data, l.out, l.in), [l.in, l.out]);
}

export class TfjsVit {
  readonly arch = 'vit' as const;
  /** Every tensor of the plan as a variable in compute layout, keyed by checkpoint name. */
  readonly params = new Map<string, tf.Variable>();
  /** Patch positions resampled to the run grid (only when it differs from the table's). */
  private readonly resampledPos: tf.Tensor3D | null = null;
  private readonly linears = new Set<string>();
  /**
   * A suffix model (last-k training): the plan's first `cut` blocks and its embeddings run
   * elsewhere (onnxruntime, emit/onnx.ts with the same cut); this one holds only the rest and
   * takes their output, forwardHidden(). null: the whole network.
   */
  readonly cut: number | null;

  constructor(
    readonly plan: VitPlan,
    get: WeightGetter,
    opts: { trainable?: boolean; cut?: number } = {},
  ) {
    const trainable = opts.trainable ?? true;
    const D = plan.dim;
    const p = plan.patchSize;
    const C = plan.channels;
    this.cut = opts.cut ?? null;
    const frozen = new Set(this.cut === null ? [] : prefixTensorNames(plan, this.cut));
    // state-dict order, so the trainer sees its parameters in the order transformers lists them
    for (const [name, shape] of stateDictShapes(plan)) {
      if (frozen.has(name)) continue;
      const data = get(name, shape);
      let t: tf.Tensor;
      if (name === plan.patchEmbed.weight) t = tf.tensor2d(transpose2d(data, D, C * p * p), [C * p * p, D]); // [D, C·p·p] row-major → [C·p·p, D]
      else if (shape.length === 2) {
        t = linearToCompute(data, { weight: name, bias: null, out: shape[0]!, in: shape[1]! });
        this.linears.add(name);
      } else t = tf.tensor(data, shape, 'float32');
      this.params.set(name, toVariable(t, trainable));
    }
    const [gh, gw] = patchGrid(plan);
    if (this.cut === null && (gh !== plan.pos.grid[0] || gw !== plan.pos.grid[1])) {
      this.resampledPos = tf.tensor3d(tokenEmbeddings(plan, get).patchPos, [1, gh * gw, D]);
    }
  }

  private w(name: string): tf.Tensor {
    return this.params.get(name)!;
  }

  private linear(x: tf.Tensor, l: LinearPlan): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    let y = tf.matMul(tf.reshape(x, [-1, l.in]), this.w(l.weight) as tf.Tensor2D);
    if (l.bias) y = tf.add(y, this.w(l.bias));
    return tf.reshape(y, [...lead, l.out]);
  }

  private layerNorm(x: tf.Tensor, n: NormPlan): tf.Tensor {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true); // biased, as torch.nn.LayerNorm
    return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, n.eps))), this.w(n.weight)), this.w(n.bias));
  }

  private mlp(x: tf.Tensor, m: MlpPlan): tf.Tensor {
    const u = this.linear(x, m.fc1);
    if (m.kind === 'swiglu') {
      const [x1, x2] = tf.split(u, 2, -1) as [tf.Tensor, tf.Tensor]; // first half gated
      return this.linear(tf.mul(tf.mul(x1, tf.sigmoid(x1)), x2), m.fc2);
    }
    const act =
      m.approximate === 'erf'
        ? tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2)))) // x Φ(x)
        : tf.mul(tf.mul(u, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(u, tf.mul(0.044715, tf.pow(u, 3)))))));
    return this.linear(act, m.fc2);
  }

  /** Patches projected, tokens prepended, positions added by the plan's rule: [B, T, D]. */
  private embeddings(pixels: tf.Tensor4D): tf.Tensor3D {
    const [b, c, h, w] = pixels.shape;
    const plan = this.plan;
    const ps = plan.patchSize;
    const D = plan.dim;
    if (c !== plan.channels || h !== plan.inputSize[0] || w !== plan.inputSize[1]) {
      throw new Error(`input [${pixels.shape}] does not match the model's [${plan.channels}, ${plan.inputSize.join(', ')}]`);
    }
    const [gh, gw] = patchGrid(plan);
    const N = gh * gw;
    // [B, C, gh, p, gw, p] → [B, gh·gw, C·p·p], each patch flattened (c, y, x) like the conv
    // kernel; two rank-4 transposes, which every backend supports.
    let x: tf.Tensor = tf.reshape(pixels, [b * c * gh, ps, gw, ps]);
    x = tf.transpose(x, [0, 2, 1, 3]);
    x = tf.reshape(x, [b, c, N, ps * ps]);
    x = tf.transpose(x, [0, 2, 1, 3]);
    const projected = tf.add(tf.matMul(tf.reshape(x, [b * N, c * ps * ps]), this.w(plan.patchEmbed.weight) as tf.Tensor2D), this.w(plan.patchEmbed.bias));
    const R = plan.registers?.count ?? 0;
    const pos = this.w(plan.pos.name);
    // Rows of the table before its patch rows: CLS and registers ('all'), CLS ('cls+patches'), none ('patches').
    const lead = plan.pos.covers === 'all' ? 1 + R : plan.pos.covers === 'cls+patches' ? 1 : 0;
    const patchPos = this.resampledPos ?? tf.slice(pos, [0, lead, 0], [1, N, D]);
    const patches = tf.add(tf.reshape(projected, [b, N, D]), patchPos);
    let cls = this.w(plan.clsToken);
    if (lead > 0) cls = tf.add(cls, tf.slice(pos, [0, 0, 0], [1, 1, D]));
    const prefix = [cls];
    if (plan.registers) {
      let reg = this.w(plan.registers.name);
      if (lead > 1) reg = tf.add(reg, tf.slice(pos, [0, 1, 0], [1, R, D]));
      prefix.push(reg);
    }
    const tokens = prefix.length > 1 ? tf.concat(prefix, 1) : prefix[0]!;
    return tf.concat([tf.tile(tokens, [b, 1, 1]), patches], 1) as tf.Tensor3D;
  }

  /** `pixels` NCHW, preprocessed. The caller disposes the outputs. */
  forward(pixels: tf.Tensor4D, opts: VitForwardOptions = {}): VitOutput {
    if (this.cut !== null) throw new Error(`this model starts after block ${this.cut}: forwardHidden() takes that block's output`);
    const drop = (y: tf.Tensor, rate: number | undefined): tf.Tensor => (rate ? tf.dropout(y, rate) : y);
    return this.encode(() => drop(this.embeddings(pixels), opts.dropout?.hidden) as tf.Tensor3D, 0, opts);
  }

  /**
   * A suffix model's forward: `hidden` [B, T, D] is the output of block `cut` − 1 (the prefix
   * graph's hidden_state); hiddenStates then start with it. The caller disposes `hidden` and the outputs.
   */
  forwardHidden(hidden: tf.Tensor3D, opts: VitForwardOptions = {}): VitOutput {
    if (this.cut === null) throw new Error('forwardHidden() is for a model built with a cut');
    return this.encode(() => tf.clone(hidden), this.cut, opts);
  }

  /** Blocks `from`.. on the tokens `first()` makes, then the final norm, pooling and head. */
  private encode(first: () => tf.Tensor3D, from: number, opts: VitForwardOptions): VitOutput {
    const plan = this.plan;
    const D = plan.dim;
    const drop = (y: tf.Tensor, rate: number | undefined): tf.Tensor => (rate ? tf.dropout(y, rate) : y);
    return tf.tidy(() => {
      // One tidy per block frees its intermediates as soon as it is done; with a single tidy,
      // ViT-B at batch 8 exhausted the 4 GB wasm heap (abort in malloc).
      let x = tf.tidy(first);
      const hiddenStates: tf.Tensor3D[] = [x];
      const attentions: tf.Tensor4D[] = [];
      for (const blk of plan.blocks.slice(from)) {
        const prev = x;
        const [out, probs] = tf.tidy(() => {
          const [b, t] = prev.shape;
          const nh = blk.attn.heads;
          const hd = D / nh;
          const h = this.layerNorm(prev, blk.norm1);
          const qkv = blk.attn.qkv;
          const [q, k, v] =
            qkv.kind === 'fused' ? (tf.split(this.linear(h, qkv.qkv), 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor]) : [this.linear(h, qkv.q), this.linear(h, qkv.k), this.linear(h, qkv.v)];
          const split = (y: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(y, [b, t, nh, hd]), [0, 2, 1, 3]);
          const probs = tf.softmax(tf.mul(tf.matMul(split(q), split(k), false, true), hd ** -0.5)) as tf.Tensor4D;
          const ctx = tf.reshape(tf.transpose(tf.matMul(drop(probs, opts.dropout?.attention), split(v)), [0, 2, 1, 3]), [b, t, D]);
          const scale = (y: tf.Tensor, g: string | null): tf.Tensor => (g ? tf.mul(y, this.w(g)) : y);
          const h1 = tf.add(prev, scale(drop(this.linear(ctx, blk.attn.proj), opts.dropout?.hidden), blk.ls1));
          const y = tf.add(h1, scale(drop(this.mlp(this.layerNorm(h1, blk.norm2), blk.mlp), opts.dropout?.hidden), blk.ls2)) as tf.Tensor3D;
          return opts.outputAttentions ? [y, probs] : [y];
        });
        if (!opts.outputHiddenStates) prev.dispose();
        x = out as tf.Tensor3D;
        hiddenStates.push(x);
        if (probs) attentions.push(probs as tf.Tensor4D);
      }
      const last = this.layerNorm(x, plan.norm) as tf.Tensor3D;
      const [b, t] = last.shape;
      const P = prefixTokens(plan);
      const cls = (): tf.Tensor2D => tf.reshape(tf.slice(last, [0, 0, 0], [b, 1, D]), [b, D]);
      const mean = (): tf.Tensor2D => tf.mean(tf.slice(last, [0, P, 0], [b, t - P, D]), 1) as tf.Tensor2D;
      const features = plan.pooling === 'cls' ? cls() : plan.pooling === 'mean' ? mean() : (tf.concat([cls(), mean()], 1) as tf.Tensor2D);
      const out: VitOutput = { features, logits: plan.head ? (this.linear(features, plan.head) as tf.Tensor2D) : tf.zeros([b, 0]), lastHiddenState: last };
      if (opts.outputHiddenStates) out.hiddenStates = hiddenStates;
      if (opts.outputAttentions) out.attentions = attentions;
      return out as unknown as tf.TensorContainer;
    }) as unknown as VitOutput;
  }

  /** The parameters back in checkpoint names and layout (F32), in state-dict order (a suffix model: its own only). */
  exportWeights(): Map<string, TensorEntry> {
    const out = new Map<string, TensorEntry>();
    const { patchEmbed, dim: D, channels: C, patchSize: p } = this.plan;
    for (const [name, shape] of stateDictShapes(this.plan)) {
      const v = this.params.get(name);
      if (!v) continue; // a suffix model's prefix
      const data = (v.dataSync() as Float32Array).slice();
      let back: Float32Array = data;
      if (name === patchEmbed.weight) back = transpose2d(data, C * p * p, D);
      else if (this.linears.has(name)) back = transpose2d(data, shape[1]!, shape[0]!);
      out.set(name, { dtype: 'F32', shape: [...shape], data: back });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.resampledPos?.dispose();
  }
}

/**
 * Attention rollout (Abnar & Zuidema 2020) from every layer's attention probabilities:
 * heads averaged, identity added for the residual path, rows renormalised, multiplied from the
 * first layer up (R = A_L ... A_1); returns the CLS row over the patches, [B, gh, gw], not
 * max-normalised. `prefix` tokens (CLS and registers) come before the patches.
 */
export function attentionRollout(attentions: tf.Tensor4D[], [gh, gw]: [number, number], prefix = 1): tf.Tensor3D {
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
    return tf.reshape(tf.slice(r, [0, 0, prefix], [b, 1, t - prefix]), [b, gh, gw]);
  });
}
