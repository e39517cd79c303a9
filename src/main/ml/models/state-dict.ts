/**
 * The state dict of an HF classifier (ViTForImageClassification, ResNetForImageClassification)
 * read off its plan: which keys a checkpoint folder holds, with which shapes, in the order
 * transformers writes them, and how _init_weights fills the ones a fresh model lacks.
 *
 * The plan names every tensor the network computes with; the state dict adds what torch keeps
 * beside them (BatchNorm's num_batches_tracked) and module order (shards follow it).
 */
import type { ConvBnPlan, NetworkPlan, ResnetPlan, VitPlan } from '../plan.js';
import { planTensorShapes } from '../plan.js';
import { constantInit, normalInit, tensorRng, truncNormal, uniformInit } from './init.js';
import { numel } from './layout.js';
import type { TensorEntry } from './safetensors.js';

/** torch keeps this int64 counter next to every BatchNorm's running statistics. */
export function batchesTrackedName(c: ConvBnPlan): string {
  return c.bn.weight.replace(/weight$/, 'num_batches_tracked');
}

/**
 * Key → shape (PyTorch layout) in module-definition order: ViT embeddings (tokens, then the patch
 * conv), per layer attention, MLP, then its two norms; ResNet per conv layer the conv and its
 * BatchNorm, a unit's shortcut before its body (ResNetBottleNeckLayer defines it first).
 */
export function stateDictShapes(plan: NetworkPlan): Map<string, number[]> {
  const shapes = planTensorShapes(plan);
  const order: string[] = [];
  const add = (...names: (string | null | undefined)[]): void => void order.push(...names.filter((n): n is string => !!n));
  if (plan.kind === 'vit') {
    add(plan.clsToken, plan.registers?.name, plan.pos.name, plan.patchEmbed.weight, plan.patchEmbed.bias);
    for (const b of plan.blocks) {
      const q = b.attn.qkv;
      for (const l of q.kind === 'fused' ? [q.qkv] : [q.q, q.k, q.v]) add(l.weight, l.bias);
      for (const l of [b.attn.proj, b.mlp.fc1, b.mlp.fc2]) add(l.weight, l.bias);
      add(b.norm1.weight, b.norm1.bias, b.norm2.weight, b.norm2.bias, b.ls1, b.ls2);
    }
    add(plan.norm.weight, plan.norm.bias);
  } else {
    const conv = (c: ConvBnPlan): void => add(c.conv, c.bn.weight, c.bn.bias, c.bn.mean, c.bn.variance, batchesTrackedName(c));
    conv(plan.stem);
    for (const r of plan.stages.flat()) {
      if (r.shortcut) conv(r.shortcut);
      r.body.forEach(conv);
    }
  }
  add(plan.head?.weight, plan.head?.bias);
  return new Map(order.map((n) => [n, shapes.get(n) ?? []]));
}

/** Which rule of _init_weights a tensor follows. */
type InitRule = 'zeros' | 'ones' | 'trunc-normal' | 'kaiming-fan-out' | 'linear-default' | 'counter';

function vitRules(plan: VitPlan): Map<string, InitRule> {
  const rules = new Map<string, InitRule>();
  for (const n of [plan.norm, ...plan.blocks.flatMap((b) => [b.norm1, b.norm2])]) {
    rules.set(n.weight, 'ones');
    rules.set(n.bias, 'zeros');
  }
  const linears = plan.blocks.flatMap((b) => [...(b.attn.qkv.kind === 'fused' ? [b.attn.qkv.qkv] : [b.attn.qkv.q, b.attn.qkv.k, b.attn.qkv.v]), b.attn.proj, b.mlp.fc1, b.mlp.fc2]);
  for (const bias of [plan.patchEmbed.bias, ...[...linears, plan.head].map((l) => l?.bias)]) if (bias) rules.set(bias, 'zeros');
  return rules;
}

function resnetRules(plan: ResnetPlan): Map<string, InitRule> {
  const rules = new Map<string, InitRule>();
  const conv = (c: ConvBnPlan): void => {
    rules.set(c.conv, 'kaiming-fan-out');
    rules.set(c.bn.weight, 'ones').set(c.bn.variance, 'ones');
    rules.set(c.bn.bias, 'zeros').set(c.bn.mean, 'zeros');
    rules.set(batchesTrackedName(c), 'counter');
  };
  conv(plan.stem);
  plan.stages.flat().forEach((r) => [...r.body, ...(r.shortcut ? [r.shortcut] : [])].forEach(conv));
  if (plan.head) rules.set(plan.head.weight, 'linear-default').set(plan.head.bias!, 'linear-default');
  return rules;
}

/**
 * A fresh tensor as transformers' _init_weights makes it, seeded per name (init.ts):
 * - ViT: LayerNorm weight 1, every bias 0, everything else (Linear and conv weights, CLS and
 *   position embeddings) trunc-normal(initializer_range);
 * - ResNet: convs kaiming-normal (fan_out, ReLU gain), BatchNorm weight 1 / bias 0 with running
 *   mean 0 / var 1, the Linear head as torch's reset_parameters (uniform ±1/√fan_in, weight and bias).
 */
export function initialTensor(plan: NetworkPlan, config: Record<string, unknown>, name: string, shape: number[], seed: number): TensorEntry {
  const n = numel(shape);
  const rule = plan.kind === 'vit' ? (vitRules(plan).get(name) ?? 'trunc-normal') : resnetRules(plan).get(name);
  const rand = (): (() => number) => tensorRng(seed, name);
  switch (rule) {
    case 'counter':
      return { dtype: 'I64', shape, data: new BigInt64Array(Math.max(n, 1)) };
    case 'ones':
      return { dtype: 'F32', shape, data: constantInit(n, 1) };
    case 'zeros':
      return { dtype: 'F32', shape, data: constantInit(n, 0) };
    case 'trunc-normal':
      return { dtype: 'F32', shape, data: truncNormal(n, typeof config['initializer_range'] === 'number' ? config['initializer_range'] : 0.02, rand()) };
    case 'kaiming-fan-out':
      return { dtype: 'F32', shape, data: normalInit(n, Math.sqrt(2 / (shape[0]! * shape[2]! * shape[3]!)), rand()) };
    case 'linear-default':
      return { dtype: 'F32', shape, data: uniformInit(n, 1 / Math.sqrt(plan.head!.in), rand()) };
    default:
      throw new Error(`no initialiser for ${name}`);
  }
}
