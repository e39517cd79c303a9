/**
 * Plan → TensorFlow.js forward pass (inference). The same plan the ONNX emitter reads, so the two
 * engines compute one network: tokens and positions from weights/pos-embed.ts, pre-norm blocks
 * with LayerScale, fused or separate q/k/v, GELU (erf/tanh) or packed SwiGLU, final norm, pooling.
 *
 * Parameters are tensors keyed by checkpoint name, in compute layout (Linear [in, out]; the patch
 * conv, kernel = stride = p, as a [C·p·p, D] matmul over flattened patches).
 */
import * as tf from '@tensorflow/tfjs-core';
import { transpose2d } from '../models/layout.js';
import type { LinearPlan, MlpPlan, NormPlan, VitPlan } from '../plan.js';
import { patchGrid, prefixTokens } from '../plan.js';
import { tokenEmbeddings } from '../weights/pos-embed.js';
import type { WeightGetter } from './onnx.js';

export interface PlanForwardOutput {
  /** The pooled embedding [N, E]. */
  features: tf.Tensor2D;
  /** [N, labels] when the plan has a head. */
  logits: tf.Tensor2D | null;
  /** Every token after the final norm [N, T, D]. */
  lastHiddenState: tf.Tensor3D;
}

export class TfjsVit {
  private readonly t = new Map<string, tf.Tensor>();

  constructor(
    readonly plan: VitPlan,
    get: WeightGetter,
  ) {
    const D = plan.dim;
    const keep = (name: string, x: tf.Tensor): void => void this.t.set(name, x);
    const lin = (l: LinearPlan | null): void => {
      if (!l) return;
      keep(l.weight, tf.tensor2d(transpose2d(get(l.weight, [l.out, l.in]), l.out, l.in), [l.in, l.out]));
      if (l.bias) keep(l.bias, tf.tensor1d(get(l.bias, [l.out])));
    };
    const norm = (n: NormPlan): void => {
      keep(n.weight, tf.tensor1d(get(n.weight, [D])));
      keep(n.bias, tf.tensor1d(get(n.bias, [D])));
    };
    const p = plan.patchSize;
    const C = plan.channels;
    // Conv weight [D, C, p, p] is already [D, C·p·p] row-major: transpose to [C·p·p, D].
    keep(plan.patchEmbed.weight, tf.tensor2d(transpose2d(get(plan.patchEmbed.weight, [D, C, p, p]), D, C * p * p), [C * p * p, D]));
    keep(plan.patchEmbed.bias, tf.tensor1d(get(plan.patchEmbed.bias, [D])));
    const emb = tokenEmbeddings(plan, get);
    const [gh, gw] = patchGrid(plan);
    keep('prefix_tokens', tf.tensor3d(emb.prefix, [1, prefixTokens(plan), D]));
    keep('patch_pos', tf.tensor3d(emb.patchPos, [1, gh * gw, D]));
    for (const b of plan.blocks) {
      norm(b.norm1);
      if (b.attn.qkv.kind === 'fused') lin(b.attn.qkv.qkv);
      else [b.attn.qkv.q, b.attn.qkv.k, b.attn.qkv.v].forEach(lin);
      lin(b.attn.proj);
      for (const g of [b.ls1, b.ls2]) if (g) keep(g, tf.tensor1d(get(g, [D])));
      norm(b.norm2);
      lin(b.mlp.fc1);
      lin(b.mlp.fc2);
    }
    norm(plan.norm);
    lin(plan.head);
  }

  private w(name: string): tf.Tensor {
    return this.t.get(name)!;
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
      return this.linear(tf.mul(tf.mul(x1!, tf.sigmoid(x1!)), x2!), m.fc2);
    }
    const act =
      m.approximate === 'erf'
        ? tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))))
        : tf.mul(tf.mul(u, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(u, tf.mul(0.044715, tf.pow(u, 3)))))));
    return this.linear(act, m.fc2);
  }

  private embeddings(pixels: tf.Tensor4D): tf.Tensor3D {
    const [b, c, h, w] = pixels.shape;
    const plan = this.plan;
    const ps = plan.patchSize;
    if (c !== plan.channels || h !== plan.inputSize[0] || w !== plan.inputSize[1]) {
      throw new Error(`input [${pixels.shape}] does not match the model's [${plan.channels}, ${plan.inputSize.join(', ')}]`);
    }
    const [gh, gw] = patchGrid(plan);
    // [B, C, gh, p, gw, p] → [B, gh·gw, C·p·p], each patch flattened (c, y, x) like the conv kernel.
    let x: tf.Tensor = tf.reshape(pixels, [b * c * gh, ps, gw, ps]);
    x = tf.transpose(x, [0, 2, 1, 3]);
    x = tf.reshape(x, [b, c, gh * gw, ps * ps]);
    x = tf.transpose(x, [0, 2, 1, 3]);
    const patches = tf.add(
      tf.add(tf.matMul(tf.reshape(x, [b * gh * gw, c * ps * ps]), this.w(plan.patchEmbed.weight) as tf.Tensor2D), this.w(plan.patchEmbed.bias)),
      tf.tile(tf.reshape(this.w('patch_pos'), [gh * gw, plan.dim]), [b, 1]),
    );
    const prefix = tf.tile(this.w('prefix_tokens'), [b, 1, 1]);
    return tf.concat([prefix, tf.reshape(patches, [b, gh * gw, plan.dim])], 1) as tf.Tensor3D;
  }

  /** `pixels` NCHW, preprocessed. The caller disposes the outputs. */
  forward(pixels: tf.Tensor4D): PlanForwardOutput {
    const plan = this.plan;
    const D = plan.dim;
    let x = tf.tidy(() => this.embeddings(pixels));
    for (const blk of plan.blocks) {
      // One tidy per block frees its intermediates early (ViT-B at batch 8 otherwise exhausts the wasm heap).
      const next = tf.tidy(() => {
        const [b, t] = x.shape;
        const nh = blk.attn.heads;
        const hd = D / nh;
        const h = this.layerNorm(x, blk.norm1);
        const qkv = blk.attn.qkv;
        const [q, k, v] =
          qkv.kind === 'fused' ? (tf.split(this.linear(h, qkv.qkv), 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor]) : [this.linear(h, qkv.q), this.linear(h, qkv.k), this.linear(h, qkv.v)];
        const split = (y: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(y, [b, t, nh, hd]), [0, 2, 1, 3]);
        const probs = tf.softmax(tf.mul(tf.matMul(split(q!), split(k!), false, true), hd ** -0.5));
        const ctx = tf.reshape(tf.transpose(tf.matMul(probs, split(v!)), [0, 2, 1, 3]), [b, t, D]);
        const scale = (y: tf.Tensor, g: string | null): tf.Tensor => (g ? tf.mul(y, this.w(g)) : y);
        const h1 = tf.add(x, scale(this.linear(ctx, blk.attn.proj), blk.ls1));
        return tf.add(h1, scale(this.mlp(this.layerNorm(h1, blk.norm2), blk.mlp), blk.ls2)) as tf.Tensor3D;
      });
      x.dispose();
      x = next;
    }
    return tf.tidy(() => {
      const last = this.layerNorm(x, plan.norm) as tf.Tensor3D;
      x.dispose();
      const [b, t] = last.shape;
      const P = prefixTokens(plan);
      const cls = (): tf.Tensor2D => tf.reshape(tf.slice(last, [0, 0, 0], [b, 1, D]), [b, D]);
      const mean = (): tf.Tensor2D => tf.mean(tf.slice(last, [0, P, 0], [b, t - P, D]), 1) as tf.Tensor2D;
      const features = plan.pooling === 'cls' ? cls() : plan.pooling === 'mean' ? mean() : (tf.concat([cls(), mean()], 1) as tf.Tensor2D);
      const logits = plan.head ? (this.linear(features, plan.head) as tf.Tensor2D) : null;
      return { features, logits, lastHiddenState: last } as unknown as tf.TensorContainer;
    }) as unknown as PlanForwardOutput;
  }

  dispose(): void {
    for (const t of this.t.values()) t.dispose();
    this.t.clear();
  }
}
