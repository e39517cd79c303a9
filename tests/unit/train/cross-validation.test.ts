/**
 * Cross-validation on real embeddings of real patches (LC25000 lung, tiny ViT oracle backbone):
 * folds stratified by class and grouped (a patient group and a duplicate cluster of flipped and
 * rotated copies never straddle two folds; every image is in exactly one test fold), and the
 * mean ± sd summaries are exactly the per-fold numbers' mean and sample sd.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignFolds, datasetLabelledImages, type FoldItem, type LabelledImage } from '../../../src/main/datasets/folds.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { datasetLabels, datasetSplitImages } from '../../../src/main/datasets/query.js';
import { runSplitImages } from '../../../src/main/train/run-splits.js';
import { embedFiles } from '../../../src/main/ml/infer/embed-files.js';
import { openDb, type Db } from '../../../src/main/store/db.js';
import { crossValidateHeads, parseGrid, type CvData } from '../../../src/main/train/cv/head-cv.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { groupedLung, type GroupedSet } from './cv-fixtures.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-cv-');
afterAll(() => home.cleanup());

/** Independent of the code under test: the textbook formulas. */
function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
function sampleSd(v: number[]): number {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, x) => a + (x - m) * (x - m), 0) / (v.length - 1));
}

describe('k-fold cross-validation of heads', { ...needs(lung, vitTiny), timeout: 300_000 }, () => {
  let set: GroupedSet;
  let db: Db;
  let images: LabelledImage[];
  let labels: string[];
  let data: CvData;
  let datasetId: number;

  beforeAll(async () => {
    set = await groupedLung(home.dir);
    db = openDb(join(home.dir, 'cv.db'));
    const s = await importDataset(db, { path: set.csv, name: 'grouped', csv: true, seed: 1 });
    expect(s.images).toBe(93);
    datasetId = s.id;
    images = datasetLabelledImages(db, s.id);
    labels = datasetLabels(db, s.id);
    const emb = await embedFiles(
      vitTiny!,
      images.map((i) => i.path),
      { storeRoot: join(home.dir, 'embeddings'), engineCacheDir: join(home.dir, 'onnx'), load: { seed: 0 } },
    );
    expect(emb.skipped).toEqual([]);
    const d = emb.backbone.dim;
    data = {
      x: new Float32Array(images.length * d),
      n: images.length,
      d,
      y: Int32Array.from(images, (i) => i.labelIndex),
      items: images.map((i) => ({ key: i.path, label: i.labelIndex, group: i.group, cluster: i.duplicateGroup ?? -1 })),
    };
    emb.embeddings.forEach((e, i) => data.x.set(e!, i * d));
  }, 300_000);
  afterAll(() => db?.close());

  it('reads every labelled image with its patient group and one duplicate cluster for an image and its flipped and rotated copies', () => {
    expect(images).toHaveLength(93);
    const byPath = new Map(images.map((i) => [i.path, i]));
    for (const [path, g] of set.groups) expect(byPath.get(path)!.group).toBe(g);
    const clusters = set.copies.map((p) => byPath.get(p)!.duplicateGroup);
    expect(clusters[0]).not.toBeNull();
    expect(new Set(clusters).size).toBe(1);
  });

  it('puts every image in exactly one fold, keeps patient groups and duplicate clusters whole, and spreads every class evenly', () => {
    for (const seed of [0, 1, 7]) {
      for (const k of [3, 5]) {
        const folds = assignFolds(data.items, k, seed);
        expect(folds).toHaveLength(data.n);
        expect(folds.every((f) => Number.isInteger(f) && f >= 0 && f < k)).toBe(true);
        // no group and no duplicate cluster in two folds
        const foldsOf = new Map<string, Set<number>>();
        data.items.forEach((it, i) => {
          for (const key of [it.group !== null ? `g:${it.group}` : null, it.cluster >= 0 ? `d:${it.cluster}` : null]) {
            if (key === null) continue;
            if (!foldsOf.has(key)) foldsOf.set(key, new Set());
            foldsOf.get(key)!.add(folds[i]);
          }
        });
        for (const [key, fs] of foldsOf) expect(fs.size, `${key} (seed ${seed}, k ${k})`).toBe(1);
        // stratified: each class's count per fold is within one unit (a patient group: at most
        // 3 images, the copies' merged unit 7) of its equal share
        for (let c = 0; c < labels.length; c++) {
          const total = data.items.filter((it) => it.label === c).length;
          for (let f = 0; f < k; f++) {
            const count = data.items.filter((it, i) => it.label === c && folds[i] === f).length;
            expect(Math.abs(count - total / k), `class ${labels[c]} fold ${f}`).toBeLessThanOrEqual(c === 0 ? 7 : 3);
          }
        }
        // the seed decides: the same seed gives the same folds
        expect(assignFolds(data.items, k, seed)).toEqual(folds);
      }
    }
    // without groups every class is spread to within one image
    const singles: FoldItem[] = data.items.map((it) => ({ ...it, group: null, cluster: -1 }));
    const folds = assignFolds(singles, 4, 3);
    for (let c = 0; c < labels.length; c++) {
      const counts = [0, 1, 2, 3].map((f) => singles.filter((it, i) => it.label === c && folds[i] === f).length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    // another seed gives other folds
    expect(assignFolds(singles, 4, 4)).not.toEqual(folds);
  });

  it('gives a run that is one fold of a cross-validation that fold as its test split, the next as validation, the rest as training', () => {
    const folds = assignFolds(data.items, 4, 9);
    const pathsOf = (f: (g: number) => boolean) => images.filter((_, i) => f(folds[i])).map((i) => i.path).sort();
    const split = (s: 'train' | 'val' | 'test') => runSplitImages(db, datasetId, { fold: { k: 4, index: 1, seed: 9 } }, s).map((i) => i.path).sort();
    expect(split('test')).toEqual(pathsOf((g) => g === 1));
    expect(split('val')).toEqual(pathsOf((g) => g === 2));
    expect(split('train')).toEqual(pathsOf((g) => g === 0 || g === 3));
    // without a fold: the dataset's own split
    expect(runSplitImages(db, datasetId, {}, 'val')).toEqual(datasetSplitImages(db, datasetId, 'val'));
  });

  it('fits every fold of every seed and grid point, each image held out once per seed, with mean ± sd exactly the per-fold numbers', async () => {
    const grid = parseGrid(['c=0.1,1'], ['c']);
    expect(grid).toEqual([{ c: 0.1 }, { c: 1 }]);
    const cv = await crossValidateHeads(data, { kind: 'logreg', labels, folds: 5, repeats: 2, seed: 3, monitor: 'val_accuracy', balance: false, grid });
    expect(cv.cancelled).toBe(false);
    expect(cv.results).toHaveLength(2 * 2 * 5);
    for (const r of [0, 1]) {
      const folds = assignFolds(data.items, 5, 3 + r);
      for (const f of cv.results.filter((x) => x.repeat === r)) {
        expect(f.seed).toBe(3 + r);
        expect(f.n.test).toBe(folds.filter((g) => g === f.fold).length);
        expect(f.n.val).toBe(folds.filter((g) => g === (f.fold + 1) % 5).length);
        expect(f.n.train + f.n.val + f.n.test).toBe(data.n);
        expect(f.metrics.head_c).toBe(f.params.c);
      }
      // the held-out folds of one seed and grid point cover every image once
      expect(cv.results.filter((x) => x.repeat === r && x.params.c === 1).reduce((a, x) => a + x.n.test, 0)).toBe(data.n);
    }
    // chance is 1/3; the tiny backbone's embeddings separate the classes well above it
    for (const p of cv.points) expect(p.metrics.test_accuracy.mean).toBeGreaterThan(0.5);
    for (const [g, p] of cv.points.entries()) {
      const mine = cv.results.filter((x) => x.params === grid[g]);
      expect(Object.keys(p.metrics)).toEqual(expect.arrayContaining(['val_accuracy', 'test_accuracy', 'test_balanced_accuracy', 'test_macro_f1', 'test_auc', 'test_log_loss', 'test_ece', 'test_recall/lung_n', 'test_auc/lung_scc']));
      for (const [name, s] of Object.entries(p.metrics)) {
        const values = mine.map((x) => x.metrics[name]).filter((v) => v !== undefined);
        expect(s.n, name).toBe(values.length);
        expect(s.mean, name).toBeCloseTo(mean(values), 12);
        expect(s.sd!, name).toBeCloseTo(sampleSd(values), 12);
      }
    }
    const better = cv.points[cv.best].metrics.val_accuracy.mean;
    for (const p of cv.points) expect(p.metrics.val_accuracy.mean).toBeLessThanOrEqual(better);
    // the pooled out-of-fold report: every image once, with ROC and calibration
    expect(cv.pooledTest!.n).toBe(data.n);
    expect(Object.keys(cv.pooledTest!.curves.roc).sort()).toEqual([...labels].sort());
    expect(cv.pooledTest!.curves.reliability.reduce((a, b) => a + b.count, 0)).toBe(data.n);
  });

  it('sweeps an MLP head over hidden units and epochs; the grid is the product of the values', async () => {
    const grid = parseGrid(['hidden=8,16', 'epochs=5'], ['hidden', 'lr', 'weightDecay', 'epochs']);
    expect(grid).toEqual([
      { hidden: 8, epochs: 5 },
      { hidden: 16, epochs: 5 },
    ]);
    const cv = await crossValidateHeads(data, { kind: 'mlp', labels, folds: 3, repeats: 1, seed: 0, monitor: 'val_loss', balance: true, grid });
    expect(cv.results).toHaveLength(6);
    for (const f of cv.results) expect(f.metrics.head_epochs).toBeLessThanOrEqual(5);
    expect(cv.points.map((p) => p.params)).toEqual(grid);
    expect(() => parseGrid(['c=0.1'], ['hidden'])).toThrow(/cannot sweep "c"/);
    expect(() => parseGrid(['hidden=8.5'], ['hidden'])).toThrow(/whole numbers/);
    await expect(crossValidateHeads(data, { kind: 'logreg', labels, folds: 1, repeats: 1, seed: 0, monitor: 'val_accuracy', balance: false, grid: [{}] })).rejects.toThrow(/at least 2 folds/);
  });

  it('with two folds chooses on a grouped part of the other fold and fits on the rest of it', async () => {
    const cv = await crossValidateHeads(data, { kind: 'logreg', labels, folds: 2, repeats: 1, seed: 0, monitor: 'val_accuracy', balance: false, grid: [{}] });
    const folds = assignFolds(data.items, 2, 0);
    expect(cv.results).toHaveLength(2);
    for (const f of cv.results) {
      expect(f.n.test).toBe(folds.filter((g) => g === f.fold).length);
      expect(f.n.val).toBeGreaterThan(0);
      expect(f.n.train).toBeGreaterThan(f.n.val);
      expect(f.n.train + f.n.val + f.n.test).toBe(data.n);
      expect(f.metrics.val_accuracy).toBeGreaterThanOrEqual(0);
    }
  });
});
