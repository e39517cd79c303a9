/**
 * Size limits for the caches that grow with use: rendered tiles (per slide) and built ONNX graphs
 * (per checkpoint, about 350 MB each for ViT-B/16). Whole entries go, least recently used first,
 * until the total fits; an entry in use is never removed. Everything here is a cache: a removed
 * entry is rebuilt on the next request, so a trim can never lose data.
 */
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheEntry {
  key: string;
  paths: string[];
  bytes: number;
  /** ms since the epoch of the last use (the newest mtime among its marker files). */
  usedAt: number;
}

/** The entries to remove so the rest fit in `maxBytes`: least recently used first, never one in `keep`. */
export function entriesToEvict(entries: CacheEntry[], maxBytes: number, keep: ReadonlySet<string> = new Set()): CacheEntry[] {
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  const out: CacheEntry[] = [];
  for (const e of [...entries].sort((a, b) => a.usedAt - b.usedAt || (a.key < b.key ? -1 : 1))) {
    if (total <= maxBytes) break;
    if (keep.has(e.key)) continue;
    out.push(e);
    total -= e.bytes;
  }
  return out;
}

/** Bytes of the files under `path` (a file or a folder), 0 when it is gone. */
export async function sizeOf(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isDirectory()) return s.size;
    const names = await readdir(path);
    let n = 0;
    for (const name of names) n += await sizeOf(join(path, name));
    return n;
  } catch {
    return 0;
  }
}

/**
 * One entry per sub-folder of `root` whose name passes `accept`; its "last used" is the mtime of
 * `<folder>/<marker>` (the folder's own mtime when there is none).
 */
export async function folderEntries(root: string, accept: (name: string) => boolean, marker = '.used'): Promise<CacheEntry[]> {
  const names = (await readdir(root).catch(() => [] as string[])).filter(accept);
  const out: CacheEntry[] = [];
  for (const name of names) {
    const dir = join(root, name);
    const used = await stat(join(dir, marker)).catch(() => stat(dir).catch(() => null));
    if (!used) continue; // removed meanwhile
    out.push({ key: name, paths: [dir], bytes: await sizeOf(dir), usedAt: used.mtimeMs });
  }
  return out;
}

/** Removes the evicted entries; a file already gone (another process trimmed too) is no error. */
export async function evict(entries: CacheEntry[]): Promise<void> {
  for (const e of entries) for (const p of e.paths) await rm(p, { recursive: true, force: true });
}

/** Marks a file as just used (its mtime), creating nothing; a missing file is ignored. */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

/** A limit in bytes from an environment variable given in GiB, else the default. */
export function limitFromEnv(name: string, defaultGiB: number): number {
  const v = Number(process.env[name]);
  return (Number.isFinite(v) && v > 0 ? v : defaultGiB) * 1024 ** 3;
}
