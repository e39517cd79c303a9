/**
 * Exact duplicates (same sha256) and near-duplicates (pHash within NEAR_DUPLICATE_BITS),
 * closed transitively into clusters that the split keeps together.
 *
 * Near pairs are found with a multi-index over the four 16-bit quarters of the hash: two hashes
 * within d bits agree to within floor(d/4) bits on at least one quarter, so each hash looks up
 * only the buckets of its quarters' close variants instead of every other hash. Only one copy
 * of each exact-duplicate set enters the index, so a folder of identical blank tiles stays cheap.
 */
import { hashHalves, NEAR_DUPLICATE_BITS, popcount32 } from './hashing.js';
import { UnionFind } from './union-find.js';

export interface HashedImage {
  sha256: string;
  phash: string | null;
}

export interface DuplicateFlags {
  /** Index of the image each one duplicates (-1 for none); always an earlier index. */
  duplicateOf: Int32Array;
  /** Per image: 'exact' when the same bytes occur earlier, 'near' when only alike. */
  kind: ('exact' | 'near' | null)[];
  /** Cluster representative (its smallest index) per image, -1 when it has no duplicate. */
  cluster: Int32Array;
  exact: number;
  near: number;
}

/** XOR masks of every 16-bit pattern with at most `radius` bits set (0 first). */
function flipMasks(radius: number): Int32Array {
  if (radius > 2) throw new RangeError('near-duplicate distances above 11 bits are not supported');
  const out = [0];
  if (radius >= 1) for (let i = 0; i < 16; i++) out.push(1 << i);
  if (radius >= 2) for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) out.push((1 << i) | (1 << j));
  return Int32Array.from(out);
}

/** Longest stretch of work between yields to the event loop. */
const SLICE_MS = 25;
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Flags duplicates among `images`, whose order (sorted by path) decides which copy is "first". */
export async function findDuplicates(images: HashedImage[], opts: { maxBits?: number; signal?: AbortSignal } = {}): Promise<DuplicateFlags> {
  const maxBits = opts.maxBits ?? NEAR_DUPLICATE_BITS;
  const n = images.length;
  const uf = new UnionFind(n);
  const firstBySha = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const first = firstBySha.get(images[i].sha256);
    if (first === undefined) firstBySha.set(images[i].sha256, i);
    else uf.union(first, i);
  }

  // buckets as linked lists in typed arrays: head[q << 16 | value] is the latest image with that
  // quarter value, next[q * n + i] the one before it (-1 ends the list)
  const masks = flipMasks(Math.floor(maxBits / 4));
  const head = new Int32Array(4 << 16).fill(-1);
  const next = new Int32Array(4 * n);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const indexed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ph = images[i].phash;
    if (!ph || firstBySha.get(images[i].sha256) !== i) continue;
    [hi[i], lo[i]] = hashHalves(ph);
    indexed[i] = 1;
  }
  /** Matches images from..to-1 against all earlier ones, then adds them to the index. */
  const indexRange = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (!indexed[i]) continue;
      const h = hi[i];
      const l = lo[i];
      for (let q = 0; q < 4; q++) {
        const value = q === 0 ? h >>> 16 : q === 1 ? h & 0xffff : q === 2 ? l >>> 16 : l & 0xffff;
        const base = q << 16;
        const chain = q * n;
        for (let m = 0; m < masks.length; m++) {
          for (let j = head[base | (value ^ masks[m])]; j >= 0; j = next[chain + j]) {
            if (popcount32(h ^ hi[j]) + popcount32(l ^ lo[j]) <= maxBits) uf.union(i, j);
          }
        }
      }
      for (let q = 0; q < 4; q++) {
        const value = q === 0 ? h >>> 16 : q === 1 ? h & 0xffff : q === 2 ? l >>> 16 : l & 0xffff;
        next[q * n + i] = head[(q << 16) | value];
        head[(q << 16) | value] = i;
      }
    }
  };
  for (let from = 0; from < n; ) {
    const sliceStart = performance.now();
    // grow the batch until it fills a time slice, so the event loop is never held for long
    while (from < n && performance.now() - sliceStart < SLICE_MS) {
      const to = Math.min(n, from + 64);
      indexRange(from, to);
      from = to;
    }
    if (from < n) {
      await tick();
      opts.signal?.throwIfAborted();
    }
  }

  const root = Int32Array.from({ length: n }, (_, i) => uf.find(i));
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) size[root[i]]++;
  const flags: DuplicateFlags = { duplicateOf: new Int32Array(n).fill(-1), kind: new Array(n).fill(null), cluster: new Int32Array(n).fill(-1), exact: 0, near: 0 };
  for (let i = 0; i < n; i++) {
    if (size[root[i]] < 2) continue;
    flags.cluster[i] = root[i];
    if (root[i] === i) continue;
    const sameBytes = firstBySha.get(images[i].sha256)!;
    if (sameBytes !== i) {
      flags.duplicateOf[i] = sameBytes;
      flags.kind[i] = 'exact';
      flags.exact++;
    } else {
      flags.duplicateOf[i] = root[i];
      flags.kind[i] = 'near';
      flags.near++;
    }
  }
  return flags;
}
