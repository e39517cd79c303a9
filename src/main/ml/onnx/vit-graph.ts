/**
 * ViTForImageClassification as an ONNX graph (HF semantics: pre-norm blocks, scores
 * q·kᵀ·head_dim^-0.5, exact erf GELU, classifier on the CLS token after the final layernorm).
 *
 * Op choices follow what onnxruntime fuses on CPU: MatMul followed by a bias Add, opset-17
 * LayerNormalization, the Div→Erf→Add→Mul→Mul GELU pattern (fused to one Gelu/BiasGelu kernel),
 * Mul-by-scalar after the score MatMul (folded into a FusedMatMul alpha).
 *
 * The plain graph computes the last block for the CLS token only: nothing downstream reads the
 * other tokens, and their query/projection/MLP work is ~7% of ViT-B/16. The explain graph keeps
 * every token (the last layer's attention map is one of its outputs) and adds the attention
 * rollout (Abnar & Zuidema 2020).
 */
import { attr, GraphBuilder } from './onnx-model';
import { transpose2d } from '../models/layout';
import { configNumber, floatWeight, type GraphCheckpoint } from './graph-input';

export interface VitShape {
  imageSize: number;
  patchSize: number;
  channels: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  eps: number;
  qkvBias: boolean;
  numLabels: number;
  /** Patch grid side and token count (patches + CLS). */
  grid: number;
  tokens: number;
}

export function vitShape(ck: GraphCheckpoint): VitShape {
  const c = ck.config;
  const act = c['hidden_act'] ?? 'gelu';
  if (act !== 'gelu') throw new Error(`ViT hidden_act ${String(act)} is not supported (only exact 'gelu')`);
  const imageSize = configNumber(c, 'image_size', 224);
  const patchSize = configNumber(c, 'patch_size', 16);
  if (imageSize % patchSize) throw new Error(`image_size ${imageSize} is not a multiple of patch_size ${patchSize}`);
  const grid = imageSize / patchSize;
  const head = ck.weights.get('classifier.weight');
  return {
    imageSize,
    patchSize,
    channels: configNumber(c, 'num_channels', 3),
    hidden: configNumber(c, 'hidden_size'),
    layers: configNumber(c, 'num_hidden_layers'),
    heads: configNumber(c, 'num_attention_heads'),
    intermediate: configNumber(c, 'intermediate_size'),
    eps: configNumber(c, 'layer_norm_eps', 1e-12),
    qkvBias: c['qkv_bias'] !== false,
    numLabels: head ? head.shape[0]! : 0,
    grid,
    tokens: grid * grid + 1,
  };
}

/** Output names; attention maps are `attentions_<layer>`. */
export const VIT_OUTPUTS = { logits: 'logits', features: 'features', rollout: 'rollout' } as const;
export const attentionOutput = (layer: number): string => `attentions_${layer}`;

export function buildVitGraph(ck: GraphCheckpoint, opts: { explain?: boolean } = {}): GraphBuilder {
  const s = vitShape(ck);
  if (!s.numLabels) throw new Error('checkpoint has no classifier.weight (loadCheckpoint creates a head for backbone-only checkpoints)');
  const explain = !!opts.explain;
  const D = s.hidden;
  const hd = D / s.heads;
  if (!Number.isInteger(hd)) throw new Error(`hidden_size ${D} is not divisible by ${s.heads} heads`);
  const g = new GraphBuilder(explain ? 'vit_explain' : 'vit');
  const w = (name: string, shape?: readonly number[]): Float32Array => floatWeight(ck, name, shape);

  const pixels = g.input('pixel_values', ['batch', s.channels, s.imageSize, s.imageSize]);

  // --- embeddings: patch conv, flatten row-major, CLS first, + position embeddings
  const pe = 'vit.embeddings.patch_embeddings.projection';
  const patchW = g.initializer(`${pe}.weight`, [D, s.channels, s.patchSize, s.patchSize], w(`${pe}.weight`, [D, s.channels, s.patchSize, s.patchSize]));
  const patchB = g.initializer(`${pe}.bias`, [D], w(`${pe}.bias`, [D]));
  const conv = g.op('Conv', [pixels, patchW, patchB], {
    kernel_shape: attr.ints([s.patchSize, s.patchSize]),
    strides: attr.ints([s.patchSize, s.patchSize]),
  });
  const flat = g.op('Reshape', [conv, g.int64s('shape_patches', [0, D, -1])]);
  const patches = g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) });
  const batch = g.op('Shape', [pixels], { start: attr.int(0), end: attr.int(1) }, 'batch_size');
  const clsShape = g.op('Concat', [batch, g.int64s('one_d', [1, D])], { axis: attr.int(0) });
  const cls = g.initializer('vit.embeddings.cls_token', [1, 1, D], w('vit.embeddings.cls_token', [1, 1, D]));
  const clsB = g.op('Expand', [cls, clsShape]);
  const tokens = g.op('Concat', [clsB, patches], { axis: attr.int(1) });
  const pos = g.initializer('vit.embeddings.position_embeddings', [1, s.tokens, D], w('vit.embeddings.position_embeddings', [1, s.tokens, D]));
  let x = g.op('Add', [tokens, pos], {}, 'embeddings');

  const layerNorm = (input: string, prefix: string): string =>
    g.op(
      'LayerNormalization',
      [input, g.initializer(`${prefix}.weight`, [D], w(`${prefix}.weight`, [D])), g.initializer(`${prefix}.bias`, [D], w(`${prefix}.bias`, [D]))],
      { axis: attr.int(-1), epsilon: attr.float(s.eps) },
    );
  // HF Linear weights are [out, in]; MatMul wants [in, out].
  const linear = (input: string, prefix: string, inF: number, outF: number, bias = true): string => {
    const wt = g.initializer(`${prefix}.weight_t`, [inF, outF], transpose2d(w(`${prefix}.weight`, [outF, inF]), outF, inF));
    const mm = g.op('MatMul', [input, wt]);
    return bias ? g.op('Add', [mm, g.initializer(`${prefix}.bias`, [outF], w(`${prefix}.bias`, [outF]))]) : mm;
  };
  const headsShape = g.int64s('shape_heads', [0, 0, s.heads, hd]);
  const mergedShape = g.int64s('shape_merged', [0, 0, D]);
  const scale = g.scalar('attn_scale', 1 / Math.sqrt(hd));
  const sqrt2 = g.scalar('sqrt2', Math.SQRT2);
  const one = g.scalar('one', 1);
  const half = g.scalar('half', 0.5);
  let firstTokenArgs: string[] | null = null; // created on first use: the explain graph has no CLS-only layer
  const firstToken = (t: string): string => {
    firstTokenArgs ??= [g.int64s('tok_start', [0]), g.int64s('tok_end', [1]), g.int64s('tok_axis', [1])];
    return g.op('Slice', [t, ...firstTokenArgs]);
  };

  const probsPerLayer: string[] = [];
  for (let l = 0; l < s.layers; l++) {
    const p = `vit.encoder.layer.${l}`;
    const clsOnly = !explain && l === s.layers - 1;
    const h = layerNorm(x, `${p}.layernorm_before`);
    // Queries (and everything after attention) for the CLS token only in the plain graph's last layer.
    const hq = clsOnly ? firstToken(h) : h;
    const residual = clsOnly ? firstToken(x) : x;
    const a = `${p}.attention.attention`;
    const split = (t: string, perm: number[]): string => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm: attr.ints(perm) });
    const q = split(linear(hq, `${a}.query`, D, D, s.qkvBias), [0, 2, 1, 3]); // [N,H,Tq,hd]
    const kT = split(linear(h, `${a}.key`, D, D, s.qkvBias), [0, 2, 3, 1]); // [N,H,hd,T]
    const v = split(linear(h, `${a}.value`, D, D, s.qkvBias), [0, 2, 1, 3]); // [N,H,T,hd]
    const scores = g.op('Mul', [g.op('MatMul', [q, kT]), scale]);
    const probs = g.op('Softmax', [scores], { axis: attr.int(-1) }, `probs_${l}`);
    probsPerLayer.push(probs);
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: attr.ints([0, 2, 1, 3]) }), mergedShape]);
    x = g.op('Add', [linear(ctx, `${p}.attention.output.dense`, D, D), residual]);

    const h2 = layerNorm(x, `${p}.layernorm_after`);
    const inter = linear(h2, `${p}.intermediate.dense`, D, s.intermediate);
    // exact GELU: x·½·(1 + erf(x/√2)), in the shape onnxruntime's GeluFusion recognises
    const erf = g.op('Erf', [g.op('Div', [inter, sqrt2])]);
    const gelu = g.op('Mul', [g.op('Mul', [inter, g.op('Add', [erf, one])]), half]);
    x = g.op('Add', [linear(gelu, `${p}.output.dense`, s.intermediate, D), x]);
  }

  // --- CLS token → final layernorm → features → classifier
  const clsTok = g.op('Gather', [x, g.initializer('index0', [], BigInt64Array.of(0n))], { axis: attr.int(1) });
  const [features] = g.node(
    'LayerNormalization',
    [clsTok, g.initializer('vit.layernorm.weight', [D], w('vit.layernorm.weight', [D])), g.initializer('vit.layernorm.bias', [D], w('vit.layernorm.bias', [D]))],
    [VIT_OUTPUTS.features],
    { axis: attr.int(-1), epsilon: attr.float(s.eps) },
    { exact: true },
  );
  const headW = g.initializer('classifier.weight', [s.numLabels, D], w('classifier.weight', [s.numLabels, D]));
  const headB = g.initializer('classifier.bias', [s.numLabels], w('classifier.bias', [s.numLabels]));
  g.node('Gemm', [features!, headW, headB], [VIT_OUTPUTS.logits], { transB: attr.int(1) }, { exact: true });
  g.output(VIT_OUTPUTS.logits, ['batch', s.numLabels]);
  g.output(VIT_OUTPUTS.features, ['batch', D]);

  if (explain) {
    probsPerLayer.forEach((probs, l) => {
      g.node('Identity', [probs], [attentionOutput(l)], {}, { exact: true });
      g.output(attentionOutput(l), ['batch', s.heads, s.tokens, s.tokens]);
    });
    addRollout(g, probsPerLayer, s);
  }
  return g;
}

/**
 * Attention rollout: per layer, heads averaged, identity added, rows renormalised; the layers
 * multiplied (R = Â_L ⋯ Â_1); the CLS row over the patch tokens, as [N, grid, grid]. Not
 * max-normalised, so the values stay comparable across images.
 */
function addRollout(g: GraphBuilder, probsPerLayer: string[], s: VitShape): void {
  const T = s.tokens;
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
  const patchesOnly = g.op('Slice', [clsRow, g.int64s('patch_start', [1]), g.int64s('patch_end', [T]), g.int64s('patch_axis', [1])]);
  g.node('Reshape', [patchesOnly, g.int64s('shape_grid', [-1, s.grid, s.grid])], [VIT_OUTPUTS.rollout], {}, { exact: true });
  g.output(VIT_OUTPUTS.rollout, ['batch', s.grid, s.grid]);
}
