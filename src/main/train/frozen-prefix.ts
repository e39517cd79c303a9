/**
 * Last-k training's frozen part: the stem or patch embedding and the first depth − k blocks, run
 * by onnxruntime on every core (tfjs-backend-wasm has one thread in Node). Its output, the hidden
 * state after the last frozen block, is what the suffix model (train-model.ts) learns on:
 * computed once per image and cached on disk when nothing is augmented, per batch otherwise.
 *
 * The graph and the cache are keyed by the prefix's own weights, not the checkpoint's hash: a
 * resumed run loads last/, whose frozen tensors are the starting checkpoint's, so it finds both.
 */
import { createHash } from 'node:crypto';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import { type NetworkPlan, prefixTensorNames } from '../ml/plan.js';
import { cachePerImage, readF32File } from './features.js';
import type { ImageStore } from './images.js';
import { limitFromEnv } from '../cache-trim.js';

/** The hidden-state cache's size limit: environment variable, default GB. */
const HIDDEN_CACHE: [string, number] = ['TESSELLA_HIDDEN_CACHE_GB', 8];

/** Content hash of a plan's prefix of `cut` blocks: what it computes (the plan but its head) and every tensor it reads. */
export function prefixHash(ckpt: Pick<Checkpoint, 'weights'>, plan: NetworkPlan, cut: number): string {
  const h = createHash('sha256').update(JSON.stringify({ ...plan, head: null })).update(`\0cut ${cut}\0`);
  for (const name of prefixTensorNames(plan, cut)) {
    const e = ckpt.weights.get(name);
    if (!e) throw new Error(`the checkpoint has no ${name}`);
    h.update(`${name}\0${e.dtype}\0${e.shape.join(',')}\0`);
    h.update(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength));
  }
  return h.digest('hex');
}

export class FrozenPrefix {
  private constructor(
    private readonly engine: OnnxEngine,
    readonly hash: string,
    readonly cut: number,
    /** One image's hidden state shape (plan.ts cutShape). */
    readonly shape: number[],
  ) {}

  /** Builds (or finds in `cacheDir`) the prefix graph of `ckpt`; call before its weights are released. */
  static async load(ckpt: Checkpoint, plan: NetworkPlan, cut: number, cacheDir: string, executionProviders: string[] = ['cpu']): Promise<FrozenPrefix> {
    const hash = prefixHash(ckpt, plan, cut);
    const engine = await OnnxEngine.load({ ...ckpt, plan, hash }, { cacheDir, cut, executionProviders });
    return new FrozenPrefix(engine, hash, cut, engine.info.cut!.shape);
  }

  /** The execution provider the prefix runs on (cpu when the requested one could not start). */
  get provider(): string {
    return this.engine.provider;
  }

  /** Why the requested provider is not the one in use, when that happened. */
  get fallbackReason(): string | undefined {
    return this.engine.fallbackReason;
  }

  get threads(): number {
    return this.engine.info.threads;
  }

  /** Floats of one image's hidden state. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Hidden states of `n` preprocessed images, [n, ...shape] contiguous. */
  run(pixels: Float32Array, n: number): Promise<Float32Array> {
    return this.engine.hidden(pixels, n);
  }

  /** Whether `n` images' hidden states fit the cache's limit (TESSELLA_HIDDEN_CACHE_GB, default 8). */
  fitsCache(n: number): boolean {
    return n * this.size * 4 <= limitFromEnv(HIDDEN_CACHE[0], HIDDEN_CACHE[1]);
  }

  /**
   * Every path's hidden state on disk (computed now where missing), for training without
   * augmentation and for validation; read back per batch with `batch()`.
   */
  async cache(
    paths: string[],
    store: ImageStore,
    ckpt: Pick<Checkpoint, 'preprocessor'>,
    opts: { cacheDir: string; stainKey: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
  ): Promise<HiddenStates> {
    const size = this.size;
    const cached = await cachePerImage({ kind: 'hidden', modelKey: this.hash, limit: HIDDEN_CACHE }, paths, store, ckpt.preprocessor, async (pixels, n) => {
      const all = await this.run(pixels, n);
      return Array.from({ length: n }, (_, i) => all.subarray(i * size, (i + 1) * size));
    }, opts);
    return new HiddenStates(cached.files, size);
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** Cached hidden states of a list of images, read per batch. */
export class HiddenStates {
  constructor(
    private readonly files: string[],
    private readonly size: number,
  ) {}

  /** The images from `start` to `end` (exclusive), as their own list. */
  slice(start: number, end?: number): HiddenStates {
    return new HiddenStates(this.files.slice(start, end), this.size);
  }

  /** The images at `indices`, [indices.length, ...shape] contiguous. */
  async batch(indices: number[]): Promise<Float32Array> {
    const out = new Float32Array(indices.length * this.size);
    const parts = await Promise.all(indices.map((i) => readF32File(this.files[i])));
    parts.forEach((p, j) => {
      if (p.length !== this.size) throw new Error(`${this.files[indices[j]]}: ${p.length} values, expected ${this.size}`);
      out.set(p, j * this.size);
    });
    return out;
  }
}
