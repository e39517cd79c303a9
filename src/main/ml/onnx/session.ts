/**
 * The fast inference engine: a checkpoint's ONNX graph (built once, cached on disk by checkpoint
 * hash) run by onnxruntime-node.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { isCurrentModelFile, writeOnnxModel } from './export';
import type { ExportableCheckpoint } from './export';
import { planOf } from '../arch/index.js';
import { attentionOutput, OUTPUTS } from '../emit/onnx.js';
import type { Precision } from '../emit/quantize.js';
import { cutShape, embeddingDim, type NetworkPlan, patchGrid, prefixTokens } from '../plan.js';
import { touch } from '../../cache-trim.js';
import { trimGraphCache } from '../graph-cache-limit.js';

export interface OnnxCheckpoint extends ExportableCheckpoint {
  /** Content hash of the checkpoint; names the cached model file. */
  hash: string;
}

export interface OnnxEngineOptions {
  /** Where built models are kept: `<cacheDir>/<hash>[-explain][-int8].onnx`. */
  cacheDir: string;
  /** ViT only: build the graph that also outputs attention maps and the rollout, enabling explain(). */
  explain?: boolean;
  /** fp32 (default) or int8 (ViT only): an int8 graph is a file of its own, `<hash>[-explain]-int8.onnx`. */
  precision?: Precision;
  /** Preferred providers in order, e.g. ['cuda'] or ['dml']; CPU is always the fallback. */
  executionProviders?: string[];
  /** Images per session.run; bounds peak memory on large batches. Default 16 (explain: 4). */
  chunkSize?: number;
  /** intra-op threads; default: every core. */
  threads?: number;
  /** Weights above this many bytes go to an external-data side file (default export.ts EXTERNAL_DATA_ABOVE_BYTES). */
  externalDataAbove?: number;
  /**
   * Empty `ck.weights` once the graph is written, before onnxruntime reads it: for a 1 B-parameter
   * backbone that is 4.4 GB less at the memory peak. Only for callers done with the weights.
   */
  releaseWeights?: boolean;
  /**
   * Build only the frozen prefix of a last-k run (emit/onnx.ts `cut`): the engine then has hidden()
   * and no run(). Its file is `<hash>-cut<n>.onnx`, so `hash` should name the prefix's weights.
   */
  cut?: number;
}

export interface RunResult {
  /** One array per image. */
  logits: Float32Array[];
  features: Float32Array[];
}

export interface ExplainResult extends RunResult {
  /** attentions[image][layer]: that layer's attention probabilities, [heads, tokens, tokens] row-major. */
  attentions: Float32Array[][];
  /** rollout[image]: CLS attention rollout over the patch grid, [grid, grid] row-major. */
  rollout: Float32Array[];
  heads: number;
  tokens: number;
  grid: number;
}

/**
 * The cached graph of checkpoint `hash`: `<hash>[-explain][-int8].onnx`. Each variant is its own
 * file, so an int8 graph never stands in for the fp32 one (graph-cache-limit.ts groups them by hash).
 */
export function graphPath(cacheDir: string, hash: string, v: { explain?: boolean; precision?: Precision; cut?: number } = {}): string {
  return join(cacheDir, `${hash}${v.cut !== undefined ? `-cut${v.cut}` : ''}${v.explain ? '-explain' : ''}${v.precision === 'int8' ? '-int8' : ''}.onnx`);
}

/** Names users reach for that onnxruntime-node spells differently. */
const PROVIDER_ALIASES: Record<string, string> = { directml: 'dml' };

interface ProviderChoice {
  session: ort.InferenceSession;
  provider: string;
  fallbackReason?: string;
}

async function createSession(modelPath: string, requested: string[], threads: number): Promise<ProviderChoice> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3, // errors only: ORT warns about harmless things such as unused initializers
  };
  const wanted = requested.map((p) => PROVIDER_ALIASES[p] ?? p).filter((p) => p !== 'cpu');
  if (!wanted.length) return { session: await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] }), provider: 'cpu' };

  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const usable = wanted.filter((p) => supported.has(p));
  const reasons = wanted.filter((p) => !supported.has(p)).map((p) => `${p}: not available in this onnxruntime-node build`);
  if (usable.length) {
    try {
      const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: [...usable, 'cpu'] });
      return { session, provider: usable[0]!, ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}) };
    } catch (e) {
      reasons.push(`${usable.join(', ')}: ${(e as Error).message}`);
    }
  }
  const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', fallbackReason: reasons.join('; ') };
}

/** Splits a chunk's [m, k] output into m per-image copies (copies, so the chunk buffer can be freed). */
function perImage(t: ort.Tensor, m: number): Float32Array[] {
  const data = t.data as Float32Array;
  const k = data.length / m;
  return Array.from({ length: m }, (_, i) => data.slice(i * k, (i + 1) * k));
}

/** What an engine knows about its model and how it was loaded. */
export interface OnnxEngineInfo {
  arch: 'vit' | 'resnet';
  /** [channels, height, width] of one input image. */
  inputShape: readonly [number, number, number];
  /** Loaded with the explain graph (ViT). */
  explainable: boolean;
  /** The graph's numeric precision. */
  precision: Precision;
  chunkSize: number;
  modelPath: string;
  /** True when the model file came from the cache rather than being built now. */
  fromCache: boolean;
  /** The execution provider in use ('cpu', 'cuda', ...). */
  provider: string;
  /** Why a requested provider is not in use, when that happened. */
  fallbackReason: string | undefined;
  /** ViT geometry, for interpreting attention outputs (`grid` is the side of a square patch grid, `gridHW` its [rows, cols]). */
  vit: { layers: number; heads: number; tokens: number; grid: number; gridHW: [number, number]; prefix: number } | null;
  /** The network the graph was built from. */
  plan: NetworkPlan;
  /** Width of `features` per image. */
  embeddingDim: number;
  /** The graph has a classifier (a `logits` output). */
  hasHead: boolean;
  /** A prefix graph: its block count and one image's `hidden_state` shape; null for a whole network. */
  cut: { blocks: number; shape: number[] } | null;
  /** intra-op threads of the session. */
  threads: number;
}

export class OnnxEngine {
  private constructor(
    private session: ort.InferenceSession | null,
    readonly info: OnnxEngineInfo,
  ) {}

  get arch(): OnnxEngineInfo['arch'] {
    return this.info.arch;
  }
  get inputShape(): OnnxEngineInfo['inputShape'] {
    return this.info.inputShape;
  }
  get modelPath(): string {
    return this.info.modelPath;
  }
  get fromCache(): boolean {
    return this.info.fromCache;
  }
  get provider(): string {
    return this.info.provider;
  }
  get fallbackReason(): string | undefined {
    return this.info.fallbackReason;
  }

  static async load(ck: OnnxCheckpoint, opts: OnnxEngineOptions): Promise<OnnxEngine> {
    const explain = !!opts.explain;
    if (explain && ck.arch !== 'vit') throw new Error('explain is available for ViT checkpoints only');
    const precision = opts.precision ?? 'fp32';
    const cut = opts.cut;
    const modelPath = graphPath(opts.cacheDir, ck.hash, { explain, precision, cut });
    const plan = planOf(ck); // before the weights may be released: an HF plan is read from their shapes
    const build = async (): Promise<number> => {
      if (!ck.weights.size) throw new Error(`${modelPath}: the cached graph is unusable and the weights were not kept to rebuild it`);
      return writeOnnxModel({ ...ck, plan }, modelPath, { explain, precision, cut, externalDataAbove: opts.externalDataAbove });
    };
    let fromCache = await isCurrentModelFile(modelPath);
    if (!fromCache) {
      await build();
      // A new graph may push the cache past its limit; older checkpoints' graphs make room.
      await trimGraphCache(opts.cacheDir, ck.hash).catch(() => undefined);
    } else await touch(modelPath); // the cache's "last used", for its trimming
    // A fresh build is not rebuilt on failure: its weights can go before onnxruntime reads the file.
    // A cached file may turn out damaged, and then they are needed: released once the session exists.
    if (opts.releaseWeights && !fromCache) ck.weights.clear();

    const threads = opts.threads ?? availableParallelism();
    const providers = opts.executionProviders ?? ['cpu'];
    let choice: ProviderChoice;
    try {
      choice = await createSession(modelPath, providers, threads);
    } catch (e) {
      // A cached file can still be damaged past its header (disk errors, a copy cut short): rebuild once.
      if (!fromCache) throw e;
      await build();
      fromCache = false;
      choice = await createSession(modelPath, providers, threads);
    }
    if (opts.releaseWeights) ck.weights.clear();
    const common = {
      explainable: explain,
      precision,
      chunkSize: Math.max(1, opts.chunkSize ?? (explain ? 4 : 16)),
      modelPath,
      fromCache,
      provider: choice.provider,
      fallbackReason: choice.fallbackReason,
      cut: cut === undefined ? null : { blocks: cut, shape: cutShape(plan, cut) },
      threads,
    };
    const [H, W] = plan.inputSize;
    const shape = { ...common, arch: ck.arch, inputShape: [plan.channels, H, W] as const, plan, embeddingDim: embeddingDim(plan), hasHead: plan.head !== null };
    if (plan.kind === 'vit') {
      const [gh, gw] = patchGrid(plan);
      const vit = { layers: plan.blocks.length, heads: plan.blocks[0]?.attn.heads ?? 0, tokens: prefixTokens(plan) + gh * gw, grid: gh, gridHW: [gh, gw] as [number, number], prefix: prefixTokens(plan) };
      return new OnnxEngine(choice.session, { ...shape, vit });
    }
    return new OnnxEngine(choice.session, { ...shape, vit: null });
  }

  private get live(): ort.InferenceSession {
    if (!this.session) throw new Error('OnnxEngine has been disposed');
    return this.session;
  }

  /**
   * Runs `n` images (`pixels`: n×C×H×W float32, already preprocessed) in chunks of `chunkSize`,
   * calling `each` with every chunk's outputs and its image count, in order.
   */
  private async chunks(pixels: Float32Array, n: number, outputs: string[], each: (out: ort.InferenceSession.ReturnType, m: number) => void): Promise<void> {
    const per = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    if (!Number.isInteger(n) || n < 0 || pixels.length !== n * per) {
      throw new Error(`expected ${n} images of ${this.inputShape.join('x')} (${n * per} floats), got ${pixels.length}`);
    }
    for (let start = 0; start < n; start += this.info.chunkSize) {
      const m = Math.min(this.info.chunkSize, n - start);
      const input = new ort.Tensor('float32', pixels.subarray(start * per, (start + m) * per), [m, ...this.inputShape]);
      const out = await this.live.run({ pixel_values: input }, outputs);
      each(out, m);
    }
  }

  /** A prefix engine's `hidden_state` of `n` images, one contiguous [n, ...info.cut.shape] array. */
  async hidden(pixels: Float32Array, n: number): Promise<Float32Array> {
    const cut = this.info.cut;
    if (!cut) throw new Error('this engine was not loaded with { cut } (a last-k prefix)');
    const per = cut.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * per);
    let at = 0;
    await this.chunks(pixels, n, [OUTPUTS.hiddenState], (o, m) => {
      out.set(o[OUTPUTS.hiddenState]!.data as Float32Array, at);
      at += m * per;
    });
    return out;
  }

  async run(pixels: Float32Array, n: number): Promise<RunResult> {
    if (this.info.cut) throw new Error('a prefix engine has hidden(), not run()');
    const res: RunResult = { logits: [], features: [] };
    const head = this.info.hasHead;
    await this.chunks(pixels, n, head ? ['logits', 'features'] : ['features'], (out, m) => {
      res.logits.push(...(head ? perImage(out['logits']!, m) : Array.from({ length: m }, () => new Float32Array(0))));
      res.features.push(...perImage(out['features']!, m));
    });
    return res;
  }

  /** Logits, features, every layer's attention map and the rollout (engine loaded with `explain: true`). */
  async explain(pixels: Float32Array, n: number): Promise<ExplainResult> {
    const vit = this.info.vit;
    if (!this.info.explainable || !vit) throw new Error('this engine was not loaded with { explain: true } (ViT only)');
    const { layers, heads, tokens, grid } = vit;
    const attNames = Array.from({ length: layers }, (_, l) => attentionOutput(l));
    const res: ExplainResult = { logits: [], features: [], attentions: [], rollout: [], heads, tokens, grid };
    const head = this.info.hasHead;
    await this.chunks(pixels, n, [...(head ? ['logits'] : []), 'features', 'rollout', ...attNames], (out, m) => {
      res.logits.push(...(head ? perImage(out['logits']!, m) : Array.from({ length: m }, () => new Float32Array(0))));
      res.features.push(...perImage(out['features']!, m));
      res.rollout.push(...perImage(out['rollout']!, m));
      const perLayer = attNames.map((name) => perImage(out[name]!, m));
      for (let i = 0; i < m; i++) res.attentions.push(perLayer.map((l) => l[i]!));
    });
    return res;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    await s?.release();
  }
}
