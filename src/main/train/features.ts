/**
 * Head mode's inputs: what the frozen backbone makes of each image (ViT's final [CLS] token,
 * ResNet's pooled last stage), computed once with the fast engine (onnxruntime) from the run's
 * in-memory images and kept in the embedding store (ml/infer/embedding-store.ts) that embedFiles
 * uses too: keyed by the checkpoint, the stain normalisation and the file's bytes.
 *
 * Data homes from before kept these under `cache/training/features/<model>/<path, size, mtime>.f32`;
 * an entry found there is moved into the store on first read (`legacyDir`).
 */
import { createHash } from 'node:crypto';
import { readFile, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import type { StainParams } from '../ml/preprocess/stain.js';
import { asFloat32, embedderKey, fileContentHash, ImageEmbeddings } from '../ml/infer/embedding-store.js';
import { batchPixels, type ImageStore } from './images.js';

const CHUNK = 16;

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
  const s = await stat(path);
  const key = createHash('sha256').update(`${modelKey}\0${path}\0${s.size}\0${s.mtimeMs}`).digest('hex');
  return { modelDir: join(dir, modelKey), file: join(dir, modelKey, `${key}.f32`) };
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
    const engine = await OnnxEngine.load(ck, { cacheDir: opts.engineCacheDir, chunkSize: CHUNK });
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
