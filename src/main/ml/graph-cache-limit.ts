/**
 * The ONNX graph cache (`<home>/models/onnx`) holds a full copy of every checkpoint's weights as a
 * graph, and a training session makes new checkpoints all the time: it is kept under a size limit
 * (TESSELLA_GRAPH_CACHE_GB, default 8), least recently used checkpoints out first.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CacheEntry, entriesToEvict, evict, limitFromEnv } from '../cache-trim.js';

const HASH_FILE = /^([0-9a-f]{64})(?:-cut\d+)?(?:-explain)?(?:-int8)?(?:\.opt-[0-9a-f]{16})?\.(?:onnx|onnx\.data|json)$/;

export function graphCacheLimit(): number {
  return limitFromEnv('TESSELLA_GRAPH_CACHE_GB', 8);
}

/** One entry per checkpoint hash: its graphs (fp32, int8, explain; each with any external-data file and onnxruntime's optimised copy) and its description. */
export async function graphCacheEntries(cacheDir: string): Promise<CacheEntry[]> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const byHash = new Map<string, CacheEntry>();
  for (const name of names) {
    const m = HASH_FILE.exec(name);
    if (!m) continue;
    const s = await stat(join(cacheDir, name)).catch(() => null);
    if (!s) continue;
    const e = byHash.get(m[1]!) ?? { key: m[1]!, paths: [], bytes: 0, usedAt: 0 };
    e.paths.push(join(cacheDir, name));
    e.bytes += s.size;
    e.usedAt = Math.max(e.usedAt, s.mtimeMs);
    byHash.set(m[1]!, e);
  }
  return [...byHash.values()];
}

/** Removes least recently used graphs until the cache fits; `keep` (the graph in use) stays. */
export async function trimGraphCache(cacheDir: string, keep: string, maxBytes = graphCacheLimit()): Promise<string[]> {
  const out = entriesToEvict(await graphCacheEntries(cacheDir), maxBytes, new Set([keep]));
  await evict(out);
  return out.map((e) => e.key);
}
