/**
 * Vision Transformers, described once: every layout we load turned into one VitPlan whose
 * parameter names are the checkpoint's keys. In the spirit of timm's vision_transformer.py,
 * every variant is a flag, not a copy:
 *
 * - transformers `ViTModel` / `ViTForImageClassification` (keys `vit.…`, `classifier`);
 * - transformers `Dinov2Model` (Phikon-v2) and `Dinov2WithRegistersModel` (Hibou: registers,
 *   `use_swiglu_ffn`), keys `embeddings.…`, `encoder.layer.N.…`, `layernorm`;
 * - timm hub folders (UNI, UNI2-h, Virchow/Virchow2, H-optimus, Prov-GigaPath, Lunit, Kaiko):
 *   `config.json` = {architecture, model_args, pretrained_cfg}, keys `blocks.N.…`.
 *
 * What a config does not say is read from the weights' shapes (SwiGLU, registers, LayerScale,
 * the MLP width), because real hub configs leave it to code: Virchow2's and UNI2-h's configs
 * never name SwiGLU, their model cards pass `mlp_layer=SwiGLUPacked, act_layer=SiLU`.
 */
import { DomainError } from '../../errors.js';
import type { LinearPlan, MlpPlan, NormPlan, Pooling, PositionPlan, QkvPlan, VitBlockPlan, VitPlan } from '../plan.js';

/** Shapes of the checkpoint's tensors, by key; enough to describe the network. */
export type ShapeOf = (name: string) => number[] | undefined;

/** What a catalogue entry or `tessella_model.json` adds to a folder (schema tessella-model-hint/0). */
export interface VitHints {
  pooling?: Pooling;
  /** timm kwargs a model card passes in code, e.g. {mlp_layer: 'timm.layers.SwiGLUPacked', act_layer: 'torch.nn.SiLU'}. */
  timmKwargs?: Record<string, unknown>;
}

export interface VitPlanOptions extends VitHints {
  /** Run at this [height, width] instead of the native size; the position table is resampled. */
  inputSize?: [number, number];
  /**
   * HF classifiers: the head's rows (the labels a loader asked for). Without it the head is read
   * from the weights, and a plan without weights (a model made from scratch) has none.
   */
  numLabels?: number;
}

/** A checkpoint that does not fit its config, or a variant we do not build. */
const mismatch = (message: string): DomainError => new DomainError('invalid-input', message, 'checkpoint-mismatch');
const unsupportedVariant = (message: string): DomainError => new DomainError('unsupported', message, 'unsupported-architecture');

function need(shapeOf: ShapeOf, name: string, rank?: number): number[] {
  const s = shapeOf(name);
  if (!s) throw mismatch(`the checkpoint has no tensor ${name}`);
  if (rank !== undefined && s.length !== rank) throw mismatch(`tensor ${name} has shape [${s.join(', ')}], expected rank ${rank}`);
  return s;
}

/** nn.Linear named `prefix` ([out, in] weight), checked against the expected size where known. */
function linear(shapeOf: ShapeOf, prefix: string, inF?: number, outF?: number): LinearPlan {
  const [out, inn] = need(shapeOf, `${prefix}.weight`, 2) as [number, number];
  if ((inF !== undefined && inn !== inF) || (outF !== undefined && out !== outF)) {
    throw mismatch(`tensor ${prefix}.weight has shape [${out}, ${inn}], expected [${outF ?? out}, ${inF ?? inn}]`);
  }
  const bias = shapeOf(`${prefix}.bias`) ? `${prefix}.bias` : null;
  return { weight: `${prefix}.weight`, bias, in: inn, out };
}

/**
 * nn.Linear named `prefix` whose size the config declares. Built from the config alone (a model
 * made from scratch has no weights); a tensor the checkpoint does have must fit it.
 */
function declaredLinear(shapeOf: ShapeOf, prefix: string, inF: number, outF: number, bias: boolean): LinearPlan {
  const s = shapeOf(`${prefix}.weight`);
  if (s && (s.length !== 2 || s[0] !== outF || s[1] !== inF)) throw mismatch(`tensor ${prefix}.weight has shape [${s.join(', ')}], config.json implies [${outF}, ${inF}]`);
  return { weight: `${prefix}.weight`, bias: bias ? `${prefix}.bias` : null, in: inF, out: outF };
}

const layerNorm = (prefix: string, eps: number): NormPlan => ({ weight: `${prefix}.weight`, bias: `${prefix}.bias`, eps });

/**
 * The MLP at `prefix`: packed SwiGLU when fc1 has twice the rows fc2 reads (whatever the config
 * says or omits), otherwise fc1 → GELU → fc2. `declared` is what the config or hints claim.
 */
function mlp(
  shapeOf: ShapeOf,
  names: { fc1: string; fc2: string },
  dim: number,
  declared: { swiglu?: boolean; approximate: 'erf' | 'tanh' },
): MlpPlan {
  const fc1 = linear(shapeOf, names.fc1, dim);
  const fc2 = linear(shapeOf, names.fc2, undefined, dim);
  const packed = fc1.out === 2 * fc2.in;
  if (declared.swiglu === true && !packed) {
    throw mismatch(`SwiGLU declared but ${fc1.weight} has ${fc1.out} rows and ${fc2.weight} reads ${fc2.in} (need twice as many)`);
  }
  if (packed) return { kind: 'swiglu', hidden: fc2.in, fc1, fc2 };
  if (fc1.out !== fc2.in) throw mismatch(`${fc1.weight} has ${fc1.out} rows but ${fc2.weight} reads ${fc2.in}`);
  return { kind: 'gelu', approximate: declared.approximate, fc1, fc2 };
}

function heads(dim: number, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || dim % n !== 0) throw mismatch(`width ${dim} is not divisible by ${n} attention heads`);
  return n;
}

/** Native patch grid from a square or [h, w] image size. */
function grid(imageSize: number | [number, number], patch: number): [number, number] {
  const [h, w] = typeof imageSize === 'number' ? [imageSize, imageSize] : imageSize;
  if (h % patch || w % patch) throw unsupportedVariant(`image size ${h}x${w} is not a multiple of patch size ${patch}`);
  return [h / patch, w / patch];
}

function runSize(native: [number, number], patch: number, opts: VitPlanOptions): [number, number] {
  const size = opts.inputSize ?? native;
  grid(size, patch);
  return size;
}

/** HF "hidden_act" → GELU form. */
function hfGelu(act: unknown): 'erf' | 'tanh' {
  if (act === undefined || act === 'gelu') return 'erf';
  if (act === 'gelu_new' || act === 'gelu_pytorch_tanh' || act === 'gelu_fast') return 'tanh';
  throw unsupportedVariant(`hidden_act ${JSON.stringify(act)} is not supported (gelu, gelu_new, gelu_pytorch_tanh)`);
}

const num = (c: Record<string, unknown>, key: string, fallback?: number): number => {
  const v = c[key];
  if (typeof v === 'number') return v;
  if (fallback !== undefined) return fallback;
  throw mismatch(`config.json has no numeric ${key}`);
};

// ---------------------------------------------------------------------------------------------
// transformers ViTModel / ViTForImageClassification
// ---------------------------------------------------------------------------------------------
/**
 * HF ViT. Keys carry the `vit.` prefix (loadCheckpoint adds it to base-model checkpoints); the
 * classifier reads the CLS token after the final layernorm. HF's eps default is 1e-12. Every
 * size comes from the config (transformers' defaults), so a model made from scratch has a plan
 * before it has weights; the weights present are checked against it.
 */
export function hfVitPlan(config: Record<string, unknown>, shapeOf: ShapeOf, opts: VitPlanOptions = {}): VitPlan {
  const D = num(config, 'hidden_size', 768);
  const patch = num(config, 'patch_size', 16);
  const channels = num(config, 'num_channels', 3);
  const eps = num(config, 'layer_norm_eps', 1e-12);
  const inter = num(config, 'intermediate_size', 3072);
  const qkvBias = config['qkv_bias'] !== false;
  const approximate = hfGelu(config['hidden_act']);
  const native = grid(num(config, 'image_size', 224), patch);
  const nHeads = heads(D, num(config, 'num_attention_heads', 12));
  const e = 'vit.embeddings';
  const lin = (prefix: string, inF: number, outF: number, bias = true): LinearPlan => declaredLinear(shapeOf, prefix, inF, outF, bias);
  const blocks: VitBlockPlan[] = [];
  for (let l = 0; l < num(config, 'num_hidden_layers', 12); l++) {
    const p = `vit.encoder.layer.${l}`;
    const a = `${p}.attention.attention`;
    blocks.push({
      norm1: layerNorm(`${p}.layernorm_before`, eps),
      attn: {
        heads: nHeads,
        qkv: { kind: 'separate', q: lin(`${a}.query`, D, D, qkvBias), k: lin(`${a}.key`, D, D, qkvBias), v: lin(`${a}.value`, D, D, qkvBias) },
        proj: lin(`${p}.attention.output.dense`, D, D),
      },
      ls1: null,
      norm2: layerNorm(`${p}.layernorm_after`, eps),
      mlp: { kind: 'gelu', approximate, fc1: lin(`${p}.intermediate.dense`, D, inter), fc2: lin(`${p}.output.dense`, inter, D) },
      ls2: null,
    });
  }
  const headRows = opts.numLabels ?? shapeOf('classifier.weight')?.[0];
  return {
    kind: 'vit',
    family: 'hf-vit',
    channels,
    inputSize: runSize([native[0] * patch, native[1] * patch], patch, opts),
    patchSize: patch,
    dim: D,
    patchEmbed: { weight: `${e}.patch_embeddings.projection.weight`, bias: `${e}.patch_embeddings.projection.bias` },
    clsToken: `${e}.cls_token`,
    registers: null,
    // HF ViT interpolates with plain bicubic (interpolate_pos_encoding), never antialiased.
    pos: { name: `${e}.position_embeddings`, covers: 'all', grid: native, resample: 'bicubic' },
    blocks,
    norm: layerNorm('vit.layernorm', eps),
    pooling: opts.pooling ?? 'cls',
    head: headRows === undefined ? null : { weight: 'classifier.weight', bias: 'classifier.bias', in: D, out: headRows },
  };
}

// ---------------------------------------------------------------------------------------------
// transformers Dinov2Model / Dinov2WithRegistersModel
// ---------------------------------------------------------------------------------------------
export const HF_DINOV2_TYPES = ['dinov2', 'dinov2_with_registers'] as const;

/**
 * HF DINOv2. Every block has LayerScale (`layer_scaleN.lambda1`). With `use_swiglu_ffn` the MLP
 * is `weights_in` / `weights_out` with SiLU hard-coded (the config still says "gelu").
 * With registers, the (1+N)-row table is added to [CLS, patches] and the registers are inserted
 * after CLS without a position: `cls+patches`. A `dinov2.` prefix (a *ForImageClassification save) is accepted.
 */
export function hfDinov2Plan(config: Record<string, unknown>, shapeOf: ShapeOf, opts: VitPlanOptions = {}): VitPlan {
  const pre = shapeOf('dinov2.embeddings.cls_token') ? 'dinov2.' : '';
  const D = num(config, 'hidden_size');
  const patch = num(config, 'patch_size', 14);
  const eps = num(config, 'layer_norm_eps', 1e-6);
  const swiglu = config['use_swiglu_ffn'] === true;
  const approximate = swiglu ? 'erf' : hfGelu(config['hidden_act']);
  const nHeads = heads(D, num(config, 'num_attention_heads'));
  const withRegisters = config['model_type'] === 'dinov2_with_registers';
  const nReg = withRegisters ? num(config, 'num_register_tokens', 0) : 0;
  const e = `${pre}embeddings`;
  if (nReg) {
    const r = need(shapeOf, `${e}.register_tokens`, 3);
    if (r[1] !== nReg) throw mismatch(`${e}.register_tokens has ${r[1]} tokens, config.json says ${nReg}`);
  }
  const posRows = need(shapeOf, `${e}.position_embeddings`, 3)[1]! - 1;
  const side = Math.round(Math.sqrt(posRows));
  if (side * side !== posRows) throw unsupportedVariant(`${e}.position_embeddings has ${posRows} patch rows, not a square grid`);
  const nativeSize: [number, number] = [side * patch, side * patch];
  const blocks: VitBlockPlan[] = [];
  for (let l = 0; l < num(config, 'num_hidden_layers'); l++) {
    const p = `${pre}encoder.layer.${l}`;
    const a = `${p}.attention.attention`;
    const fcNames = swiglu ? { fc1: `${p}.mlp.weights_in`, fc2: `${p}.mlp.weights_out` } : { fc1: `${p}.mlp.fc1`, fc2: `${p}.mlp.fc2` };
    blocks.push({
      norm1: layerNorm(`${p}.norm1`, eps),
      attn: {
        heads: nHeads,
        qkv: { kind: 'separate', q: linear(shapeOf, `${a}.query`, D, D), k: linear(shapeOf, `${a}.key`, D, D), v: linear(shapeOf, `${a}.value`, D, D) },
        proj: linear(shapeOf, `${p}.attention.output.dense`, D, D),
      },
      ls1: `${p}.layer_scale1.lambda1`,
      norm2: layerNorm(`${p}.norm2`, eps),
      mlp: mlp(shapeOf, fcNames, D, { swiglu, approximate }),
      ls2: `${p}.layer_scale2.lambda1`,
    });
  }
  return {
    kind: 'vit',
    family: 'hf-dinov2',
    channels: num(config, 'num_channels', 3),
    inputSize: runSize(nativeSize, patch, opts),
    patchSize: patch,
    dim: D,
    patchEmbed: { weight: `${e}.patch_embeddings.projection.weight`, bias: `${e}.patch_embeddings.projection.bias` },
    clsToken: `${e}.cls_token`,
    registers: nReg ? { name: `${e}.register_tokens`, count: nReg } : null,
    // Dinov2Model resamples without antialias, Dinov2WithRegistersModel with it.
    pos: { name: `${e}.position_embeddings`, covers: nReg ? 'cls+patches' : 'all', grid: [side, side], resample: withRegisters ? 'bicubic-antialias' : 'bicubic' },
    blocks,
    norm: layerNorm(`${pre}layernorm`, eps),
    pooling: opts.pooling ?? 'cls',
    head: null,
  };
}

// ---------------------------------------------------------------------------------------------
// timm VisionTransformer (hub folders)
// ---------------------------------------------------------------------------------------------
/** timm's model_args for the families our backbones are registered under (vision_transformer.py). */
interface TimmArgs {
  img_size: number | [number, number];
  patch_size: number;
  embed_dim: number;
  depth: number;
  num_heads: number;
  mlp_ratio: number;
  init_values: number | null;
  reg_tokens: number;
  no_embed_class: boolean;
  class_token: boolean;
  global_pool: string;
  dynamic_img_size: boolean;
  qkv_bias: boolean;
  swiglu: boolean | undefined;
  act: string | undefined;
}

const TIMM_WIDTHS: Record<string, { embed_dim: number; depth: number; num_heads: number; mlp_ratio?: number }> = {
  tiny: { embed_dim: 192, depth: 12, num_heads: 3 },
  small: { embed_dim: 384, depth: 12, num_heads: 6 },
  base: { embed_dim: 768, depth: 12, num_heads: 12 },
  large: { embed_dim: 1024, depth: 24, num_heads: 16 },
  huge: { embed_dim: 1280, depth: 32, num_heads: 16 },
  giant: { embed_dim: 1408, depth: 40, num_heads: 16, mlp_ratio: 48 / 11 },
  gigantic: { embed_dim: 1664, depth: 48, num_heads: 16, mlp_ratio: 64 / 13 },
};

/**
 * The defaults timm registers for `vit_<width>_patch<p>_<size|dinov2>[_reg<R>][_dinov2]`:
 * dinov2 variants add LayerScale (init_values 1e-5) and run at 518; reg variants add R registers
 * with no_embed_class; vit_giant_patch14_dinov2 is SwiGLU with 1536 wide, 24 heads.
 */
export function timmArchitectureDefaults(architecture: string): Partial<TimmArgs> {
  const m = /^vit_(tiny|small|base|large|huge|giant|gigantic)_patch(\d+)(.*)$/.exec(architecture);
  if (!m) throw unsupportedVariant(`timm architecture ${architecture} is not a VisionTransformer we know (vit_<size>_patch<p>_…)`);
  const [, width, p, rest] = m as unknown as [string, string, string, string];
  const out: Partial<TimmArgs> = { ...TIMM_WIDTHS[width], patch_size: Number(p) };
  const size = /_(\d+)(?:_|$)/.exec(rest);
  if (size) out.img_size = Number(size[1]);
  const dinov2 = /(^|_)dinov2(_|$)/.test(rest);
  const reg = /_reg(\d+)/.exec(rest);
  if (dinov2) {
    out.init_values = 1e-5;
    out.img_size = 518;
    if (width === 'giant') Object.assign(out, { embed_dim: 1536, num_heads: 24, mlp_ratio: 2.66667 * 2, swiglu: true, act: 'silu' });
  }
  if (reg) Object.assign(out, { reg_tokens: Number(reg[1]), no_embed_class: true });
  if (/clip|siglip|gap|_rope|_so\d/.test(rest)) throw unsupportedVariant(`timm architecture ${architecture} uses a variant we do not build (CLIP/SigLIP/GAP/RoPE)`);
  return out;
}

/** A timm layer given as a string (config.json or a catalogue hint): 'timm.layers.SwiGLUPacked', 'torch.nn.SiLU', 'gelu_tanh'. */
function layerName(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return v.split('.').pop()!.toLowerCase();
}

function timmArgs(config: Record<string, unknown>, hints: VitHints): TimmArgs {
  const architecture = config['architecture'];
  if (typeof architecture !== 'string') throw mismatch('config.json has no timm "architecture"');
  const args = { ...(config['model_args'] as Record<string, unknown> | undefined), ...hints.timmKwargs };
  const d = timmArchitectureDefaults(architecture);
  const pick = <K extends keyof TimmArgs>(k: K, fallback: TimmArgs[K]): TimmArgs[K] => (args[k] ?? d[k] ?? fallback) as TimmArgs[K];
  const mlpLayer = layerName(args['mlp_layer']);
  if (mlpLayer && !['swiglupacked', 'mlp'].includes(mlpLayer)) throw unsupportedVariant(`timm mlp_layer ${String(args['mlp_layer'])} is not supported (Mlp, SwiGLUPacked)`);
  for (const [k, bad] of [['pre_norm', true], ['fc_norm', true], ['qk_norm', true], ['class_token', false]] as const) {
    if (args[k] === bad) throw unsupportedVariant(`timm ${k}=${String(bad)} is not supported`);
  }
  const gp = (args['global_pool'] ?? config['global_pool'] ?? 'token') as string;
  if (gp === 'avg' || gp === 'map') throw unsupportedVariant(`timm global_pool "${gp}" is not supported ('token' or '' with a pooling hint)`);
  return {
    img_size: pick('img_size', 224),
    patch_size: pick('patch_size', 16),
    embed_dim: pick('embed_dim', 768),
    depth: pick('depth', 12),
    num_heads: pick('num_heads', 12),
    mlp_ratio: pick('mlp_ratio', 4),
    init_values: pick('init_values', null),
    reg_tokens: pick('reg_tokens', 0),
    no_embed_class: pick('no_embed_class', false),
    class_token: true,
    global_pool: gp,
    dynamic_img_size: pick('dynamic_img_size', false),
    qkv_bias: pick('qkv_bias', true),
    swiglu: mlpLayer === 'swiglupacked' ? true : mlpLayer === 'mlp' ? false : d.swiglu,
    act: layerName(args['act_layer']) ?? d.act,
  };
}

/**
 * timm VisionTransformer. LayerNorm eps is 1e-6 (timm's partial(nn.LayerNorm, eps=1e-6)); the
 * fused qkv rows are [q; k; v]. The run size comes from pretrained_cfg.input_size (else img_size).
 */
export function timmVitPlan(config: Record<string, unknown>, shapeOf: ShapeOf, opts: VitPlanOptions = {}): VitPlan {
  const a = timmArgs(config, opts);
  const D = a.embed_dim;
  const patchShape = need(shapeOf, 'patch_embed.proj.weight', 4);
  if (patchShape[0] !== D || patchShape[2] !== a.patch_size) {
    throw mismatch(`patch_embed.proj.weight has shape [${patchShape.join(', ')}], config.json implies [${D}, _, ${a.patch_size}, ${a.patch_size}]`);
  }
  const nReg = shapeOf('reg_token')?.[1] ?? 0;
  if (nReg !== a.reg_tokens) throw mismatch(`reg_token has ${nReg} tokens, config.json implies ${a.reg_tokens}`);
  const native = grid(a.img_size, a.patch_size);
  const posRows = need(shapeOf, 'pos_embed', 3)[1]!;
  const prefixRows = a.no_embed_class ? 0 : 1 + nReg;
  if (posRows !== prefixRows + native[0] * native[1]) {
    throw mismatch(`pos_embed has ${posRows} rows; ${a.no_embed_class ? 'no_embed_class' : `${prefixRows} prefix tokens`} and a ${native[0]}x${native[1]} grid need ${prefixRows + native[0] * native[1]}`);
  }
  const act = a.act;
  if (a.swiglu && act && act !== 'silu') throw unsupportedVariant(`SwiGLU with act_layer ${act} is not supported (SiLU)`);
  const approximate: 'erf' | 'tanh' = act === 'gelu_tanh' || act === 'gelutanh' ? 'tanh' : 'erf';
  if (!a.swiglu && act && !['gelu', 'gelu_tanh', 'gelutanh', 'silu'].includes(act)) throw unsupportedVariant(`timm act_layer ${act} is not supported`);
  const nHeads = heads(D, a.num_heads);
  const blocks: VitBlockPlan[] = [];
  for (let l = 0; l < a.depth; l++) {
    const p = `blocks.${l}`;
    const qkv: QkvPlan = { kind: 'fused', qkv: linear(shapeOf, `${p}.attn.qkv`, D, 3 * D) };
    const m = mlp(shapeOf, { fc1: `${p}.mlp.fc1`, fc2: `${p}.mlp.fc2` }, D, { swiglu: a.swiglu, approximate });
    if (m.kind === 'gelu' && act === 'silu') throw unsupportedVariant(`${p}.mlp is a plain MLP but act_layer is SiLU (not supported)`);
    // timm's Mlp width is int(D·mlp_ratio); SwiGLUPacked halves it. Checked so a wrong ratio is not silently ignored.
    const fc1Rows = Math.trunc(D * a.mlp_ratio);
    if (m.fc1.out !== fc1Rows && !(m.kind === 'swiglu' && a.swiglu === undefined)) {
      throw mismatch(`${p}.mlp.fc1 has ${m.fc1.out} rows; embed_dim ${D} and mlp_ratio ${a.mlp_ratio} give ${fc1Rows}`);
    }
    const ls1 = shapeOf(`${p}.ls1.gamma`) ? `${p}.ls1.gamma` : null;
    const ls2 = shapeOf(`${p}.ls2.gamma`) ? `${p}.ls2.gamma` : null;
    if ((a.init_values !== null) !== (ls1 !== null && ls2 !== null)) {
      throw mismatch(`${p}: LayerScale ${a.init_values !== null ? 'expected (init_values is set) but ls1/ls2.gamma are missing' : 'gammas present but init_values is not set'}`);
    }
    blocks.push({ norm1: layerNorm(`${p}.norm1`, 1e-6), attn: { heads: nHeads, qkv, proj: linear(shapeOf, `${p}.attn.proj`, D, D) }, ls1, norm2: layerNorm(`${p}.norm2`, 1e-6), mlp: m, ls2 });
  }
  const pcfg = (config['pretrained_cfg'] ?? {}) as { input_size?: number[] };
  const cfgSize = pcfg.input_size?.length === 3 ? ([pcfg.input_size[1], pcfg.input_size[2]] as [number, number]) : null;
  const nativeSize: [number, number] = [native[0] * a.patch_size, native[1] * a.patch_size];
  const pos: PositionPlan = { name: 'pos_embed', covers: a.no_embed_class ? 'patches' : 'all', grid: native, resample: 'bicubic-antialias' };
  return {
    kind: 'vit',
    family: 'timm-vit',
    channels: patchShape[1]!,
    inputSize: runSize(cfgSize ?? nativeSize, a.patch_size, opts),
    patchSize: a.patch_size,
    dim: D,
    patchEmbed: { weight: 'patch_embed.proj.weight', bias: 'patch_embed.proj.bias' },
    clsToken: 'cls_token',
    registers: nReg ? { name: 'reg_token', count: nReg } : null,
    pos,
    blocks,
    norm: layerNorm('norm', 1e-6),
    pooling: opts.pooling ?? 'cls',
    head: shapeOf('head.weight') ? linear(shapeOf, 'head', undefined) : null,
  };
}

/** Which ViT layout a config.json is, or null when it is none of them. */
export function vitLayout(config: Record<string, unknown>): 'hf-vit' | 'hf-dinov2' | 'timm-vit' | null {
  if (config['model_type'] === 'vit') return 'hf-vit';
  if ((HF_DINOV2_TYPES as readonly unknown[]).includes(config['model_type'])) return 'hf-dinov2';
  if (typeof config['architecture'] === 'string' && config['architecture'].startsWith('vit_')) return 'timm-vit';
  return null;
}

/** The plan of any ViT layout; errors say which tensor or field does not fit. */
export function vitPlan(config: Record<string, unknown>, shapeOf: ShapeOf, opts: VitPlanOptions = {}): VitPlan {
  const layout = vitLayout(config);
  if (layout === 'hf-vit') return hfVitPlan(config, shapeOf, opts);
  if (layout === 'hf-dinov2') return hfDinov2Plan(config, shapeOf, opts);
  if (layout === 'timm-vit') return timmVitPlan(config, shapeOf, opts);
  throw unsupportedVariant('config.json is not a ViT we know (transformers vit / dinov2 / dinov2_with_registers, or a timm vit_* architecture)');
}
