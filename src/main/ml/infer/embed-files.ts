/**
 * Embeddings of image files by a backbone, through the embedding store: each file is hashed,
 * found in the store or run through the backbone (the same pixels `predict` and `features` give
 * it) and stored. A second call on the same images, in any dataset, runs the backbone on nothing;
 * with a known backbone hash it does not even open the engine.
 */
import type { StainParams } from '../preprocess/stain.js';
import type { LoadOptions } from '../models/checkpoint.js';
import { type EngineRunner, openRunner } from './engine-runner.js';
import { checkPrecision, type Precision } from '../emit/quantize.js';
import { embedderKey, fileContentHash, ImageEmbeddings } from './embedding-store.js';
import { ImageReadError, readBatch } from './image-batches.js';

export interface EmbedOptions {
  /** Embedding store root (embeddingCacheRoot(home)). */
  storeRoot: string;
  /** ONNX graph cache. */
  engineCacheDir?: string;
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
}

export async function embedFiles(backboneRef: string, files: string[], opts: EmbedOptions): Promise<EmbedResult> {
  const { knownHash, readSpec, onnxCacheDir } = await import('../model-cache.js');
  const engineCacheDir = opts.engineCacheDir ?? onnxCacheDir();
  const hashes = await Promise.all(files.map((f) => fileContentHash(f)));
  let runner: EngineRunner | null = null;
  const open = async (): Promise<EngineRunner> => (runner ??= await openRunner(backboneRef, { engine: 'onnx', cacheDir: engineCacheDir, load: opts.load, precision: opts.precision }));
  try {
    // the backbone's identity, without loading it when the graph cache knows it
    let hash = await knownHash(backboneRef, { cacheDir: engineCacheDir, load: opts.load });
    let spec = hash ? await readSpec(hash, engineCacheDir) : null;
    if (!hash || !spec) {
      const r = await open();
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
      const r = await open();
      const input = { preprocessor: r.preprocessor, stain };
      const size = Math.max(1, opts.batchSize ?? 16);
      for (let s = 0; s < unique.length; s += size) {
        opts.signal?.throwIfAborted();
        let idx = unique.slice(s, s + size);
        let pixels: Float32Array;
        try {
          pixels = await readBatch(idx.map((i) => files[i]), input);
        } catch (e) {
          if (!(e instanceof ImageReadError)) throw e;
          // an unreadable file is left out (and reported), its batch-mates embedded
          const ok: number[] = [];
          for (const i of idx) {
            try {
              await readBatch([files[i]], input);
              ok.push(i);
            } catch (err) {
              if (!(err instanceof ImageReadError)) throw err;
              skipped.push({ path: files[i], reason: `unreadable image: ${err.message.slice(files[i].length + 2)}` });
            }
          }
          idx = ok;
          pixels = await readBatch(idx.map((i) => files[i]), input);
        }
        if (!idx.length) continue;
        const res = await r.run(pixels, idx.length);
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
    return { embeddings: out, skipped, computed, backbone: { hash, arch: spec.arch, dim }, embedder: key, stain, provider: rr ? rr.info.backend : null };
  } finally {
    await (runner as EngineRunner | null)?.dispose();
  }
}
