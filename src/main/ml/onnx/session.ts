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
import { openWithOptimizedCache, type OptimizedUse } from './optimized-model.js';
import { InlineSessionHost, type SessionHost, WorkerSessionHost } from './session-host.js';
import type { ChunkOutput } from './session-protocol.js';

export interface OnnxCheckpoint extends ExportableCheckpoint {
  /** Content hash of the checkpoint; names the cached model file. */
  hash: string;
}

export interface OnnxEngineOptions {
  /** Where built models are kept: `<cacheDir>/<hash>[-explain][-int8].onnx`. */
  cacheDir: string;
  /** ViT only: build the graph that also outputs attention maps and the rollout, enabling explain(). */
  explain?: boolean;
  /** fp32 (default) or int8: an int8 graph is a file of its own, `<hash>[-explain]-int8.onnx`. */
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
  /**
   * Hold the session in a worker thread of its own: onnxruntime-node's run blocks the thread it
   * is called from, so only then does the caller's next batch decode while this one computes.
   * A worker costs a thread start per engine, repaid on long jobs only: session-placement.ts decides.
   */
  worker?: boolean;
  /** Load onnxruntime's optimised graph saved by an earlier start (optimized-model.ts); default true. */
  optimizedCache?: boolean;
}

export interface RunOptions {
  /**
   * The caller is done with `pixels`: an engine in a worker takes their buffer without copying
   * it (the caller's array is detached afterwards). Ignored inline.
   */
  transfer?: boolean;
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
  provider: string;
  fallbackReason?: string;
  optimized: OptimizedUse;
}

/** Opens `modelPath` in `host` with the given providers, through the optimised-graph cache unless `cache` is false. */
type SessionOpener = (options: ort.InferenceSession.SessionOptions) => Promise<OptimizedUse>;

function sessionOpener(host: SessionHost, modelPath: string, precision: Precision, cache: boolean): SessionOpener {
  const open = (path: string, o: ort.InferenceSession.SessionOptions) => host.open(path, o);
  return async (options) => {
    if (!cache) return open(modelPath, options).then(() => 'off' as const);
    return openWithOptimizedCache(open, modelPath, options, { precision, providers: (options.executionProviders ?? []).map(String) });
  };
}

/**
 * Intra-op threads default to every core (OnnxEngineOptions.threads). Spinning: onnxruntime's
 * intra-op threads busy-wait between parallel sections by default, which only pays when they
 * have the cores to themselves. Here they never do: the caller's thread decodes the next batch
 * meanwhile, and the machine is shared. Measured on 2 cores (ViT-B/16, batch 8, best of 4,
 * alternated, load average near 20): without spinning 0.66 img/s against 0.61 with it, and 0.84
 * against 0.78 with a second thread busy half the time; so no spinning.
 */
const ALLOW_SPINNING = '0';

async function createSession(open: SessionOpener, requested: string[], threads: number): Promise<ProviderChoice> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3, // errors only: ORT warns about harmless things such as unused initializers
    extra: { session: { intra_op: { allow_spinning: ALLOW_SPINNING } } },
  };
  const wanted = requested.map((p) => PROVIDER_ALIASES[p] ?? p).filter((p) => p !== 'cpu');
  if (!wanted.length) return { optimized: await open({ ...base, executionProviders: ['cpu'] }), provider: 'cpu' };

  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const usable = wanted.filter((p) => supported.has(p));
  const reasons = wanted.filter((p) => !supported.has(p)).map((p) => `${p}: not available in this onnxruntime-node build`);
  if (usable.length) {
    try {
      const optimized = await open({ ...base, executionProviders: [...usable, 'cpu'] });
      return { optimized, provider: usable[0]!, ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}) };
    } catch (e) {
      reasons.push(`${usable.join(', ')}: ${(e as Error).message}`);
    }
  }
  const optimized = await open({ ...base, executionProviders: ['cpu'] });
  return { optimized, provider: 'cpu', fallbackReason: reasons.join('; ') };
}

/** Splits a chunk's [m, k] output into m per-image copies (copies, so the chunk buffer can be freed). */
function perImage(data: Float32Array, m: number): Float32Array[] {
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
  /** onnxruntime's optimised graph: loaded from the cache, written to it now, or not cached. */
  optimized: OptimizedUse;
  /** The session runs in a worker thread of its own. */
  inWorker: boolean;
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
    private host: SessionHost | null,
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
    const inWorker = !!opts.worker;
    const host: SessionHost = inWorker ? new WorkerSessionHost(modelPath) : new InlineSessionHost();
    const open = sessionOpener(host, modelPath, precision, opts.optimizedCache ?? true);
    let choice: ProviderChoice;
    try {
      try {
        choice = await createSession(open, providers, threads);
      } catch (e) {
        // A cached file can still be damaged past its header (disk errors, a copy cut short): rebuild once.
        if (!fromCache) throw e;
        await build();
        fromCache = false;
        choice = await createSession(open, providers, threads);
      }
    } catch (e) {
      await host.release().catch(() => undefined);
      throw e;
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
      optimized: choice.optimized,
      inWorker,
    };
    const [H, W] = plan.inputSize;
    const shape = { ...common, arch: ck.arch, inputShape: [plan.channels, H, W] as const, plan, embeddingDim: embeddingDim(plan), hasHead: plan.head !== null };
    if (plan.kind === 'vit') {
      const [gh, gw] = patchGrid(plan);
      const vit = { layers: plan.blocks.length, heads: plan.blocks[0]?.attn.heads ?? 0, tokens: prefixTokens(plan) + gh * gw, grid: gh, gridHW: [gh, gw] as [number, number], prefix: prefixTokens(plan) };
      return new OnnxEngine(host, { ...shape, vit });
    }
    return new OnnxEngine(host, { ...shape, vit: null });
  }

  /**
   * Runs `n` images (`pixels`: n×C×H×W float32, already preprocessed) in chunks of `chunkSize`,
   * calling `each` with every chunk's outputs and its image count, in order.
   */
  private async chunks(pixels: Float32Array, n: number, outputs: string[], run: RunOptions, each: (out: ChunkOutput['out'], m: number) => void): Promise<void> {
    if (!this.host) throw new Error('OnnxEngine has been disposed');
    const per = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    if (!Number.isInteger(n) || n < 0 || pixels.length !== n * per) {
      throw new Error(`expected ${n} images of ${this.inputShape.join('x')} (${n * per} floats), got ${pixels.length}`);
    }
    const chunks = await this.host.run({ pixels, n, shape: this.inputShape, chunkSize: this.info.chunkSize, outputs }, !!run.transfer);
    for (const c of chunks) each(c.out, c.m);
  }

  /** A prefix engine's `hidden_state` of `n` images, one contiguous [n, ...info.cut.shape] array. */
  async hidden(pixels: Float32Array, n: number): Promise<Float32Array> {
    const cut = this.info.cut;
    if (!cut) throw new Error('this engine was not loaded with { cut } (a last-k prefix)');
    const per = cut.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n * per);
    let at = 0;
    await this.chunks(pixels, n, [OUTPUTS.hiddenState], {}, (o, m) => {
      out.set(o[OUTPUTS.hiddenState]!, at);
      at += m * per;
    });
    return out;
  }

  async run(pixels: Float32Array, n: number, opts: RunOptions = {}): Promise<RunResult> {
    if (this.info.cut) throw new Error('a prefix engine has hidden(), not run()');
    const res: RunResult = { logits: [], features: [] };
    const head = this.info.hasHead;
    await this.chunks(pixels, n, head ? ['logits', 'features'] : ['features'], opts, (out, m) => {
      res.logits.push(...(head ? perImage(out['logits']!, m) : Array.from({ length: m }, () => new Float32Array(0))));
      res.features.push(...perImage(out['features']!, m));
    });
    return res;
  }

  /** Logits, features, every layer's attention map and the rollout (engine loaded with `explain: true`). */
  async explain(pixels: Float32Array, n: number, opts: RunOptions = {}): Promise<ExplainResult> {
    const vit = this.info.vit;
    if (!this.info.explainable || !vit) throw new Error('this engine was not loaded with { explain: true } (ViT only)');
    const { layers, heads, tokens, grid } = vit;
    const attNames = Array.from({ length: layers }, (_, l) => attentionOutput(l));
    const res: ExplainResult = { logits: [], features: [], attentions: [], rollout: [], heads, tokens, grid };
    const head = this.info.hasHead;
    await this.chunks(pixels, n, [...(head ? ['logits'] : []), 'features', 'rollout', ...attNames], opts, (out, m) => {
      res.logits.push(...(head ? perImage(out['logits']!, m) : Array.from({ length: m }, () => new Float32Array(0))));
      res.features.push(...perImage(out['features']!, m));
      res.rollout.push(...perImage(out['rollout']!, m));
      const perLayer = attNames.map((name) => perImage(out[name]!, m));
      for (let i = 0; i < m; i++) res.attentions.push(perLayer.map((l) => l[i]!));
    });
    return res;
  }

  async dispose(): Promise<void> {
    const h = this.host;
    this.host = null;
    await h?.release();
  }
}
