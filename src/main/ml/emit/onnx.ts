/**
 * Plan → ONNX graph. The one place a network becomes onnxruntime ops; what the network *is*
 * comes from the plan (arch/*.ts), the numbers from the checkpoint tensors the plan names.
 *
 * Op choices follow what onnxruntime fuses on CPU: MatMul followed by a bias Add, opset-17
 * LayerNormalization, the Div→Erf→Add→Mul→Mul GELU pattern (one Gelu/BiasGelu kernel),
 * Mul-by-scalar after the score MatMul (a FusedMatMul alpha), Conv+bias(+Relu) for ResNet.
 *
 * Layout work is done once here, in JS: Linear weights are transposed to [in, out]; timm's fused
 * qkv and packed SwiGLU fc1 are split by rows so each part is a plain MatMul (no Slice copies at
 * run time); BatchNorm is folded into the preceding conv; the CLS/register/position additions
 * are precomputed for the run size (weights/pos-embed.ts).
 *
 * Outputs: `features` (the pooled embedding), `logits` when the plan has a head,
 * `last_hidden_state` on request, and for ViT explain graphs `attentions_<l>` and `rollout`; a
 * prefix graph (`cut`, last-k training's frozen part) has `hidden_state` alone.
 */
import { transpose2d } from '../models/layout.js';
import { attr, DataType, type ExternalDataSink, GraphBuilder } from '../onnx/onnx-model.js';
import type { ConvBnPlan, LinearPlan, MlpPlan, NetworkPlan, NormPlan, ResnetPlan, VitPlan } from '../plan.js';
import { cutShape, embeddingDim, patchGrid, prefixTokens } from '../plan.js';
import { tokenEmbeddings } from '../weights/pos-embed.js';
import { type Precision, quantizeColumns, quantizeRows } from './quantize.js';

/** A float tensor by checkpoint name, shape-checked; what the emitters read weights through. */
export type WeightGetter = (name: string, shape?: readonly number[]) => Float32Array;

export const OUTPUTS = { logits: 'logits', features: 'features', lastHiddenState: 'last_hidden_state', rollout: 'rollout', hiddenState: 'hidden_state' } as const;
export const attentionOutput = (layer: number): string => `attentions_${layer}`;

export interface EmitOptions {
  /** ViT: also output every layer's attention probabilities and the attention rollout. */
  explain?: boolean;
  /** ViT: also output every token after the final norm, [N, T, D] (tests and token-level uses). */
  lastHiddenState?: boolean;
  /**
   * fp32 (default) or int8: every transformer Linear (qkv, proj, MLP) as a dynamically quantised
   * int8 MatMul. Norms, softmax, the attention products, the patch embedding and the classifier
   * stay fp32, as onnxruntime's quantize_dynamic leaves them. ResNet: every conv but the stem as a
   * dynamically quantised ConvInteger (int8Conv); the stem and the classifier stay fp32.
   */
  precision?: Precision;
  /**
   * Only the frozen prefix of a last-k run: the stem or embeddings and the first `cut` blocks, with
   * one output, `hidden_state` (plan.ts cutShape: ViT [N, T, D] before the final norm, ResNet NCHW).
   */
  cut?: number;
  /**
   * Large initializers go here as they are made (a streaming build of a big model): each weight
   * is read, laid out, written and dropped before the next, so no copy of the network is held.
   */
  external?: ExternalDataSink;
}

/** The domain of onnxruntime's contrib ops (DynamicQuantizeMatMul). */
const MS_DOMAIN = 'com.microsoft';

export function emitOnnx(plan: NetworkPlan, get: WeightGetter, opts: EmitOptions = {}): GraphBuilder {
  if (opts.cut !== undefined && (opts.explain || opts.lastHiddenState)) throw new Error('a prefix graph has only its hidden_state output');
  if (opts.cut !== undefined) cutShape(plan, opts.cut); // checks the boundary
  if (plan.kind === 'resnet') {
    if (opts.explain || opts.lastHiddenState) throw new Error('attention outputs and last_hidden_state exist for ViT plans only');
    return emitResnet(plan, get, opts);
  }
  return emitVit(plan, get, opts);
}

/** What every Linear of one graph is emitted with. */
interface LinearCtx {
  g: GraphBuilder;
  get: WeightGetter;
  precision: Precision;
}

/**
 * Linear on [in, out] weights; `rows` takes a row range of the PyTorch weight (split qkv / SwiGLU halves).
 * fp32: MatMul (+ bias Add). int8: onnxruntime's DynamicQuantizeMatMul (com.microsoft), what its own
 * quantize_dynamic leaves after fusion: the activation quantised per tensor at run time, the weight
 * int8 per output column, the scales and the bias applied inside the kernel.
 */
function linearOp({ g, get, precision }: LinearCtx, x: string, l: LinearPlan, rows?: [number, number], hint = l.weight): string {
  const [r0, r1] = rows ?? [0, l.out];
  const n = r1 - r0;
  const full = get(l.weight, [l.out, l.in]);
  const w = transpose2d(full.subarray(r0 * l.in, r1 * l.in), n, l.in);
  const suffix = rows ? `_${r0}_${r1}` : '';
  const bias = l.bias ? g.initializer(`${l.bias}${suffix}`, [n], get(l.bias, [l.out]).slice(r0, r1)) : null;
  if (precision === 'int8') {
    const { q, scale } = quantizeColumns(w, l.in, n);
    const inputs = [x, g.initializer(`${hint}_q${suffix}`, [l.in, n], q), g.initializer(`${hint}_scale${suffix}`, [n], scale)];
    if (bias) inputs.push('', bias); // no zero point (symmetric), then the bias
    return g.node('DynamicQuantizeMatMul', inputs, ['qmatmul'], {}, { domain: MS_DOMAIN })[0]!;
  }
  const mm = g.op('MatMul', [x, g.initializer(`${hint}_t${suffix}`, [l.in, n], w)]);
  return bias ? g.op('Add', [mm, bias]) : mm;
}

function emitVit(plan: VitPlan, get: WeightGetter, opts: EmitOptions): GraphBuilder {
  const explain = !!opts.explain;
  const D = plan.dim;
  const [H, W] = plan.inputSize;
  const [gh, gw] = patchGrid(plan);
  const P = prefixTokens(plan);
  const T = P + gh * gw;
  const g = new GraphBuilder(explain ? 'vit_explain' : 'vit', opts.external ?? null);
  const lin: LinearCtx = { g, get, precision: opts.precision ?? 'fp32' };
  const layerNorm = (x: string, n: NormPlan): string =>
    g.op('LayerNormalization', [x, g.initializer(n.weight, [D], get(n.weight, [D])), g.initializer(n.bias, [D], get(n.bias, [D]))], {
      axis: attr.int(-1),
      epsilon: attr.float(n.eps),
    });

  const pixels = g.input('pixel_values', ['batch', plan.channels, H, W]);

  // --- patch embedding: conv p×p stride p, flattened row-major → [N, gh·gw, D] (+ patch positions)
  const p = plan.patchSize;
  const pe = plan.patchEmbed;
  const conv = g.op('Conv', [pixels, g.initializer(pe.weight, [D, plan.channels, p, p], get(pe.weight, [D, plan.channels, p, p])), g.initializer(pe.bias, [D], get(pe.bias, [D]))], {
    kernel_shape: attr.ints([p, p]),
    strides: attr.ints([p, p]),
  });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.int64s('shape_patches', [0, D, -1])])], { perm: attr.ints([0, 2, 1]) });
  const emb = tokenEmbeddings(plan, get);
  const placed = g.op('Add', [patches, g.initializer(`${plan.pos.name}_patches`, [1, gh * gw, D], emb.patchPos)]);
  // --- [CLS, registers] (positions folded in where the table covers them), then the patches
  const batch = g.op('Shape', [pixels], { start: attr.int(0), end: attr.int(1) }, 'batch_size');
  const prefixShape = g.op('Concat', [batch, g.int64s('prefix_dims', [P, D])], { axis: attr.int(0) });
  const prefix = g.op('Expand', [g.initializer('prefix_tokens', [1, P, D], emb.prefix), prefixShape]);
  let x = g.op('Concat', [prefix, placed], { axis: attr.int(1) }, 'embeddings');

  const headShapes = new Map<number, string>();
  const headsShape = (h: number): string => headShapes.get(h) ?? headShapes.set(h, g.int64s('shape_heads', [0, 0, h, D / h])).get(h)!;
  const mergedShape = g.int64s('shape_merged', [0, 0, D]);
  const sqrt2 = g.scalar('sqrt2', Math.SQRT2);
  const one = g.scalar('one', 1);
  const half = g.scalar('half', 0.5);
  let firstTokenArgs: string[] | null = null;
  const firstToken = (t: string): string => {
    firstTokenArgs ??= [g.int64s('tok_start', [0]), g.int64s('tok_end', [1]), g.int64s('tok_axis', [1])];
    return g.op('Slice', [t, ...firstTokenArgs]);
  };
  const layerScale = (t: string, gamma: string | null): string => (gamma ? g.op('Mul', [t, g.initializer(gamma, [D], get(gamma, [D]))]) : t);
  const mlp = (t: string, m: MlpPlan): string => {
    if (m.kind === 'swiglu') {
      // u = fc1(x) = [x1 | x2]; silu(x1)·x2, the first half gated (timm GluMlp gate_last=False, HF Dinov2SwiGLUFFN)
      const x1 = linearOp(lin, t, m.fc1, [0, m.hidden]);
      const x2 = linearOp(lin, t, m.fc1, [m.hidden, 2 * m.hidden]);
      const silu = g.op('Mul', [x1, g.op('Sigmoid', [x1])]);
      return linearOp(lin, g.op('Mul', [silu, x2]), m.fc2);
    }
    const u = linearOp(lin, t, m.fc1);
    let act: string;
    if (m.approximate === 'erf') {
      // x·(1 + erf(x/√2))·½, in the shape onnxruntime's GeluFusion recognises
      act = g.op('Mul', [g.op('Mul', [u, g.op('Add', [g.op('Erf', [g.op('Div', [u, sqrt2])]), one])]), half]);
    } else {
      // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
      const inner = g.op('Mul', [g.op('Add', [u, g.op('Mul', [g.op('Mul', [g.op('Mul', [u, u]), u]), g.scalar('gelu_c', 0.044715)])]), g.scalar('gelu_k', Math.sqrt(2 / Math.PI))]);
      act = g.op('Mul', [g.op('Mul', [u, g.op('Add', [g.op('Tanh', [inner]), one])]), half]);
    }
    return linearOp(lin, act, m.fc2);
  };

  // Nothing downstream of CLS pooling reads the other tokens of the last block: computing its
  // queries, projection and MLP for CLS alone saves ~7% of ViT-B/16.
  const clsOnlyLast = plan.pooling === 'cls' && !explain && !opts.lastHiddenState && opts.cut === undefined;
  const probsPerLayer: string[] = [];
  plan.blocks.slice(0, opts.cut).forEach((b, l) => {
    const clsOnly = clsOnlyLast && l === plan.blocks.length - 1;
    const h = layerNorm(x, b.norm1);
    const hq = clsOnly ? firstToken(h) : h;
    const residual = clsOnly ? firstToken(x) : x;
    const nh = b.attn.heads;
    const hs = headsShape(nh);
    const split = (t: string, perm: number[]): string => g.op('Transpose', [g.op('Reshape', [t, hs])], { perm: attr.ints(perm) });
    const qkv = b.attn.qkv;
    const [qL, kL, vL]: [LinearPlan, [number, number] | undefined][] =
      qkv.kind === 'fused'
        ? [[qkv.qkv, [0, D]], [qkv.qkv, [D, 2 * D]], [qkv.qkv, [2 * D, 3 * D]]]
        : [[qkv.q, undefined], [qkv.k, undefined], [qkv.v, undefined]];
    const q = split(linearOp(lin, hq, qL[0], qL[1]), [0, 2, 1, 3]); // [N,H,Tq,hd]
    const kT = split(linearOp(lin, h, kL[0], kL[1]), [0, 2, 3, 1]); // [N,H,hd,T]
    const v = split(linearOp(lin, h, vL[0], vL[1]), [0, 2, 1, 3]); // [N,H,T,hd]
    const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar('attn_scale', 1 / Math.sqrt(D / nh))]);
    const probs = g.op('Softmax', [scores], { axis: attr.int(-1) }, `probs_${l}`);
    probsPerLayer.push(probs);
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: attr.ints([0, 2, 1, 3]) }), mergedShape]);
    x = g.op('Add', [residual, layerScale(linearOp(lin, ctx, b.attn.proj), b.ls1)]);
    x = g.op('Add', [x, layerScale(mlp(layerNorm(x, b.norm2), b.mlp), b.ls2)]);
  });

  if (opts.cut !== undefined) {
    g.node('Identity', [x], [OUTPUTS.hiddenState], {}, { exact: true });
    g.output(OUTPUTS.hiddenState, ['batch', T, D]);
    return g;
  }

  // --- final norm and pooling
  const E = embeddingDim(plan);
  const normed = layerNorm(x, plan.norm);
  const cls = (): string => g.op('Gather', [normed, g.initializer('index0', [], BigInt64Array.of(0n))], { axis: attr.int(1) });
  // The patch mean excludes CLS and registers (Virchow2: including the registers moves the embedding by 0.26).
  const patchMean = (): string =>
    g.op('ReduceMean', [g.op('Slice', [normed, g.int64s('patch_start', [P]), g.int64s('patch_end', [T]), g.int64s('patch_axis', [1])])], {
      axes: attr.ints([1]),
      keepdims: attr.int(0),
    });
  const pooled = plan.pooling === 'cls' ? cls() : plan.pooling === 'mean' ? patchMean() : g.op('Concat', [cls(), patchMean()], { axis: attr.int(1) });
  g.node('Identity', [pooled], [OUTPUTS.features], {}, { exact: true });
  g.output(OUTPUTS.features, ['batch', E]);
  if (plan.head) {
    const hd = plan.head;
    const headW = g.initializer(hd.weight, [hd.out, E], get(hd.weight, [hd.out, E]));
    const headB = hd.bias ? g.initializer(hd.bias, [hd.out], get(hd.bias, [hd.out])) : g.initializer('head_bias_zero', [hd.out], new Float32Array(hd.out));
    g.node('Gemm', [OUTPUTS.features, headW, headB], [OUTPUTS.logits], { transB: attr.int(1) }, { exact: true });
    g.output(OUTPUTS.logits, ['batch', hd.out]);
  }
  if (opts.lastHiddenState) {
    g.node('Identity', [normed], [OUTPUTS.lastHiddenState], {}, { exact: true });
    g.output(OUTPUTS.lastHiddenState, ['batch', T, D]);
  }
  if (explain) {
    probsPerLayer.forEach((probs, l) => {
      g.node('Identity', [probs], [attentionOutput(l)], {}, { exact: true });
      g.output(attentionOutput(l), ['batch', plan.blocks[l]!.attn.heads, T, T]);
    });
    addRollout(g, probsPerLayer, T, P, [gh, gw]);
  }
  return g;
}

/**
 * Attention rollout (Abnar & Zuidema 2020): per layer, heads averaged, identity added, rows
 * renormalised; the layers multiplied (R = Â_L ⋯ Â_1); the CLS row over the patch tokens
 * (registers skipped), as [N, gh, gw]. Not max-normalised, so values compare across images.
 */
function addRollout(g: GraphBuilder, probsPerLayer: string[], T: number, P: number, [gh, gw]: [number, number]): void {
  const eye = new Float32Array(T * T);
  for (let i = 0; i < T; i++) eye[i * T + i] = 1;
  const identity = g.initializer('identity_tokens', [T, T], eye);
  const lastAxis = g.int64s('axis_last', [-1]);
  let rollout: string | null = null;
  for (const probs of probsPerLayer) {
    // ReduceMean still takes axes as an attribute at opset 17; ReduceSum takes them as an input since 13.
    const mean = g.op('ReduceMean', [probs], { axes: attr.ints([1]), keepdims: attr.int(0) });
    const withId = g.op('Add', [mean, identity]);
    const rows = g.op('ReduceSum', [withId, lastAxis], { keepdims: attr.int(1) });
    const a = g.op('Div', [withId, rows]);
    rollout = rollout === null ? a : g.op('MatMul', [a, rollout]);
  }
  const clsRow = g.op('Gather', [rollout!, g.initializer('row0', [], BigInt64Array.of(0n))], { axis: attr.int(1) }); // [N,T]
  const patchesOnly = g.op('Slice', [clsRow, g.int64s('rollout_start', [P]), g.int64s('rollout_end', [T]), g.int64s('rollout_axis', [1])]);
  g.node('Reshape', [patchesOnly, g.int64s('shape_grid', [-1, gh, gw])], [OUTPUTS.rollout], {}, { exact: true });
  g.output(OUTPUTS.rollout, ['batch', gh, gw]);
}

/** Conv weight [out,in,k,k] and BN params → folded weight and bias: w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε). */
export function foldBatchNorm(
  w: Float32Array,
  out: number,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps = 1e-5,
): { weight: Float32Array; bias: Float32Array } {
  const per = w.length / out;
  const weight = new Float32Array(w.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + eps);
    for (let i = o * per; i < (o + 1) * per; i++) weight[i] = w[i]! * s;
    bias[o] = beta[o]! - mean[o]! * s;
  }
  return { weight, bias };
}

/**
 * ResNet: every conv is followed by an eval-mode BatchNorm, folded into it (float64 math,
 * rounded once); Conv+bias(+Relu) is what onnxruntime's NCHWc kernels fuse best.
 */
function emitResnet(plan: ResnetPlan, get: WeightGetter, opts: EmitOptions): GraphBuilder {
  const g = new GraphBuilder('resnet', opts.external ?? null);
  const cut = opts.cut;
  const int8 = opts.precision === 'int8' ? int8Conv(g) : null;
  const convBn = (input: string, c: ConvBnPlan, quantize = true): string => {
    const { inC, outC, kernel: k } = c;
    const f = foldBatchNorm(get(c.conv, [outC, inC, k, k]), outC, get(c.bn.weight, [outC]), get(c.bn.bias, [outC]), get(c.bn.mean, [outC]), get(c.bn.variance, [outC]), c.bn.eps);
    const pad = Math.floor(k / 2);
    const attrs = { kernel_shape: attr.ints([k, k]), strides: attr.ints([c.stride, c.stride]), pads: attr.ints([pad, pad, pad, pad]) };
    const conv =
      int8 && quantize
        ? int8(input, c, f, attrs)
        : g.op('Conv', [input, g.initializer(`${c.conv}_folded`, [outC, inC, k, k], f.weight), g.initializer(`${c.conv}_bias_folded`, [outC], f.bias)], attrs);
    return c.relu ? g.op('Relu', [conv]) : conv;
  };
  const [H, W] = plan.inputSize;
  const pixels = g.input('pixel_values', ['batch', plan.channels, H, W]);
  // The stem stays fp32 at int8: its input is the normalised image (signed, wide-ranged) and its 3
  // input channels are ~3% of the work. Measured on ResNet-50 and 30 lung patches, quantising it
  // too moved the max probability difference from 0.0072 to 0.0093 for no measurable speed.
  let x = convBn(pixels, plan.stem, false);
  x = g.op('MaxPool', [x], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });
  for (const r of plan.stages.flat().slice(0, cut)) {
    const shortcut = r.shortcut ? convBn(x, r.shortcut) : x;
    const body = r.body.reduce((t, c) => convBn(t, c), x);
    x = g.op('Relu', [g.op('Add', [body, shortcut])]);
  }
  if (cut !== undefined) {
    g.node('Identity', [x], [OUTPUTS.hiddenState], {}, { exact: true });
    g.output(OUTPUTS.hiddenState, ['batch', ...cutShape(plan, cut)]);
    return g;
  }
  const pooled = g.op('GlobalAveragePool', [x]);
  g.node('Flatten', [pooled], [OUTPUTS.features], { axis: attr.int(1) }, { exact: true });
  g.output(OUTPUTS.features, ['batch', plan.dim]);
  if (plan.head) {
    // The classifier stays fp32 at int8 too: [dim, labels] is a negligible share of the work, and
    // quantising it (DynamicQuantizeMatMul) doubled ResNet-50's max probability difference (0.0145).
    const hd = plan.head;
    const headW = g.initializer(hd.weight, [hd.out, plan.dim], get(hd.weight, [hd.out, plan.dim]));
    const headB = g.initializer(hd.bias!, [hd.out], get(hd.bias!, [hd.out]));
    g.node('Gemm', [OUTPUTS.features, headW, headB], [OUTPUTS.logits], { transB: attr.int(1) }, { exact: true });
    g.output(OUTPUTS.logits, ['batch', hd.out]);
  }
  return g;
}

/**
 * The uint8 zero point every int8 conv weight is stored with: the symmetric int8 weight q is
 * stored as q + 128, so ConvInteger still computes with exactly q. onnxruntime 1.30's CPU
 * ConvInteger takes int8 weights too, but runs them ~8x slower than uint8 ones (ResNet-50 on
 * an AVX-512 VNNI EPYC: ~8 s against ~1 s a batch of 8), and takes no per-channel zero point.
 */
const WEIGHT_ZERO_POINT = 128;

/**
 * The int8 form of a BN-folded conv, what onnxruntime's quantize_dynamic makes of a Conv:
 * DynamicQuantizeLinear(x) → ConvInteger(x_u8, w_u8, x_zp, 128) → Cast float → Mul by x_scale ·
 * w_scale[c] → Add bias. The weight is symmetric int8 per output channel (emit/quantize.ts
 * quantizeRows), stored shifted to uint8 under the one scalar zero point ConvInteger accepts; the
 * activation is quantised per tensor at run time, once per tensor however many convs read it (a
 * downsampling block's shortcut and body).
 *
 * Speed: ResNet-50 at int8 runs at about fp32's speed on an AVX-512 VNNI CPU (same CPU time per
 * image; bench/int8.ts). The integer convs are faster, but fp32's NCHWc convs fuse bias, ReLU and
 * the residual Add, while every int8 conv adds a quantise, a Cast, a Mul and an Add pass over its
 * output (a BatchNormalization in place of Mul+Add measured the same).
 */
function int8Conv(g: GraphBuilder): (input: string, c: ConvBnPlan, f: { weight: Float32Array; bias: Float32Array }, attrs: Record<string, ReturnType<typeof attr.ints>>) => string {
  const quantized = new Map<string, string[]>();
  let zeroPoint: string | null = null;
  return (input, c, f, attrs) => {
    const { inC, outC, kernel: k } = c;
    let xq = quantized.get(input);
    if (!xq) quantized.set(input, (xq = g.node('DynamicQuantizeLinear', [input], [`${input}_q`, `${input}_scale`, `${input}_zp`])));
    zeroPoint ??= g.initializer('conv_weight_zero_point', [], Uint8Array.of(WEIGHT_ZERO_POINT));
    const { q, scale } = quantizeRows(f.weight, outC, inC * k * k);
    const shifted = new Uint8Array(q.length);
    for (let i = 0; i < q.length; i++) shifted[i] = q[i]! + WEIGHT_ZERO_POINT;
    const acc = g.op('ConvInteger', [xq[0]!, g.initializer(`${c.conv}_q`, [outC, inC, k, k], shifted), xq[2]!, zeroPoint], attrs);
    const channelScale = g.op('Mul', [xq[1]!, g.initializer(`${c.conv}_scale`, [1, outC, 1, 1], scale)]);
    const scaled = g.op('Mul', [g.op('Cast', [acc], { to: attr.int(DataType.FLOAT) }), channelScale]);
    return g.op('Add', [scaled, g.initializer(`${c.conv}_bias_folded`, [1, outC, 1, 1], f.bias)]);
  };
}
