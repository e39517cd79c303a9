/**
 * The typed plan of a network: what it computes, in the order it computes it, with every
 * parameter named by its checkpoint key. A family file in `arch/` turns a config into a plan;
 * the emitters in `emit/` turn a plan (plus the weights it names) into an engine. Nothing else
 * decides what a network is, so the two engines cannot disagree about it.
 *
 * A plan holds no weights and is plain JSON: it is cached next to a built graph and read back
 * on the warm path, where no weight file is opened.
 */

/** How the final token sequence becomes one embedding. */
export type Pooling = 'cls' | 'cls+mean' | 'mean';
export const POOLINGS: readonly Pooling[] = ['cls', 'cls+mean', 'mean'];

/** A PyTorch nn.Linear: `weight` is [out, in]; `bias` may be absent (qkv_bias=False). */
export interface LinearPlan {
  weight: string;
  bias: string | null;
  in: number;
  out: number;
}

/** nn.LayerNorm over the last axis. */
export interface NormPlan {
  weight: string;
  bias: string;
  eps: number;
}

/**
 * The block's self-attention. timm stores one fused `qkv` Linear with rows [q; k; v]; HF keeps
 * three. Either way scores are q·kᵀ·head_dim^-0.5, heads concatenated, then `proj`.
 */
export type QkvPlan = { kind: 'fused'; qkv: LinearPlan } | { kind: 'separate'; q: LinearPlan; k: LinearPlan; v: LinearPlan };

export interface AttentionPlan {
  heads: number;
  qkv: QkvPlan;
  proj: LinearPlan;
}

/**
 * The block's MLP.
 * - `gelu`: fc2(act(fc1(x))); `erf` is nn.GELU() / HF "gelu", `tanh` the approximation
 *   (the two differ by ~1e-3 on the outputs, more than the tolerance we promise).
 * - `swiglu`: packed SwiGLU (timm SwiGLUPacked = GluMlp, HF Dinov2SwiGLUFFN): fc1 has 2·hidden
 *   rows, u = fc1(x); out = fc2(silu(u[:hidden]) · u[hidden:]). The first half is the gated one.
 */
export type MlpPlan =
  | { kind: 'gelu'; approximate: 'erf' | 'tanh'; fc1: LinearPlan; fc2: LinearPlan }
  | { kind: 'swiglu'; hidden: number; fc1: LinearPlan; fc2: LinearPlan };

/** A pre-norm transformer block: h = x + ls1⊙attn(norm1(x)); y = h + ls2⊙mlp(norm2(h)). */
export interface VitBlockPlan {
  norm1: NormPlan;
  attn: AttentionPlan;
  /** LayerScale gamma [D] (timm `lsN.gamma`, HF `layer_scaleN.lambda1`), or none. */
  ls1: string | null;
  norm2: NormPlan;
  mlp: MlpPlan;
  ls2: string | null;
}

/**
 * The position table and which tokens it covers.
 * - `all`: rows for CLS, registers and patches; x = cat(cls, reg, patches) + pos
 *   (timm no_embed_class=False; with no registers also HF ViT and Dinov2Model).
 * - `patches`: rows for the patches only; x = cat(cls, reg, patches + pos) (timm no_embed_class=True).
 * - `cls+patches`: rows for CLS and patches; registers are inserted after CLS with no position
 *   (HF Dinov2WithRegistersModel). Equal to `patches` with cls' = cls + pos[0], as timm's converter folds it.
 */
export interface PositionPlan {
  name: string;
  covers: 'all' | 'patches' | 'cls+patches';
  /** The patch grid the table was trained for, [rows, cols]. */
  grid: [number, number];
  /**
   * How the patch part is resampled when the model runs on another grid. timm's
   * dynamic_img_size and HF Dinov2WithRegisters use torch bicubic with antialias=True (PIL's
   * cubic, a = -0.5, even upsampling); a = -0.75 would move UNI's features by 3e-2.
   */
  resample: 'bicubic-antialias' | 'bicubic';
}

export interface VitPlan {
  kind: 'vit';
  /** Where the names and the config came from, for messages and metadata. */
  family: 'hf-vit' | 'hf-dinov2' | 'timm-vit';
  channels: number;
  /** The input [height, width] the engine is built for. */
  inputSize: [number, number];
  patchSize: number;
  dim: number;
  /** Conv2d(channels, dim, kernel = stride = patchSize), flattened row-major. */
  patchEmbed: { weight: string; bias: string };
  clsToken: string;
  /** Register tokens [1, R, D], placed after CLS; null when the model has none. */
  registers: { name: string; count: number } | null;
  pos: PositionPlan;
  blocks: VitBlockPlan[];
  /** Final LayerNorm (timm `norm`, HF `layernorm`). */
  norm: NormPlan;
  pooling: Pooling;
  /** Classifier on the pooled embedding ([labels, embedding]); null for a bare backbone. */
  head: LinearPlan | null;
}

/** A Conv2d without bias followed by an eval-mode BatchNorm2d (folded into the conv for inference). */
export interface ConvBnPlan {
  conv: string;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  /** Weight, bias, running_mean, running_var of the BatchNorm, which has `eps`. */
  bn: { weight: string; bias: string; mean: string; variance: string; eps: number };
  relu: boolean;
}

/** One residual unit: out = relu(body(x) + shortcut(x)). */
export interface ResidualPlan {
  body: ConvBnPlan[];
  /** Projection when the shape changes; null for identity. */
  shortcut: ConvBnPlan | null;
}

export interface ResnetPlan {
  kind: 'resnet';
  family: 'hf-resnet';
  channels: number;
  inputSize: [number, number];
  /** The stem conv (7×7/2), followed by a 3×3/2 max pool with padding 1. */
  stem: ConvBnPlan;
  stages: ResidualPlan[][];
  /** Width of the globally average-pooled last stage. */
  dim: number;
  head: LinearPlan | null;
}

export type NetworkPlan = VitPlan | ResnetPlan;

/** Width of the pooled embedding a plan produces (what `features` holds per image). */
export function embeddingDim(plan: NetworkPlan): number {
  if (plan.kind === 'resnet') return plan.dim;
  return plan.pooling === 'cls+mean' ? 2 * plan.dim : plan.dim;
}

/** Patch grid at the plan's input size, [rows, cols]. */
export function patchGrid(plan: VitPlan): [number, number] {
  return [plan.inputSize[0] / plan.patchSize, plan.inputSize[1] / plan.patchSize];
}

/** Number of tokens before the patches (CLS and registers). */
export function prefixTokens(plan: VitPlan): number {
  return 1 + (plan.registers?.count ?? 0);
}

/** The tensors of one ViT block, in compute order. */
function vitBlockNames(b: VitBlockPlan): string[] {
  const q = b.attn.qkv;
  const lin = (l: LinearPlan): string[] => (l.bias ? [l.weight, l.bias] : [l.weight]);
  return [
    b.norm1.weight,
    b.norm1.bias,
    ...(q.kind === 'fused' ? [q.qkv] : [q.q, q.k, q.v]).flatMap(lin),
    ...lin(b.attn.proj),
    ...(b.ls1 ? [b.ls1] : []),
    b.norm2.weight,
    b.norm2.bias,
    ...lin(b.mlp.fc1),
    ...lin(b.mlp.fc2),
    ...(b.ls2 ? [b.ls2] : []),
  ];
}

const convBnNames = (c: ConvBnPlan): string[] => [c.conv, c.bn.weight, c.bn.bias, c.bn.mean, c.bn.variance];
const unitConvs = (r: ResidualPlan): ConvBnPlan[] => [...r.body, ...(r.shortcut ? [r.shortcut] : [])];

/** Every checkpoint key a plan reads; a loader reads only these (the rest is reported unused). */
export function planTensorNames(plan: NetworkPlan): string[] {
  const names: string[] = [];
  if (plan.kind === 'vit') {
    names.push(plan.patchEmbed.weight, plan.patchEmbed.bias, plan.clsToken, plan.pos.name);
    if (plan.registers) names.push(plan.registers.name);
    for (const b of plan.blocks) names.push(...vitBlockNames(b));
    names.push(plan.norm.weight, plan.norm.bias);
  } else {
    for (const c of convBns(plan)) names.push(...convBnNames(c));
  }
  if (plan.head) names.push(plan.head.weight, ...(plan.head.bias ? [plan.head.bias] : []));
  return names;
}

/** Rows of the position table: the tokens it covers at the grid it was trained for. */
export function positionRows(plan: VitPlan): number {
  const [gh, gw] = plan.pos.grid;
  const lead = plan.pos.covers === 'all' ? prefixTokens(plan) : plan.pos.covers === 'cls+patches' ? 1 : 0;
  return lead + gh * gw;
}

/**
 * The checkpoint shape (PyTorch layout) of every tensor the plan reads, in planTensorNames order:
 * Linear [out, in], norms and LayerScale [D], the patch conv [D, C, p, p], tokens [1, n, D],
 * convs [O, I, k, k], BatchNorm vectors [O]. What a loader checks and a fresh model is initialised with.
 */
export function planTensorShapes(plan: NetworkPlan): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const lin = (l: LinearPlan | null): void => {
    if (!l) return;
    m.set(l.weight, [l.out, l.in]);
    if (l.bias) m.set(l.bias, [l.out]);
  };
  if (plan.kind === 'vit') {
    const D = plan.dim;
    const norm = (n: NormPlan): void => void [n.weight, n.bias].forEach((k) => m.set(k, [D]));
    m.set(plan.patchEmbed.weight, [D, plan.channels, plan.patchSize, plan.patchSize]);
    m.set(plan.patchEmbed.bias, [D]);
    m.set(plan.clsToken, [1, 1, D]);
    m.set(plan.pos.name, [1, positionRows(plan), D]);
    if (plan.registers) m.set(plan.registers.name, [1, plan.registers.count, D]);
    for (const b of plan.blocks) {
      norm(b.norm1);
      if (b.attn.qkv.kind === 'fused') lin(b.attn.qkv.qkv);
      else [b.attn.qkv.q, b.attn.qkv.k, b.attn.qkv.v].forEach(lin);
      lin(b.attn.proj);
      if (b.ls1) m.set(b.ls1, [D]);
      norm(b.norm2);
      lin(b.mlp.fc1);
      lin(b.mlp.fc2);
      if (b.ls2) m.set(b.ls2, [D]);
    }
    norm(plan.norm);
  } else {
    for (const c of convBns(plan)) {
      m.set(c.conv, [c.outC, c.inC, c.kernel, c.kernel]);
      for (const k of [c.bn.weight, c.bn.bias, c.bn.mean, c.bn.variance]) m.set(k, [c.outC]);
    }
  }
  lin(plan.head);
  return m;
}

/** Learned parameters of a plan: every tensor it reads but BatchNorm's running statistics (buffers). */
export function planParameterCount(plan: NetworkPlan): number {
  const buffers = new Set(plan.kind === 'resnet' ? convBns(plan).flatMap((c) => [c.bn.mean, c.bn.variance]) : []);
  let n = 0;
  for (const [name, shape] of planTensorShapes(plan)) if (!buffers.has(name)) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Every conv+BN of a ResNet plan: the stem, then per residual unit its body and its shortcut. */
export function convBns(plan: ResnetPlan): ConvBnPlan[] {
  return [plan.stem, ...plan.stages.flat().flatMap(unitConvs)];
}

/**
 * The tensors of each repeated unit, input side first: a ViT's blocks, a ResNet's residual
 * units across stages. What "the last k blocks" means for fine-tuning.
 */
export function blockTensorNames(plan: NetworkPlan): string[][] {
  if (plan.kind === 'vit') return plan.blocks.map(vitBlockNames);
  return plan.stages.flat().map((r) => unitConvs(r).flatMap(convBnNames));
}

/**
 * FLOPs (2 per multiply-add) of one image through the plan's graph: convolutions, matmuls and
 * attention products (norms, activations and adds ignored). With `clsOnlyLast`, the last ViT
 * block computes queries, projection and MLP for CLS only, as the plain CLS-pooled graph does.
 */
export function planFlops(plan: NetworkPlan, opts: { clsOnlyLast?: boolean } = {}): number {
  if (plan.kind === 'vit') {
    const D = plan.dim;
    const [gh, gw] = patchGrid(plan);
    const N = gh * gw;
    const T = prefixTokens(plan) + N;
    let flops = 2 * N * D * plan.channels * plan.patchSize * plan.patchSize;
    plan.blocks.forEach((b, l) => {
      const Tq = opts.clsOnlyLast && plan.pooling === 'cls' && l === plan.blocks.length - 1 ? 1 : T;
      const mlpIn = b.mlp.fc1.out;
      const mlpHidden = b.mlp.fc2.in;
      flops += 2 * (Tq * D * D + 2 * T * D * D) + 2 * 2 * Tq * T * D + 2 * Tq * D * D + 2 * Tq * D * (mlpIn + mlpHidden);
    });
    return flops + (plan.head ? 2 * plan.head.in * plan.head.out : 0);
  }
  let flops = 0;
  let size = plan.inputSize[0];
  const conv = (c: ConvBnPlan, inSize: number): number => {
    const out = Math.floor((inSize + 2 * Math.floor(c.kernel / 2) - c.kernel) / c.stride) + 1;
    flops += 2 * c.outC * out * out * c.inC * c.kernel * c.kernel;
    return out;
  };
  size = conv(plan.stem, size);
  size = Math.floor((size + 2 - 3) / 2) + 1; // max pool 3/2/1
  for (const stage of plan.stages) {
    for (const r of stage) {
      if (r.shortcut) conv(r.shortcut, size);
      size = r.body.reduce((s, c) => conv(c, s), size);
    }
  }
  return flops + (plan.head ? 2 * plan.head.in * plan.head.out : 0);
}

/**
 * Last-k training splits a network in two at a block boundary: a frozen prefix (the stem or patch
 * embedding and the first `cut` blocks) and the suffix that learns (the remaining blocks, a ViT's
 * final norm, the head). The prefix's output is the hidden state after block `cut` − 1, before any
 * final norm: ViT [T, D] tokens, ResNet the [C, H, W] feature map (NCHW, as HF's hidden_states).
 */

/** Repeated units of a plan: ViT blocks, ResNet residual units counted across stages. */
export function blockCount(plan: NetworkPlan): number {
  return plan.kind === 'vit' ? plan.blocks.length : plan.stages.reduce((a, s) => a + s.length, 0);
}

/** Leading blocks a last-k run keeps frozen: depth − k, none when k covers every block. */
export function frozenBlocks(plan: NetworkPlan, lastK: number): number {
  return Math.max(0, blockCount(plan) - lastK);
}

function checkCut(plan: NetworkPlan, cut: number): void {
  if (!Number.isInteger(cut) || cut < 0 || cut >= blockCount(plan)) throw new Error(`cut ${cut} is not a block boundary before the last block (0..${blockCount(plan) - 1})`);
}

/** Checkpoint names the prefix of `cut` blocks reads (the stem or the embeddings included). */
export function prefixTensorNames(plan: NetworkPlan, cut: number): string[] {
  checkCut(plan, cut);
  const blocks = blockTensorNames(plan).slice(0, cut).flat();
  if (plan.kind === 'vit') {
    const embed = [plan.patchEmbed.weight, plan.patchEmbed.bias, plan.clsToken, plan.pos.name, ...(plan.registers ? [plan.registers.name] : [])];
    return [...embed, ...blocks];
  }
  return [...convBnNames(plan.stem), ...blocks];
}

/** Shape of one image's prefix output (no batch axis): ViT [T, D], ResNet [C, H, W]. */
export function cutShape(plan: NetworkPlan, cut: number): number[] {
  checkCut(plan, cut);
  if (plan.kind === 'vit') {
    const [gh, gw] = patchGrid(plan);
    return [prefixTokens(plan) + gh * gw, plan.dim];
  }
  const out = (s: number, c: ConvBnPlan): number => Math.floor((s + 2 * Math.floor(c.kernel / 2) - c.kernel) / c.stride) + 1;
  let [h, w] = plan.inputSize;
  h = out(h, plan.stem);
  w = out(w, plan.stem);
  [h, w] = [Math.floor((h - 1) / 2) + 1, Math.floor((w - 1) / 2) + 1]; // max pool 3/2/1
  let c = plan.stem.outC;
  for (const r of plan.stages.flat().slice(0, cut)) {
    for (const b of r.body) [h, w] = [out(h, b), out(w, b)];
    c = r.body[r.body.length - 1]!.outC;
  }
  return [c, h, w];
}
