/**
 * Backbone embeddings kept on disk so an image (or slide tile) is embedded once per backbone:
 * `<root>/img-<embedder>/<hh>/<content sha256>.f32` for image files, keyed by their bytes (so a
 * copy, a rename or a second dataset holding the same patch is a hit; embed-files.ts and the
 * trainer's head mode, train/features.ts, both read and write it), and
 * `<root>/tiles-<key>/` for a slide's tiles (tile-embeddings.ts). `<embedder>` names what turns
 * pixels into the embedding: the backbone's checkpoint hash and the stain normalisation applied
 * first. One size limit (TESSELLA_FEATURE_CACHE_GB, default 2) over both kinds, least recently
 * used embedder first; every entry is a cache and is recomputed when gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StainParams } from '../preprocess/stain.js';
import type { Precision } from '../emit/quantize.js';
import { entriesToEvict, evict, folderEntries, limitFromEnv } from '../../cache-trim.js';

const ENTRY = /^(img|tiles)-[0-9a-f]{32}$/;

export function embeddingCacheRoot(home: string): string {
  return join(home, 'cache', 'embeddings');
}

/** The embedder's key: backbone checkpoint hash + the stain normalisation its input goes through. */
export function embedderKey(backboneHash: string, stain: StainParams | null, precision: Precision = 'fp32'): string {
  // int8 embeddings differ from fp32 ones (cosine ~0.999): they get a key of their own; fp32 keeps the key it always had.
  const p = precision === 'fp32' ? '' : `\0${precision}`;
  return createHash('sha256').update(`${backboneHash}\0${stain ? JSON.stringify(stain) : ''}${p}`).digest('hex').slice(0, 32);
}

/** sha256 of a file's bytes. */
export function fileContentHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

export function asFloat32(buf: Buffer): Float32Array {
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Written aside and renamed, so a killed process never leaves half a file that reads as data. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function f32Bytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** One embedder's image embeddings. */
export class ImageEmbeddings {
  readonly dir: string;

  constructor(
    readonly root: string,
    readonly key: string,
  ) {
    this.dir = join(root, `img-${key}`);
  }

  private file(contentHash: string): string {
    return join(this.dir, contentHash.slice(0, 2), `${contentHash}.f32`);
  }

  async get(contentHash: string): Promise<Float32Array | null> {
    try {
      return asFloat32(await readFile(this.file(contentHash)));
    } catch {
      return null;
    }
  }

  async put(contentHash: string, embedding: Float32Array): Promise<void> {
    const f = this.file(contentHash);
    await mkdir(join(this.dir, contentHash.slice(0, 2)), { recursive: true });
    await writeAtomic(f, f32Bytes(embedding));
  }

  /** Marks this embedder as just used and keeps the cache under its limit (others go first). */
  async used(): Promise<void> {
    await markUsedAndTrim(this.root, `img-${this.key}`);
  }
}

export async function markUsedAndTrim(root: string, entry: string): Promise<void> {
  await mkdir(join(root, entry), { recursive: true });
  await writeFile(join(root, entry, '.used'), '');
  const entries = await folderEntries(root, (name) => ENTRY.test(name));
  await evict(entriesToEvict(entries, limitFromEnv('TESSELLA_FEATURE_CACHE_GB', 2), new Set([entry]))).catch(() => undefined);
}
