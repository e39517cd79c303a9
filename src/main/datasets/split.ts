/**
 * Train/val/test assignment. Images that must not be separated — the same slide or patient
 * (group), or exact and near duplicates — form indivisible units. Units whose split is already
 * known (stated by the source, or assigned by an earlier import) keep it; the rest are placed,
 * largest first and otherwise in seeded random order, into the split that brings every class's
 * per-split count closest to its target share. With singleton units that reproduces the target
 * proportions per class exactly (to rounding); with groups it is as close as the groups allow.
 */
import { SPLITS, type Split } from './scan-types.js';
import { UnionFind } from './union-find.js';

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_RATIOS: SplitRatios = { train: 0.7, val: 0.15, test: 0.15 };

export interface SplitItem {
  /** Stable identity (path relative to the dataset root): the seed shuffles these. */
  key: string;
  label: string;
  group: string | null;
  /** Duplicate cluster (any number shared by its members), -1 for none. */
  cluster: number;
  /** Known split, or null to assign. */
  split: Split | null;
  /** The known split was stated by the source rather than assigned earlier. */
  given: boolean;
}

export interface SplitOutcome {
  splits: Split[];
  /** Items whose known split had to change to keep their unit together. */
  moved: number[];
}

/** mulberry32: small, fast, and identical on every platform, which is what a seed promises. */
export function seededRandom(seed: number): () => number {
  let a = (seed | 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normaliseRatios(r: SplitRatios): SplitRatios {
  const sum = r.train + r.val + r.test;
  if (!(sum > 0) || [r.train, r.val, r.test].some((x) => !(x >= 0))) throw new RangeError('split ratios must be non-negative and not all zero');
  return { train: r.train / sum, val: r.val / sum, test: r.test / sum };
}

/**
 * Where a unit's members disagree, leakage is the worse error: a stated split beats an assigned
 * one, and between equals the copy goes to train so that no evaluation set shares an image with it.
 */
function resolveConflict(members: number[], items: SplitItem[]): Split | null {
  const given = new Set(members.filter((i) => items[i].given && items[i].split).map((i) => items[i].split!));
  const known = given.size ? given : new Set(members.filter((i) => items[i].split).map((i) => items[i].split!));
  return SPLITS.find((s) => known.has(s)) ?? null;
}

interface Unit {
  members: number[];
  /** Images per class index in this unit. */
  counts: Map<number, number>;
  firstKey: string;
}

export function assignSplits(items: SplitItem[], ratios: SplitRatios, seed: number): SplitOutcome {
  const r = normaliseRatios(ratios);
  const share = SPLITS.map((s) => r[s]);
  const n = items.length;
  const labelIndex = new Map<string, number>();
  const label = Int32Array.from(items, (it) => {
    let k = labelIndex.get(it.label);
    if (k === undefined) labelIndex.set(it.label, (k = labelIndex.size));
    return k;
  });
  const classes = labelIndex.size;
  const totals = new Float64Array(classes);
  for (let i = 0; i < n; i++) totals[label[i]]++;

  const uf = new UnionFind(n);
  const byGroup = new Map<string, number>();
  const byCluster = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const { group, cluster } = items[i];
    if (group !== null) {
      const first = byGroup.get(group);
      if (first === undefined) byGroup.set(group, i);
      else uf.union(first, i);
    }
    if (cluster >= 0) {
      const first = byCluster.get(cluster);
      if (first === undefined) byCluster.set(cluster, i);
      else uf.union(first, i);
    }
  }
  const unitsByRoot = new Map<number, Unit>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    let u = unitsByRoot.get(root);
    if (!u) unitsByRoot.set(root, (u = { members: [], counts: new Map(), firstKey: items[i].key }));
    u.members.push(i);
    u.counts.set(label[i], (u.counts.get(label[i]) ?? 0) + 1);
    if (items[i].key < u.firstKey) u.firstKey = items[i].key;
  }

  const splits: Split[] = new Array(n);
  const moved: number[] = [];
  // placed[s * classes + c]: images of class c already in split s
  const placed = new Float64Array(SPLITS.length * classes);
  const place = (u: Unit, s: number) => {
    for (const i of u.members) splits[i] = SPLITS[s];
    for (const [c, k] of u.counts) placed[s * classes + c] += k;
  };

  const free: Unit[] = [];
  for (const u of unitsByRoot.values()) {
    const known = resolveConflict(u.members, items);
    if (known === null) {
      free.push(u);
      continue;
    }
    for (const i of u.members) if (items[i].split !== null && items[i].split !== known) moved.push(i);
    place(u, SPLITS.indexOf(known));
  }

  // sort first so the shuffle, and hence the result, depends only on the seed and the keys
  free.sort((a, b) => (a.firstKey < b.firstKey ? -1 : a.firstKey > b.firstKey ? 1 : 0));
  const random = seededRandom(seed);
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  // big units first, while every split still has room for them (Array.sort is stable)
  free.sort((a, b) => b.members.length - a.members.length);

  const best: number[] = [];
  for (const u of free) {
    best.length = 0;
    let bestCost = Infinity;
    for (let s = 0; s < SPLITS.length; s++) {
      // change in Σ (count - target)² / classTotal from adding this unit to split s
      let cost = 0;
      for (const [c, k] of u.counts) {
        const gap = placed[s * classes + c] - share[s] * totals[c];
        cost += (k * (2 * gap + k)) / totals[c];
      }
      if (cost < bestCost - 1e-12) {
        bestCost = cost;
        best.length = 0;
        best.push(s);
      } else if (Math.abs(cost - bestCost) <= 1e-12) best.push(s);
    }
    place(u, best.length === 1 ? best[0] : best[Math.floor(random() * best.length)]);
  }
  return { splits, moved };
}
