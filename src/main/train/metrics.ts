/**
 * Classification metrics as scikit-learn defines them, as pure functions of labels and predicted
 * probabilities: confusion matrix, accuracy, balanced accuracy, per-class precision / recall / F1,
 * macro F1, one-vs-rest ROC AUC, ROC and precision-recall curves, average precision, log loss,
 * expected calibration error with a reliability diagram, and bootstrap confidence intervals.
 *
 * Conventions (sklearn's): a ratio with a zero denominator is 0; macro F1 averages the classes
 * that occur in the labels or the predictions; balanced accuracy averages the recall of the
 * classes that occur in the labels; macro AUC averages the classes with both positives and
 * negatives.
 */
import { streamRng, randInt } from './rng.js';
import { percentile } from '../ml/percentile.js';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** matrix[true][predicted] */
export function confusionMatrix(yTrue: number[], yPred: number[], numClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`confusionMatrix: ${yTrue.length} labels but ${yPred.length} predictions`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

export function perClassMetrics(cm: number[][]): ClassMetrics[] {
  return cm.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((a, r) => a + r[c], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

export function accuracy(cm: number[][]): number {
  const total = cm.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0);
  return ratio(cm.reduce((a, r, c) => a + r[c], 0), total);
}

export function balancedAccuracy(cm: number[][]): number {
  const recalls = perClassMetrics(cm).filter((m) => m.support > 0).map((m) => m.recall);
  return ratio(recalls.reduce((a, b) => a + b, 0), recalls.length);
}

export function macroF1(cm: number[][]): number {
  const per = perClassMetrics(cm);
  const used = per.filter((m, c) => m.support > 0 || cm.some((r) => r[c] > 0));
  return ratio(used.reduce((a, m) => a + m.f1, 0), used.length);
}

/**
 * Area under the ROC curve as the Mann-Whitney statistic: the chance that a random positive
 * scores above a random negative, ties counting half. Null without positives or negatives.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const midRank = (i + j) / 2 + 1; // ranks are 1-based; ties share the mean rank
    for (let k = i; k <= j; k++) {
      if (positive[idx[k]]) {
        nPos++;
        rankSumPos += midRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Counts of true and false positives at each distinct threshold, highest score first. */
function thresholdCounts(scores: ArrayLike<number>, positive: ArrayLike<boolean>): { tps: number[]; fps: number[] } {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  idx.forEach((i, k) => {
    if (positive[i]) tp++;
    else fp++;
    if (k === idx.length - 1 || scores[idx[k + 1]] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
    }
  });
  return { tps, fps };
}

/** Keeps at most `max` points of a curve, always the first and the last, evenly spaced between. */
function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
  return out;
}

/** ROC curve from (0, 0) through every distinct threshold to (1, 1); null without positives or negatives. */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>, maxPoints = 201): { fpr: number[]; tpr: number[] } | null {
  const { tps, fps } = thresholdCounts(scores, positive);
  const p = tps[tps.length - 1] ?? 0;
  const n = fps[fps.length - 1] ?? 0;
  if (p === 0 || n === 0) return null;
  const points = [{ fpr: 0, tpr: 0 }, ...tps.map((tp, i) => ({ fpr: fps[i] / n, tpr: tp / p }))];
  const kept = thin(points, maxPoints);
  return { fpr: kept.map((q) => q.fpr), tpr: kept.map((q) => q.tpr) };
}

/**
 * Precision-recall curve (recall rising, starting at recall 0 with precision 1 as sklearn does)
 * and average precision, sum over thresholds of (R_k - R_{k-1}) P_k. Null without positives.
 */
export function precisionRecall(scores: ArrayLike<number>, positive: ArrayLike<boolean>, maxPoints = 201): { recall: number[]; precision: number[]; averagePrecision: number } | null {
  const { tps, fps } = thresholdCounts(scores, positive);
  const p = tps[tps.length - 1] ?? 0;
  if (p === 0) return null;
  let ap = 0;
  let prevRecall = 0;
  const points = [{ recall: 0, precision: 1 }];
  tps.forEach((tp, i) => {
    const precision = tp / (tp + fps[i]);
    const recall = tp / p;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    points.push({ recall, precision });
  });
  const kept = thin(points, maxPoints);
  return { recall: kept.map((q) => q.recall), precision: kept.map((q) => q.precision), averagePrecision: ap };
}

/** Mean negative log-probability of the true class, probabilities clipped to [1e-15, 1]. */
export function logLoss(probs: ArrayLike<number>[], yTrue: number[]): number {
  let sum = 0;
  yTrue.forEach((y, i) => (sum -= Math.log(Math.min(1, Math.max(1e-15, probs[i][y])))));
  return ratio(sum, yTrue.length);
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean top-class probability and accuracy of the images in the bin (0 when empty). */
  confidence: number;
  accuracy: number;
}

/**
 * Expected calibration error (Guo et al. 2017): top-class confidence in `bins` equal-width bins
 * (a confidence on an edge goes to the lower bin, (lo, hi]), ECE = sum (n_b / N) |acc_b - conf_b|.
 */
export function calibration(probs: ArrayLike<number>[], yTrue: number[], bins = 15): { ece: number; bins: ReliabilityBin[] } {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({ lower: b / bins, upper: (b + 1) / bins, count: 0, confidence: 0, accuracy: 0 }));
  yTrue.forEach((y, i) => {
    const { index, value } = argmax(probs[i]);
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(value * bins) - 1));
    out[b].count++;
    out[b].confidence += value;
    out[b].accuracy += index === y ? 1 : 0;
  });
  let ece = 0;
  for (const b of out) {
    if (b.count === 0) continue;
    b.confidence /= b.count;
    b.accuracy /= b.count;
    ece += (b.count / yTrue.length) * Math.abs(b.accuracy - b.confidence);
  }
  return { ece, bins: out };
}

export function argmax(xs: ArrayLike<number>): { index: number; value: number } {
  let index = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[index]) index = i;
  return { index, value: xs[index] };
}

/**
 * 95% percentile bootstrap interval of `statistic` over `n` items: `resamples` draws of n indices
 * with replacement from a seeded stream. Resamples where the statistic is undefined (null) are
 * left out; null when none is defined.
 */
export function bootstrapInterval(n: number, statistic: (idx: number[]) => number | null, resamples: number, seed: number, level = 0.95): [number, number] | null {
  if (n === 0) return null;
  const rand = streamRng(seed, 'bootstrap');
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => randInt(rand, n));
    const v = statistic(idx);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const tail = ((1 - level) / 2) * 100;
  return [percentile(values, tail), percentile(values, 100 - tail)];
}

/** Macro one-vs-rest AUC over the classes that have both positives and negatives among `idx`. */
function macroAuc(probs: ArrayLike<number>[], yTrue: number[], numClasses: number, idx: number[]): number | null {
  const aucs: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const a = rocAuc(idx.map((i) => probs[i][c]), idx.map((i) => yTrue[i] === c));
    if (a !== null) aucs.push(a);
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null;
}

/** The per-epoch validation numbers: no curves, no bootstrap. */
export function epochMetrics(probs: ArrayLike<number>[], yTrue: number[], numClasses: number): { loss: number; accuracy: number; balanced_accuracy: number; macro_f1: number; auc: number | null } {
  const cm = confusionMatrix(yTrue, probs.map((p) => argmax(p).index), numClasses);
  return {
    loss: logLoss(probs, yTrue),
    accuracy: accuracy(cm),
    balanced_accuracy: balancedAccuracy(cm),
    macro_f1: macroF1(cm),
    auc: macroAuc(probs, yTrue, numClasses, yTrue.map((_, i) => i)),
  };
}

export interface PredictionReport {
  n: number;
  labels: string[];
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  auc: number | null;
  logLoss: number;
  ece: number;
  perClass: Record<string, ClassMetrics & { auc: number | null; averagePrecision: number | null }>;
  confusion: { labels: string[]; matrix: number[][] };
  ci: { accuracy: [number, number] | null; balancedAccuracy: [number, number] | null; macroF1: [number, number] | null; auc: [number, number] | null; resamples: number };
  curves: {
    roc: Record<string, { fpr: number[]; tpr: number[] }>;
    pr: Record<string, { recall: number[]; precision: number[] }>;
    reliability: ReliabilityBin[];
  };
}

/** Every metric of the evaluation report from per-image class probabilities and true labels. */
export function reportFromProbabilities(probs: ArrayLike<number>[], yTrue: number[], labels: string[], opts: { resamples?: number; seed?: number } = {}): PredictionReport {
  const k = labels.length;
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0;
  const yPred = probs.map((p) => argmax(p).index);
  const cm = confusionMatrix(yTrue, yPred, k);
  const per = perClassMetrics(cm);
  const perClass: PredictionReport['perClass'] = {};
  const roc: PredictionReport['curves']['roc'] = {};
  const pr: PredictionReport['curves']['pr'] = {};
  labels.forEach((label, c) => {
    const scores = probs.map((p) => p[c]);
    const pos = yTrue.map((y) => y === c);
    const curve = rocCurve(scores, pos);
    const prc = precisionRecall(scores, pos);
    if (curve) roc[label] = curve;
    if (prc) pr[label] = { recall: prc.recall, precision: prc.precision };
    perClass[label] = { ...per[c], auc: rocAuc(scores, pos), averagePrecision: prc?.averagePrecision ?? null };
  });
  const all = yTrue.map((_, i) => i);
  const sub = (idx: number[]) => confusionMatrix(idx.map((i) => yTrue[i]), idx.map((i) => yPred[i]), k);
  const cal = calibration(probs, yTrue);
  return {
    n: yTrue.length,
    labels: [...labels],
    accuracy: accuracy(cm),
    balancedAccuracy: balancedAccuracy(cm),
    macroF1: macroF1(cm),
    auc: macroAuc(probs, yTrue, k, all),
    logLoss: logLoss(probs, yTrue),
    ece: cal.ece,
    perClass,
    confusion: { labels: [...labels], matrix: cm },
    ci: {
      accuracy: bootstrapInterval(yTrue.length, (idx) => accuracy(sub(idx)), resamples, seed),
      balancedAccuracy: bootstrapInterval(yTrue.length, (idx) => balancedAccuracy(sub(idx)), resamples, seed),
      macroF1: bootstrapInterval(yTrue.length, (idx) => macroF1(sub(idx)), resamples, seed),
      auc: bootstrapInterval(yTrue.length, (idx) => macroAuc(probs, yTrue, k, idx), resamples, seed),
      resamples,
    },
    curves: { roc, pr, reliability: cal.bins },
  };
}

/** Softmax of one row of logits, in float64. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
