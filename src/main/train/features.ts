/**
 * What a frozen part of the network makes of each image, computed once with the fast engine
 * (onnxruntime) and kept on disk per image, keyed by the frozen weights, the stain normalisation
 * and the file's size and mtime:
 * - head mode's inputs: the backbone's pooled embedding (ViT's final [CLS] token, ResNet's pooled
 *   last stage), `features/`, read back whole;
 * - last-k mode's inputs without augmentation: the frozen prefix's hidden state (frozen-prefix.ts),
 *   `hidden/`, read per batch (ViT-B: 600 KB an image).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import type { PreprocessorConfig } from '../ml/models/processors.js';
import { OnnxEngine } from '../ml/onnx/session.js';
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

/** Features of every path, in order. `stainKey` names the normalisation the pixels went through ('' for none). */
export async function backboneFeatures(
  ck: Checkpoint,
  paths: string[],
  store: ImageStore,
  opts: { cacheDir: string; stainKey: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<FeatureResult> {
  let engine: OnnxEngine | null = null;
  let provider: string | null = null;
  try {
    const cached = await cachePerImage(
      { kind: 'features', modelKey: ck.hash, limit: ['TESSELLA_FEATURE_CACHE_GB', 2] },
      paths,
      store,
      ck.preprocessor,
      async (pixels, n) => {
        engine ??= await OnnxEngine.load(ck, { cacheDir: join(opts.cacheDir, 'onnx'), chunkSize: CHUNK });
        provider = engine.provider;
        return (await engine.run(pixels, n)).features;
      },
      opts,
    );
    return { features: await Promise.all(cached.files.map(readF32File)), computed: cached.computed, provider };
  } finally {
    await (engine as OnnxEngine | null)?.dispose();
  }
}
