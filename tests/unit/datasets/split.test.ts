import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assignSplits, DEFAULT_RATIOS, type SplitItem } from '../../../src/main/datasets/split.js';
import { SPLITS } from '../../../src/main/datasets/scan-types.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');

function lungItems(root: string): SplitItem[] {
  return ['lung_aca', 'lung_n', 'lung_scc'].flatMap((label) =>
    readdirSync(join(root, label)).map((f) => ({ key: `${label}/${f}`, label, group: null, cluster: -1, split: null, given: false })),
  );
}

function perClass(items: SplitItem[], splits: string[]) {
  const out: Record<string, Record<string, number>> = {};
  items.forEach((it, i) => {
    out[it.label] ??= { train: 0, val: 0, test: 0 };
    out[it.label][splits[i]]++;
  });
  return out;
}

/** Synthetic imbalanced classes: a pure function needs no pixels, only the counts. */
function imbalanced(): SplitItem[] {
  const sizes: Record<string, number> = { tumour: 200, stroma: 61, necrosis: 17 };
  return Object.entries(sizes).flatMap(([label, n]) => Array.from({ length: n }, (_, i) => ({ key: `${label}/${i}.png`, label, group: null, cluster: -1, split: null, given: false })));
}

describe('split on the LC25000 file list', needs(lung), () => {
  it('is stratified: each class splits 21/4-5/4-5 of its 30', () => {
    const items = lungItems(lung!);
    const { splits } = assignSplits(items, DEFAULT_RATIOS, 1);
    for (const c of Object.values(perClass(items, splits))) {
      expect(c.train).toBe(21);
      expect([4, 5]).toContain(c.val);
      expect(c.val + c.test).toBe(9);
    }
  });

  it('is repeatable for a seed whatever the input order, and another seed gives another split', () => {
    const items = lungItems(lung!);
    const a = assignSplits(items, DEFAULT_RATIOS, 7).splits;
    const reversed = [...items].reverse();
    const b = assignSplits(reversed, DEFAULT_RATIOS, 7).splits;
    const byKey = new Map(reversed.map((it, i) => [it.key, b[i]]));
    expect(items.map((it) => byKey.get(it.key))).toEqual(a);
    const c = assignSplits(items, DEFAULT_RATIOS, 8).splits;
    expect(c).not.toEqual(a);
    expect(c.filter((s, i) => s !== a[i]).length).toBeGreaterThan(10);
  });
});

describe('split rules', () => {
  it('keeps per-class proportions within one image on imbalanced classes', () => {
    const items = imbalanced();
    const ratios = { train: 0.6, val: 0.2, test: 0.2 };
    const { splits } = assignSplits(items, ratios, 3);
    const counts = perClass(items, splits);
    for (const [label, c] of Object.entries(counts)) {
      const n = items.filter((it) => it.label === label).length;
      for (const s of SPLITS) expect(Math.abs(c[s] - ratios[s] * n), `${label} ${s}`).toBeLessThanOrEqual(1);
    }
  });

  it('never lets a group straddle splits, and stays near the target shares', () => {
    const items = imbalanced().map((it, i) => ({ ...it, group: `patient-${i % 23}` }));
    const { splits } = assignSplits(items, DEFAULT_RATIOS, 11);
    const groupSplit = new Map<string, string>();
    items.forEach((it, i) => {
      const seen = groupSplit.get(it.group!);
      if (seen) expect(splits[i], it.group!).toBe(seen);
      groupSplit.set(it.group!, splits[i]);
    });
    const train = splits.filter((s) => s === 'train').length / items.length;
    expect(train).toBeGreaterThan(0.6);
    expect(train).toBeLessThan(0.8);
    expect(new Set(groupSplit.values()).size).toBe(3);
  });

  it('keeps duplicate clusters whole, chained through groups', () => {
    const items = imbalanced();
    // 0~5 duplicates, 5 shares a slide with 9: all three must land together
    items[0].cluster = 1;
    items[5].cluster = 1;
    items[5].group = 'slide-a';
    items[9].group = 'slide-a';
    for (let seed = 0; seed < 20; seed++) {
      const { splits } = assignSplits(items, DEFAULT_RATIOS, seed);
      expect(splits[5]).toBe(splits[0]);
      expect(splits[9]).toBe(splits[0]);
    }
  });

  it('keeps stated splits; a cluster spanning stated splits goes to train and is reported', () => {
    const items = imbalanced();
    items[1] = { ...items[1], split: 'test', given: true };
    items[2] = { ...items[2], split: 'val', given: true, cluster: 4 };
    items[3] = { ...items[3], split: 'test', given: true, cluster: 4 };
    items[4] = { ...items[4], cluster: 4 };
    const { splits, moved } = assignSplits(items, DEFAULT_RATIOS, 0);
    expect(splits[1]).toBe('test');
    expect([splits[2], splits[3], splits[4]]).toEqual(['val', 'val', 'val']);
    expect(moved).toEqual([3]);
  });

  it('a stated split outranks one assigned by an earlier import', () => {
    const items = imbalanced();
    items[1] = { ...items[1], split: 'train', given: false, cluster: 2 };
    items[2] = { ...items[2], split: 'test', given: true, cluster: 2 };
    const { splits, moved } = assignSplits(items, DEFAULT_RATIOS, 0);
    expect([splits[1], splits[2]]).toEqual(['test', 'test']);
    expect(moved).toEqual([1]);
  });

  it('honours a zero share', () => {
    const { splits } = assignSplits(imbalanced(), { train: 0.8, val: 0, test: 0.2 }, 5);
    expect(splits).not.toContain('val');
    expect(() => assignSplits(imbalanced(), { train: 0, val: 0, test: 0 }, 5)).toThrow(/not all zero/);
  });
});
