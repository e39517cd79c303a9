/**
 * AdamW and SGD against torch.optim's update rules written out in float64, and the saved state
 * continuing exactly where it left off.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/main/ml/engine/backend.js';
import { clipGradNorm, decays, Optimizer } from '../../../src/main/train/optimizers.js';

beforeAll(async () => {
  await initBackend();
});

/** torch.optim.AdamW on one scalar with constant gradients g[t]. */
function torchAdamW(p: number, grads: number[], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps;
    p -= (lr / (1 - b1 ** t)) * (m / denom);
    out.push(p);
  });
  return out;
}

function torchSgd(p: number, grads: number[], lr: number, wd: number, mu: number): number[] {
  let buf = 0;
  const out: number[] = [];
  grads.forEach((g0, i) => {
    const g = g0 + wd * p;
    buf = i === 0 ? g : mu * buf + g;
    p -= lr * buf;
    out.push(p);
  });
  return out;
}

function run(kind: 'adamw' | 'sgd', grads: number[], name = 'layer.weight'): { values: number[]; opt: Optimizer; params: Map<string, tf.Variable> } {
  const params = new Map([[name, tf.variable(tf.tensor2d([[1]]))]]);
  const opt = new Optimizer(params, [name], { kind, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 });
  const values: number[] = [];
  for (const g of grads) {
    const gt = tf.tensor2d([[g]]);
    opt.step({ [name]: gt }, 0.1);
    gt.dispose();
    values.push(params.get(name)!.dataSync()[0]);
  }
  return { values, opt, params };
}

describe('optimizers', () => {
  const grads = [0.5, -0.2, 0.3, 0.8, -1.1];

  it('AdamW follows torch, with decoupled weight decay', () => {
    const { values, opt } = run('adamw', grads);
    const ref = torchAdamW(1, grads, 0.1, 0.01);
    values.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    expect(opt.steps).toBe(5);
  });

  it('SGD with momentum follows torch, weight decay added to the gradient', () => {
    const { values } = run('sgd', grads);
    const ref = torchSgd(1, grads, 0.1, 0.01, 0.9);
    values.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
  });

  it('does not decay biases, norms and embeddings', () => {
    expect(decays('vit.encoder.layer.0.attention.attention.query.weight', [48, 48])).toBe(true);
    expect(decays('resnet.embedder.embedder.convolution.weight', [7, 7, 3, 16])).toBe(true);
    expect(decays('vit.layernorm.weight', [48])).toBe(false);
    expect(decays('classifier.bias', [3])).toBe(false);
    expect(decays('vit.embeddings.cls_token', [1, 1, 48])).toBe(false);
    const { values } = run('adamw', [0, 0], 'vit.embeddings.cls_token');
    expect(values).toEqual([1, 1]); // zero gradient and no decay: nothing moves
  });

  it('restored state continues exactly like the optimizer that saved it', () => {
    for (const kind of ['adamw', 'sgd'] as const) {
      const a = run(kind, grads.slice(0, 3));
      const saved = a.opt.stateTensors();
      const params = new Map([['layer.weight', tf.variable(tf.tensor2d([[a.values[2]]]))]]);
      const b = new Optimizer(params, ['layer.weight'], a.opt.opts);
      b.loadState(saved, a.opt.steps);
      for (const g of grads.slice(3)) {
        for (const [opt, ps] of [[a.opt, a.params], [b, params]] as const) {
          const gt = tf.tensor2d([[g]]);
          opt.step({ 'layer.weight': gt }, 0.1);
          gt.dispose();
          void ps;
        }
      }
      expect(params.get('layer.weight')!.dataSync()[0]).toBe(a.params.get('layer.weight')!.dataSync()[0]);
    }
  });

  it('clips the global gradient norm like clip_grad_norm_', () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const norm = clipGradNorm(g, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(Array.from(g.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(g.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    tf.dispose([g.a, g.b]);
  });
});
