/**
 * What a frozen part of the network makes of each image, computed once with the fast engine
 * (onnxruntime) and kept on disk:
 * - head mode's inputs: the backbone's pooled embedding (ViT's final [CLS] token, ResNet's pooled
 *   last stage), kept in the embedding store (ml/infer/embedding-store.ts) that embedFiles uses
 *   too: keyed by the checkpoint, the stain normalisation and the file's bytes. Data homes from
 *   before kept these under `cache/training/features/<model>/<path, size, mtime>.f32`; an entry
 *   found there is moved into the store on first read (`legacyDir`);
 * - last-k mode's inputs without augmentation: the frozen prefix's hidden state (frozen-prefix.ts),
 *   `hidden/`, per image keyed by the prefix weights, the stain and the file's size and mtime,
 *   read per batch (ViT-B: 600 KB an image).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import type { PreprocessorConfig } from '../ml/models/processors.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import type { StainParams } from '../ml/preprocess/stain.js';
import { asFloat32, embedderKey, fileContentHash, ImageEmbeddings } from '../ml/infer/embedding-store.js';
import { batchPixels, type ImageStore } from './images.js';
import { entriesToEvict, evict, folderEntries, limitFromEnv } from '../cache-trim.js';

const CHUNK = 16;

async function imageKey(modelKey: string, path: string): Promise<string> {
  const s = await stat(path);
  return createHash('sha256').update(`${modelKey}\0${path}\0${s.size}\0${s.mtimeMs}`).digest('hex');
}

export interface PerImageCache {
  /** Folder under the cache dir ('features', 'hidden'); one sub-folder per model key. */
  kind: string;
  /** Names the frozen weights that compute the values. */
  modelKey: string;
  /** The size limit of `kind`'s folder: environment variable and default in GB. */
  limit: [string, number];
}

export interface CachedFiles {
  /** One file of float32 values per path, in order. */
  files: string[];
  /** Images computed now (the rest came from the cache). */
  computed: number;
}

/**
 * Makes sure every path has its file under `<cacheDir>/<kind>/<key>/`, computing the missing
 * ones in chunks with `compute` (preprocessed pixels of n images → one array per image).
 */
export async function cachePerImage(
  cache: PerImageCache,
  paths: string[],
  store: ImageStore,
  pp: PreprocessorConfig,
  compute: (pixels: Float32Array, n: number) => Promise<Float32Array[]>,
  opts: { cacheDir: string; stainKey: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<CachedFiles> {
  const modelKey = createHash('sha256').update(`${cache.modelKey}\0${opts.stainKey}`).digest('hex').slice(0, 24);
  const root = join(opts.cacheDir, cache.kind);
  const dir = join(root, modelKey);
  await mkdir(dir, { recursive: true });
  const keys = await Promise.all(paths.map((p) => imageKey(modelKey, p)));
  const files = keys.map((k) => join(dir, `${k}.f32`));
  const todo = files.flatMap((f, i) => (existsSync(f) ? [] : [i]));
  for (let s = 0; s < todo.length; s += CHUNK) {
    opts.signal?.throwIfAborted();
    const idx = todo.slice(s, s + CHUNK);
    const pixels = await batchPixels(store, idx.map((i) => paths[i]), pp, null);
    const values = await compute(pixels, idx.length);
    for (let j = 0; j < idx.length; j++) {
      const f = files[idx[j]];
      const v = values[j];
      // written aside and renamed, so a killed run never leaves half a file that reads as values
      await writeFile(`${f}.${process.pid}.tmp`, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      await rename(`${f}.${process.pid}.tmp`, f);
    }
    opts.onProgress?.(Math.min(s + CHUNK, todo.length), todo.length);
  }
  // Marks this model's values as just used, then keeps the folder under its limit (others' go first).
  await writeFile(join(dir, '.used'), '');
  const entries = await folderEntries(root, (name) => /^[0-9a-f]{24}$/.test(name));
  await evict(entriesToEvict(entries, limitFromEnv(cache.limit[0], cache.limit[1]), new Set([modelKey]))).catch(() => undefined);
  return { files, computed: todo.length };
}

export async function readF32File(path: string): Promise<Float32Array> {
  const buf = await readFile(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export interface FeatureResult {
  features: Float32Array[];
  /** Images whose features were computed now (the rest came from the cache). */
  computed: number;
  provider: string | null;
}

export interface FeatureOptions {
  /** Embedding store root (embeddingCacheRoot(home)). */
  storeRoot: string;
  /** ONNX graph cache. */
  engineCacheDir: string;
  /** onnxruntime providers in order (default cpu); cpu is the fallback. */
  executionProviders?: string[];
  /** The normalisation the store's pixels went through (null for none). */
  stain: StainParams | null;
  /** The old per-run feature cache (cache/training/features), read once and emptied into the store. */
  legacyDir?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The old cache's place for one image: keyed by the checkpoint + stain, then the path, size and mtime. */
async function legacyFile(dir: string, ck: Checkpoint, stain: StainParams | null, path: string): Promise<{ modelDir: string; file: string }> {
  const modelKey = createHash('sha256').update(`${ck.hash}\0${stain ? JSON.stringify(stain) : ''}`).digest('hex').slice(0, 24);
  return { modelDir: join(dir, modelKey), file: join(dir, modelKey, `${await imageKey(modelKey, path)}.f32`) };
}

/** An old cache entry moved into the store, or null when there is none. */
async function fromLegacy(dir: string, ck: Checkpoint, stain: StainParams | null, path: string, hash: string, emb: ImageEmbeddings): Promise<Float32Array | null> {
  const { modelDir, file } = await legacyFile(dir, ck, stain, path);
  let v: Float32Array;
  try {
    v = asFloat32(await readFile(file));
  } catch {
    return null;
  }
  await emb.put(hash, v);
  await rm(file, { force: true });
  // the model's old folder goes once only its marker is left
  await rm(join(modelDir, '.used'), { force: true }).then(() => rmdir(modelDir)).catch(() => undefined);
  return v;
}

/** Features of every path, in order. */
export async function backboneFeatures(ck: Checkpoint, paths: string[], store: ImageStore, opts: FeatureOptions): Promise<FeatureResult> {
  const emb = new ImageEmbeddings(opts.storeRoot, embedderKey(ck.hash, opts.stain));
  const hashes = await Promise.all(paths.map((p) => fileContentHash(p)));
  const out: (Float32Array | null)[] = await Promise.all(hashes.map((h) => emb.get(h)));
  if (opts.legacyDir) {
    for (let i = 0; i < paths.length; i++) out[i] ??= await fromLegacy(opts.legacyDir, ck, opts.stain, paths[i], hashes[i], emb);
  }
  const todo = out.flatMap((v, i) => (v ? [] : [i]));
  let provider: string | null = null;
  if (todo.length) {
    const engine = await OnnxEngine.load(ck, { cacheDir: opts.engineCacheDir, chunkSize: CHUNK, ...(opts.executionProviders ? { executionProviders: opts.executionProviders } : {}) });
    provider = engine.provider;
    try {
      for (let s = 0; s < todo.length; s += CHUNK) {
        opts.signal?.throwIfAborted();
        const idx = todo.slice(s, s + CHUNK);
        const pixels = await batchPixels(store, idx.map((i) => paths[i]), ck.preprocessor, null);
        const { features } = await engine.run(pixels, idx.length);
        for (let j = 0; j < idx.length; j++) {
          out[idx[j]] = features[j];
          await emb.put(hashes[idx[j]], features[j]);
        }
        opts.onProgress?.(Math.min(s + CHUNK, todo.length), todo.length);
      }
    } finally {
      await engine.dispose();
    }
  }
  await emb.used();
  return { features: out as Float32Array[], computed: todo.length, provider };
}
