/**
 * k-fold assignment for cross-validation, stratified by class and grouped: images that must not
 * be separated (one slide or patient group, or exact and near duplicates of each other) form
 * indivisible units, as in the train/val/test split (split.ts), and every unit lands in exactly
 * one fold. Units are placed largest first, otherwise in seeded random order, into the fold that
 * brings every class's per-fold count closest to an equal share; with singleton units each class
 * is spread over the folds to within one image.
 */
import type { Db } from '../store/db.js';
import { seededRandom } from './split.js';
import { UnionFind } from './union-find.js';

export interface FoldItem {
  /** Stable identity (the image path): the seed shuffles these. */
  key: string;
  label: number;
  /** Slide or patient group, null for none. */
  group: string | null;
  /** Duplicate cluster (any number shared by its members), -1 for none. */
  cluster: number;
}

/** The fold (0..k-1) of every item, in item order. */
export function assignFolds(items: FoldItem[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError('cross-validation needs at least 2 folds');
  const n = items.length;
  const uf = new UnionFind(n);
  const first = new Map<string, number>();
  items.forEach((it, i) => {
    const keys = [...(it.group !== null ? [`g:${it.group}`] : []), ...(it.cluster >= 0 ? [`d:${it.cluster}`] : [])];
    for (const key of keys) {
      const f = first.get(key);
      if (f === undefined) first.set(key, i);
      else uf.union(f, i);
    }
  });
  const units = new Map<number, { members: number[]; counts: Map<number, number>; firstKey: string }>();
  const totals = new Map<number, number>();
  items.forEach((it, i) => {
    const root = uf.find(i);
    let u = units.get(root);
    if (!u) units.set(root, (u = { members: [], counts: new Map(), firstKey: it.key }));
    u.members.push(i);
    u.counts.set(it.label, (u.counts.get(it.label) ?? 0) + 1);
    if (it.key < u.firstKey) u.firstKey = it.key;
    totals.set(it.label, (totals.get(it.label) ?? 0) + 1);
  });

  // sorted first so the shuffle, and hence the folds, depend only on the seed and the keys
  const order = [...units.values()].sort((a, b) => (a.firstKey < b.firstKey ? -1 : a.firstKey > b.firstKey ? 1 : 0));
  const random = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  order.sort((a, b) => b.members.length - a.members.length);

  const folds = new Array<number>(n);
  const placed = Array.from({ length: k }, () => new Map<number, number>());
  const sizes = new Array<number>(k).fill(0);
  for (const u of order) {
    let best: number[] = [];
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      // change in Σ (count - target)² / classTotal from adding this unit to fold f
      let cost = 0;
      for (const [c, m] of u.counts) {
        const total = totals.get(c)!;
        const gap = (placed[f].get(c) ?? 0) - total / k;
        cost += (m * (2 * gap + m)) / total;
      }
      if (cost < bestCost - 1e-12) {
        bestCost = cost;
        best = [f];
      } else if (Math.abs(cost - bestCost) <= 1e-12) best.push(f);
    }
    // among equals, the smallest fold, so folds stay even in size where classes allow it
    const smallest = Math.min(...best.map((f) => sizes[f]));
    const ties = best.filter((f) => sizes[f] === smallest);
    const f = ties.length === 1 ? ties[0] : ties[Math.floor(random() * ties.length)];
    for (const i of u.members) folds[i] = f;
    for (const [c, m] of u.counts) placed[f].set(c, (placed[f].get(c) ?? 0) + m);
    sizes[f] += u.members.length;
  }
  return folds;
}

/** A labelled image of a dataset, with what keeps it together with others. */
export interface LabelledImage {
  id: number;
  path: string;
  labelIndex: number;
  group: string | null;
  /** The image its duplicate chain leads to (its own id when others are copies of it), or null. */
  duplicateGroup: number | null;
}

/**
 * Every labelled image of a dataset (whatever its split), with the label index of
 * datasetLabels() order, its group and its duplicate cluster (followed to the end of the
 * duplicate_of chain, so copies of copies share one cluster).
 */
export function datasetLabelledImages(db: Db, datasetId: number): LabelledImage[] {
  const index = new Map(
    (db.prepare('SELECT id FROM labels WHERE dataset_id = ? ORDER BY position, id').all(datasetId) as { id: number }[]).map((r, i) => [r.id, i]),
  );
  const rows = db
    .prepare('SELECT id, path, label_id AS labelId, group_key AS grp, duplicate_of AS dup FROM images WHERE dataset_id = ? ORDER BY path')
    .all(datasetId) as { id: number; path: string; labelId: number | null; grp: string | null; dup: number | null }[];
  const parent = new Map(rows.map((r) => [r.id, r.dup]));
  const pointedAt = new Set(rows.map((r) => r.dup).filter((d): d is number => d !== null));
  const rootOf = (id: number): number => {
    const seen = new Set<number>();
    let cur = id;
    for (let next = parent.get(cur); next !== null && next !== undefined && !seen.has(next); next = parent.get(cur)) {
      seen.add(cur);
      cur = next;
    }
    return cur;
  };
  return rows
    .filter((r) => r.labelId !== null && index.has(r.labelId))
    .map((r) => ({
      id: r.id,
      path: r.path,
      labelIndex: index.get(r.labelId!)!,
      group: r.grp,
      duplicateGroup: r.dup !== null || pointedAt.has(r.id) ? rootOf(r.id) : null,
    }));
}
