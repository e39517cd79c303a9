/**
 * Head mode's inputs: what the frozen backbone makes of each image (ViT's final [CLS] token,
 * ResNet's pooled last stage), computed once with the fast engine (onnxruntime) and kept on disk
 * per image, keyed by the checkpoint, the stain normalisation and the file's size and mtime.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import { batchPixels, type ImageStore } from './images.js';
import { entriesToEvict, evict, folderEntries, limitFromEnv } from '../cache-trim.js';

const CHUNK = 16;

async function imageKey(modelKey: string, path: string): Promise<string> {
  const s = await stat(path);
  return createHash('sha256').update(`${modelKey}\0${path}\0${s.size}\0${s.mtimeMs}`).digest('hex');
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
  const modelKey = createHash('sha256').update(`${ck.hash}\0${opts.stainKey}`).digest('hex').slice(0, 24);
  const dir = join(opts.cacheDir, 'features', modelKey);
  await mkdir(dir, { recursive: true });
  const out: (Float32Array | null)[] = new Array(paths.length).fill(null);
  const keys = await Promise.all(paths.map((p) => imageKey(modelKey, p)));
  const todo: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    const f = join(dir, `${keys[i]}.f32`);
    if (existsSync(f)) {
      const buf = await readFile(f);
      out[i] = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    } else todo.push(i);
  }
  let provider: string | null = null;
  if (todo.length) {
    const engine = await OnnxEngine.load(ck, { cacheDir: join(opts.cacheDir, 'onnx'), chunkSize: CHUNK });
    provider = engine.provider;
    try {
      for (let s = 0; s < todo.length; s += CHUNK) {
        opts.signal?.throwIfAborted();
        const idx = todo.slice(s, s + CHUNK);
        const pixels = await batchPixels(store, idx.map((i) => paths[i]), ck.preprocessor, null);
        const { features } = await engine.run(pixels, idx.length);
        for (let j = 0; j < idx.length; j++) {
          out[idx[j]] = features[j];
          const f = join(dir, `${keys[idx[j]]}.f32`);
          // written aside and renamed, so a killed run never leaves half a file that reads as features
          await writeFile(`${f}.${process.pid}.tmp`, Buffer.from(features[j].buffer, features[j].byteOffset, features[j].byteLength));
          await rename(`${f}.${process.pid}.tmp`, f);
        }
        opts.onProgress?.(Math.min(s + CHUNK, todo.length), todo.length);
      }
    } finally {
      await engine.dispose();
    }
  }
  // Marks this model's features as just used, then keeps the cache under its limit (others' go first).
  await writeFile(join(dir, '.used'), '');
  const root = join(opts.cacheDir, 'features');
  await evict(entriesToEvict(await folderEntries(root, (name) => /^[0-9a-f]{24}$/.test(name)), limitFromEnv('TESSELLA_FEATURE_CACHE_GB', 2), new Set([modelKey]))).catch(() => undefined);
  return { features: out as Float32Array[], computed: todo.length, provider };
}
