/**
 * Embeddings of image files by a backbone, through the embedding store: each file is hashed,
 * found in the store or run through the backbone (the same pixels `predict` and `features` give
 * it) and stored. A second call on the same images, in any dataset, runs the backbone on nothing;
 * with a known backbone hash it does not even open the engine.
 */
import type { StainParams } from '../preprocess/stain.js';
import type { LoadOptions } from '../models/checkpoint.js';
import { type EngineRunner, openRunner } from './engine-runner.js';
import type { SessionPlacement } from '../onnx/session-placement.js';
import { checkPrecision, type Precision } from '../emit/quantize.js';
import { embedderKey, fileContentHash, ImageEmbeddings } from './embedding-store.js';
import { ImageReadError, readBatch } from './image-batches.js';

export interface EmbedOptions {
  /** Embedding store root (embeddingCacheRoot(home)). */
  storeRoot: string;
  /** ONNX graph cache. */
  engineCacheDir?: string;
  /** onnxruntime providers in order (the engine.provider choice, engine/providers.ts); default cpu, always the fallback. */
  executionProviders?: string[];
  load?: LoadOptions;
  /** Stain normalisation applied before the backbone; undefined: the backbone's own. */
  stain?: StainParams | null;
  batchSize?: number;
  /** The backbone's precision (default fp32); int8 embeddings are stored under their own key. */
  precision?: Precision;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface EmbedResult {
  /** In file order; null for a file that could not be read as an image (listed in `skipped`). */
  embeddings: (Float32Array | null)[];
  skipped: { path: string; reason: string }[];
  /** The stain normalisation the pixels went through. */
  stain: StainParams | null;
  /** Images run through the backbone now (the rest came from the store). */
  computed: number;
  backbone: { hash: string; arch: string; dim: number };
  embedder: string;
  /** onnxruntime's provider, when the engine was opened. */
  provider: string | null;
  /** Why the provider asked for first is not the one in use, when that happened. */
  fallbackReason?: string;
  /** Where the engine's session ran (onnx/session-placement.ts), when the engine was opened. */
  session: SessionPlacement | null;
}

export async function embedFiles(backboneRef: string, files: string[], opts: EmbedOptions): Promise<EmbedResult> {
  const { knownHash, readSpec, onnxCacheDir } = await import('../model-cache.js');
  const engineCacheDir = opts.engineCacheDir ?? onnxCacheDir();
  const hashes = await Promise.all(files.map((f) => fileContentHash(f)));
  let runner: EngineRunner | null = null;
  // `images`: what the engine will run, for where its session goes (onnx/session-placement.ts)
  const open = async (images: number): Promise<EngineRunner> =>
    (runner ??= await openRunner(backboneRef, { engine: 'onnx', cacheDir: engineCacheDir, load: opts.load, precision: opts.precision, images, ...(opts.executionProviders ? { executionProviders: opts.executionProviders } : {}) }));
  try {
    // the backbone's identity, without loading it when the graph cache knows it
    let hash = await knownHash(backboneRef, { cacheDir: engineCacheDir, load: opts.load });
    let spec = hash ? await readSpec(hash, engineCacheDir) : null;
    if (!hash || !spec) {
      // a backbone never opened before: its embeddings are most likely all to be made
      const r = await open(files.length);
      hash = r.hash;
      spec = { arch: r.arch, stain: r.stain } as NonNullable<typeof spec>;
    }
    const stain = opts.stain === undefined ? spec.stain : opts.stain;
    if (spec.plan) checkPrecision(spec.plan, opts.precision ?? 'fp32', backboneRef); // before the store is looked at
    const key = embedderKey(hash, stain, opts.precision);
    const store = new ImageEmbeddings(opts.storeRoot, key);
    const out: (Float32Array | null)[] = await Promise.all(hashes.map((h) => store.get(h)));
    const todo = out.flatMap((v, i) => (v ? [] : [i]));
    // one embedding per distinct content
    const firstOf = new Map<string, number>();
    const unique = todo.filter((i) => (firstOf.has(hashes[i]) ? false : (firstOf.set(hashes[i], i), true)));
    const skipped: { path: string; reason: string }[] = [];
    let computed = 0;
    if (unique.length) {
      const r = await open(unique.length);
      const input = { preprocessor: r.preprocessor, stain };
      const size = Math.max(1, opts.batchSize ?? 16);
      const read = async (idx: number[]): Promise<{ idx: number[]; pixels: Float32Array; unreadable: { path: string; reason: string }[] }> => {
        try {
          return { idx, pixels: await readBatch(idx.map((i) => files[i]), input), unreadable: [] };
        } catch (e) {
          if (!(e instanceof ImageReadError)) throw e;
          // an unreadable file is left out (and reported), its batch-mates embedded
          const ok: number[] = [];
          const unreadable: { path: string; reason: string }[] = [];
          for (const i of idx) {
            try {
              await readBatch([files[i]], input);
              ok.push(i);
            } catch (err) {
              if (!(err instanceof ImageReadError)) throw err;
              unreadable.push({ path: files[i], reason: `unreadable image: ${err.message.slice(files[i].length + 2)}` });
            }
          }
          return { idx: ok, pixels: await readBatch(ok.map((i) => files[i]), input), unreadable };
        }
      };
      const prefetch = (s: number) => {
        if (s >= unique.length) return null;
        const p = read(unique.slice(s, s + size));
        p.catch(() => {}); // observed here, rethrown when awaited: a failure while the engine runs is not "unhandled"
        return p;
      };
      // the next batch decodes while the engine runs this one (in a worker on a long job)
      let next = prefetch(0);
      for (let s = 0; s < unique.length; s += size) {
        opts.signal?.throwIfAborted();
        const { idx, pixels, unreadable } = await next!;
        next = prefetch(s + size);
        skipped.push(...unreadable);
        if (!idx.length) continue;
        const res = await r.run(pixels, idx.length, { transfer: true });
        for (let j = 0; j < idx.length; j++) {
          out[idx[j]] = res.features[j];
          await store.put(hashes[idx[j]], res.features[j]);
        }
        computed += idx.length;
        opts.onProgress?.(Math.min(s + size, unique.length), unique.length);
      }
      for (const i of todo) out[i] ??= out[firstOf.get(hashes[i])!];
    }
    await store.used();
    const dim = out.find((e) => e)?.length ?? 0;
    if (out.some((e) => e && e.length !== dim)) throw new Error(`embeddings of ${backboneRef} differ in width; its cache entry ${key} is damaged`);
    const rr = runner as EngineRunner | null;
    const fallbackReason = rr?.info.fallbackReason;
    return { embeddings: out, skipped, computed, backbone: { hash, arch: spec.arch, dim }, embedder: key, stain, provider: rr ? rr.info.backend : null, session: rr?.info.session ?? null, ...(fallbackReason ? { fallbackReason } : {}) };
  } finally {
    await (runner as EngineRunner | null)?.dispose();
  }
}
