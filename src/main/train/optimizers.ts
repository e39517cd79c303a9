/**
 * AdamW (Loshchilov & Hutter, decoupled weight decay) and SGD with momentum, written out with
 * tfjs ops so their state is ours to save and restore exactly: a resumed run continues with the
 * very moments it stopped with. Both follow torch.optim's update rules step for step.
 *
 * Weight decay applies to weight matrices and kernels only (names ending in `.weight` with two
 * or more dimensions), not to biases, norm parameters, the class token or position embeddings:
 * the usual practice for ViT and ResNet fine-tuning.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorEntry } from '../ml/models/safetensors.js';

export interface OptimizerOptions {
  kind: 'adamw' | 'sgd';
  weightDecay: number;
  betas: [number, number];
  eps: number;
  momentum: number;
}

export function decays(name: string, shape: readonly number[]): boolean {
  return name.endsWith('.weight') && shape.length >= 2;
}

export class Optimizer {
  /** Optimizer steps taken (AdamW's t). */
  steps = 0;
  /** First and second moments (AdamW) or the momentum buffer (SGD, `m` only), per parameter. */
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    readonly names: string[],
    readonly opts: OptimizerOptions,
  ) {
    for (const n of names) {
      const p = params.get(n);
      if (!p) throw new Error(`optimizer: no parameter ${n}`);
      this.m.set(n, tf.variable(tf.zerosLike(p), false));
      if (opts.kind === 'adamw') this.v.set(n, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with `grads` (keyed by parameter name) at learning rate `lr`. Does not dispose grads. */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.steps++;
    const { kind, weightDecay: wd, betas, eps, momentum } = this.opts;
    const [b1, b2] = betas;
    const bc1 = 1 - b1 ** this.steps;
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.steps);
    for (const name of this.names) {
      const g = grads[name];
      if (!g) continue;
      const p = this.params.get(name)!;
      const m = this.m.get(name)!;
      const wdHere = decays(name, p.shape) ? wd : 0;
      tf.tidy(() => {
        if (kind === 'adamw') {
          const v = this.v.get(name)!;
          // torch.optim.AdamW: p *= 1 - lr wd; m, v updated; p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)
          const decayed = wdHere ? tf.mul(p, 1 - lr * wdHere) : p;
          const m2 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
          const v2 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
          const denom = tf.add(tf.div(tf.sqrt(v2), bc2Sqrt), eps);
          m.assign(m2);
          v.assign(v2);
          p.assign(tf.sub(decayed, tf.mul(tf.div(m2, denom), lr / bc1)));
        } else {
          // torch.optim.SGD: g += wd p; buf = g on the first step, else momentum buf + g; p -= lr buf
          const gd = wdHere ? tf.add(g, tf.mul(p, wdHere)) : g;
          const buf = this.steps === 1 || momentum === 0 ? gd : tf.add(tf.mul(m, momentum), gd);
          m.assign(buf);
          p.assign(tf.sub(p, tf.mul(buf, lr)));
        }
      });
    }
  }

  /** The moments as named float tensors (`exp_avg.<param>`, `exp_avg_sq.<param>`, or `momentum_buffer.<param>`). */
  stateTensors(): Map<string, TensorEntry> {
    const out = new Map<string, TensorEntry>();
    const put = (prefix: string, vars: Map<string, tf.Variable>) => {
      for (const [n, t] of vars) out.set(`${prefix}.${n}`, { dtype: 'F32', shape: [...t.shape], data: new Float32Array(t.dataSync() as Float32Array) });
    };
    put(this.opts.kind === 'adamw' ? 'exp_avg' : 'momentum_buffer', this.m);
    if (this.opts.kind === 'adamw') put('exp_avg_sq', this.v);
    return out;
  }

  loadState(entries: Map<string, TensorEntry>, steps: number): void {
    const load = (prefix: string, vars: Map<string, tf.Variable>) => {
      for (const [n, t] of vars) {
        const e = entries.get(`${prefix}.${n}`);
        if (!e) throw new Error(`optimizer state has no ${prefix}.${n}`);
        if (e.shape.join() !== t.shape.join()) throw new Error(`optimizer state ${prefix}.${n} has shape [${e.shape}], expected [${t.shape}]`);
        t.assign(tf.tensor(e.data as Float32Array, t.shape, 'float32'));
      }
    };
    load(this.opts.kind === 'adamw' ? 'exp_avg' : 'momentum_buffer', this.m);
    if (this.opts.kind === 'adamw') load('exp_avg_sq', this.v);
    this.steps = steps;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Scales gradients so their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_); returns the norm before. */
export function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number): number {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) {
    for (const k of Object.keys(grads)) {
      const old = grads[k];
      grads[k] = tf.mul(old, scale);
      old.dispose();
    }
  }
  return norm;
}
