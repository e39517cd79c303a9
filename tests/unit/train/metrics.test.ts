/**
 * The evaluation metrics against values worked out by hand (and, for the curve examples,
 * the numbers scikit-learn's documentation gives for the same inputs).
 */
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  balancedAccuracy,
  bootstrapInterval,
  calibration,
  confusionMatrix,
  epochMetrics,
  logLoss,
  macroF1,
  perClassMetrics,
  precisionRecall,
  reportFromProbabilities,
  rocAuc,
  rocCurve,
  softmax,
} from '../../../src/main/train/metrics.js';
import { percentile } from '../../../src/main/ml/percentile.js';

// 10 images, 3 classes
const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

describe('confusion-matrix metrics', () => {
  const cm = confusionMatrix(yTrue, yPred, 3);

  it('counts true (rows) against predicted (columns)', () => {
    expect(cm).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('gives accuracy, per-class precision/recall/F1, balanced accuracy and macro F1 as computed by hand', () => {
    expect(accuracy(cm)).toBeCloseTo(0.6, 12);
    const per = perClassMetrics(cm);
    expect(per.map((m) => m.precision)).toEqual([2 / 3, 0.5, 2 / 3].map((v) => expect.closeTo(v, 12)));
    expect(per.map((m) => m.recall)).toEqual([0.5, 2 / 3, 2 / 3].map((v) => expect.closeTo(v, 12)));
    expect(per.map((m) => m.f1)).toEqual([4 / 7, 4 / 7, 2 / 3].map((v) => expect.closeTo(v, 12)));
    expect(per.map((m) => m.support)).toEqual([4, 3, 3]);
    expect(balancedAccuracy(cm)).toBeCloseTo(11 / 18, 12);
    expect(macroF1(cm)).toBeCloseTo(38 / 63, 12);
  });

  it('follows sklearn where denominators are zero: a never-predicted class has precision 0, an absent one is left out of the averages', () => {
    const m = confusionMatrix([0, 0, 1], [0, 0, 0], 3); // class 1 never predicted, class 2 absent everywhere
    const per = perClassMetrics(m);
    expect(per[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(balancedAccuracy(m)).toBeCloseTo(0.5, 12); // mean recall of classes 0 and 1
    expect(macroF1(m)).toBeCloseTo((0.8 + 0) / 2, 12); // class 0: P 2/3, R 1 -> F1 0.8
  });
});

describe('ranking metrics', () => {
  const scores = [0.1, 0.4, 0.35, 0.8];
  const pos = [false, false, true, true];

  it('ROC AUC is the Mann-Whitney statistic, ties counting half', () => {
    expect(rocAuc(scores, pos)).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], pos)).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.2, 0.2, 0.9], [false, true, true])).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(rocAuc(scores, [true, true, true, true])).toBeNull();
  });

  it('ROC curve and average precision match sklearn on its documentation example', () => {
    expect(rocCurve(scores, pos)).toEqual({ fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1] });
    const pr = precisionRecall(scores, pos)!;
    expect(pr.averagePrecision).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(pr.recall).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(pr.precision.map((p) => +p.toFixed(6))).toEqual([1, 1, 0.5, +(2 / 3).toFixed(6), 0.5]);
  });

  it('thins long curves to at most the asked number of points, keeping both ends', () => {
    const n = 1000;
    const s = Array.from({ length: n }, (_, i) => i / n);
    const p = s.map((_, i) => i % 3 === 0);
    const c = rocCurve(s, p, 50)!;
    expect(c.fpr).toHaveLength(50);
    expect([c.fpr[0], c.tpr[0], c.fpr[49], c.tpr[49]]).toEqual([0, 0, 1, 1]);
  });
});

describe('probability metrics', () => {
  it('log loss of the true class, clipped', () => {
    expect(logLoss([[0.5, 0.5], [0.2, 0.8]], [0, 1])).toBeCloseTo(-(Math.log(0.5) + Math.log(0.8)) / 2, 12);
    expect(Number.isFinite(logLoss([[1, 0]], [1]))).toBe(true);
  });

  it('expected calibration error over 15 bins, by hand', () => {
    const probs = [
      [0.9, 0.1], // correct, bin 13
      [0.9, 0.1], // wrong, bin 13
      [0.4, 0.6], // correct, bin 8
      [0.45, 0.55], // correct, bin 8
    ];
    const { ece, bins } = calibration(probs, [0, 1, 1, 1]);
    expect(bins[13]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(bins[13].confidence).toBeCloseTo(0.9, 12);
    expect(bins[8]).toMatchObject({ count: 2, accuracy: 1 });
    expect(bins[8].confidence).toBeCloseTo(0.575, 12);
    expect(ece).toBeCloseTo(0.5 * 0.4 + 0.5 * 0.425, 12);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(4);
  });

  it('softmax is stable for large logits', () => {
    const p = softmax([1000, 1001]);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});

describe('bootstrap intervals', () => {
  it('numpy-style percentiles', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 2.5)).toBeCloseTo(1.1, 12);
  });

  it('are seeded, contain the point estimate, and degenerate for constant data', () => {
    const stat = (idx: number[]) => idx.reduce((a, i) => a + (yTrue[i] === yPred[i] ? 1 : 0), 0) / idx.length;
    const a = bootstrapInterval(10, stat, 500, 7)!;
    expect(bootstrapInterval(10, stat, 500, 7)).toEqual(a);
    expect(a[0]).toBeLessThanOrEqual(0.6);
    expect(a[1]).toBeGreaterThanOrEqual(0.6);
    expect(a[1] - a[0]).toBeGreaterThan(0.2); // 10 images: a wide interval
    expect(bootstrapInterval(10, () => 1, 100, 0)).toEqual([1, 1]);
    expect(bootstrapInterval(10, () => null, 100, 0)).toBeNull();
  });
});

describe('the full report', () => {
  it('puts every number together, consistent with the pieces', () => {
    // probabilities whose argmax is yPred
    const probs = yPred.map((p, i) => [0, 1, 2].map((c) => (c === p ? 0.6 + 0.01 * i : (0.4 - 0.01 * i) / 2)));
    const r = reportFromProbabilities(probs, yTrue, ['a', 'b', 'c'], { resamples: 200, seed: 1 });
    expect(r.n).toBe(10);
    expect(r.confusion).toEqual({ labels: ['a', 'b', 'c'], matrix: confusionMatrix(yTrue, yPred, 3) });
    expect(r.accuracy).toBeCloseTo(0.6, 12);
    expect(r.macroF1).toBeCloseTo(38 / 63, 12);
    expect(r.perClass.a.support).toBe(4);
    expect(r.perClass.a.auc).toBeCloseTo(rocAuc(probs.map((p) => p[0]), yTrue.map((y) => y === 0))!, 12);
    expect(r.auc).toBeCloseTo((r.perClass.a.auc! + r.perClass.b.auc! + r.perClass.c.auc!) / 3, 12);
    expect(Object.keys(r.curves.roc)).toEqual(['a', 'b', 'c']);
    expect(r.ci.resamples).toBe(200);
    for (const k of ['accuracy', 'balancedAccuracy', 'macroF1', 'auc'] as const) {
      const [lo, hi] = r.ci[k]!;
      expect(lo).toBeLessThanOrEqual(hi);
    }
    const quick = epochMetrics(probs, yTrue, 3);
    expect(quick.accuracy).toBe(r.accuracy);
    expect(quick.macro_f1).toBe(r.macroF1);
    expect(quick.balanced_accuracy).toBe(r.balancedAccuracy);
    expect(quick.auc).toBe(r.auc);
    expect(quick.loss).toBe(r.logLoss);
  });
});
