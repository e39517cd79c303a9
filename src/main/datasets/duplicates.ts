/**
 * Exact duplicates (same sha256) and near-duplicates (pHash within NEAR_DUPLICATE_BITS),
 * closed transitively into clusters that the split keeps together.
 *
 * Near pairs are found with a multi-index over the four 16-bit quarters of the hash: two hashes
 * within d bits agree to within floor(d/4) bits on at least one quarter, so each hash looks up
 * only the buckets of its quarters' close variants instead of every other hash. Only one copy
 * of each exact-duplicate set enters the index, so a folder of identical blank tiles stays cheap.
 *
 * Flipped and rotated copies: the index holds every earlier image under all 8 of its orientations
 * (dihedralHash), and each image looks itself up with its upright hash; a copy turned by T hashes
 * like the original's T-orientation. Since the 8 hashes come from one image's coefficients, the
 * two directions can differ by a bit or two, so each image's orientations are also looked up
 * against the earlier images' upright hashes: the pair is judged the same whichever comes first.
 * A stored hash without orientations (older import) is indexed upright only.
 */
import { DIHEDRAL_TRANSFORMS, hashHalves, isDihedralHash, NEAR_DUPLICATE_BITS, popcount32 } from './hashing.js';
import { UnionFind } from './union-find.js';

export interface HashedImage {
  sha256: string;
  /** A plain pHash or a dihedral hash (the 8 orientations' pHashes, upright first). */
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

  // buckets as linked lists in typed arrays over entries e = image * 8 + orientation:
  // head[q << 16 | value] is the latest entry with that quarter value, next[q * m + e] the one
  // before it (-1 ends the list). `all` holds every orientation, `upright` orientation 0 only.
  const masks = flipMasks(Math.floor(maxBits / 4));
  const T = DIHEDRAL_TRANSFORMS;
  const m = n * T;
  const all = { head: new Int32Array(4 << 16).fill(-1), next: new Int32Array(4 * m) };
  const upright = { head: new Int32Array(4 << 16).fill(-1), next: new Int32Array(4 * m) };
  const hi = new Uint32Array(m);
  const lo = new Uint32Array(m);
  /** Orientations hashed per image: 0 (no hash, or a copy of earlier bytes), 1 or 8. */
  const orientations = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ph = images[i].phash;
    if (!ph || firstBySha.get(images[i].sha256) !== i) continue;
    const k = isDihedralHash(ph) ? T : 1;
    for (let t = 0; t < k; t++) [hi[i * T + t], lo[i * T + t]] = hashHalves(ph.slice(16 * t, 16 * t + 16));
    orientations[i] = k;
  }
  const quarter = (h: number, l: number, q: number) => (q === 0 ? h >>> 16 : q === 1 ? h & 0xffff : q === 2 ? l >>> 16 : l & 0xffff);
  /** Joins image i with every indexed image whose entry lies within maxBits of entry `from`. */
  const match = (i: number, from: number, index: typeof all) => {
    const h = hi[from];
    const l = lo[from];
    for (let q = 0; q < 4; q++) {
      const value = quarter(h, l, q);
      const base = q << 16;
      const chain = q * m;
      for (let k = 0; k < masks.length; k++) {
        for (let e = index.head[base | (value ^ masks[k])]; e >= 0; e = index.next[chain + e]) {
          if (popcount32(h ^ hi[e]) + popcount32(l ^ lo[e]) <= maxBits) uf.union(i, (e / T) | 0);
        }
      }
    }
  };
  const add = (e: number, index: typeof all) => {
    for (let q = 0; q < 4; q++) {
      const value = quarter(hi[e], lo[e], q);
      index.next[q * m + e] = index.head[(q << 16) | value];
      index.head[(q << 16) | value] = e;
    }
  };
  /**
   * Matches images from..to-1 against all earlier ones, then adds them to the index. Both
   * directions are tried (this image upright against the other's orientations, and this one's
   * orientations against the other upright), so the outcome does not depend on which came first.
   */
  const indexRange = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (!orientations[i]) continue;
      match(i, i * T, all);
      for (let t = 1; t < orientations[i]; t++) match(i, i * T + t, upright);
      add(i * T, upright);
      for (let t = 0; t < orientations[i]; t++) add(i * T + t, all);
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

export interface LabelConflicts {
  /** Duplicate clusters whose images carry more than one label. */
  groups: number;
  /** Each image labelled differently from its cluster's first image, with that image. */
  images: { image: number; first: number }[];
}

/** Copies of one picture filed under different classes: a labelling error either way. */
export function labelConflicts(cluster: Int32Array, labels: (string | null)[]): LabelConflicts {
  const out: LabelConflicts = { groups: 0, images: [] };
  const conflicted = new Set<number>();
  // the representative is the cluster's smallest index, so it is met before its members
  for (let i = 0; i < cluster.length; i++) {
    const root = cluster[i];
    if (root < 0 || root === i || labels[i] === labels[root]) continue;
    out.images.push({ image: i, first: root });
    conflicted.add(root);
  }
  out.groups = conflicted.size;
  return out;
}
