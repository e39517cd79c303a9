/**
 * Training a head on cached embeddings: standardise on the training split, then either a
 * logistic-regression sweep over C (each C warm-started from the previous, the one with the best
 * validation score kept) or an MLP with early stopping. The result is a head on raw embeddings
 * (the standardisation folded into its first layer), with one record per sweep point or epoch
 * for the run's curves.
 */
import { epochMetrics } from '../metrics.js';
import { balancedClassWeights, fitLogreg, fitStandardizer, foldStandardizer, linearProbabilities, standardize, type HeadData, type LinearHead, type Standardizer } from './logreg.js';
import { fitMlp, mlpProbabilities, type MlpHead } from './mlp.js';

export const HEAD_KINDS = ['logreg', 'mlp'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];
export const DEFAULT_CS = [0.01, 0.1, 1, 10];

/** A head on raw embeddings. */
export type TrainedHead = { kind: 'logreg'; linear: LinearHead } | { kind: 'mlp'; mlp: MlpHead };

export interface HeadFitOptions {
  kind: HeadKind;
  /** Class-balanced sample weights (n / (k * count_c)). */
  balance?: boolean;
  seed?: number;
  /** logreg: the regularisation sweep (ascending is fastest: each fit warm-starts the next). */
  cs?: number[];
  /** Validation metric choosing C (higher is better except val_loss). */
  monitor?: string;
  /** mlp */
  hidden?: number;
  maxEpochs?: number;
  patience?: number;
  lr?: number;
  /** mlp: L2 penalty on the weights (scikit-learn's alpha; default 1e-4). */
  weightDecay?: number;
  /** Solver stopping rule for the sweep (default scikit-learn's: largest gradient component below 1e-4, 100 iterations). */
  gradTol?: number;
  maxIterations?: number;
  /** After each sweep point or epoch; return false to stop (cancel). */
  onStep?: (r: HeadStep) => boolean | void;
}

/** One point of the curve: a C of the sweep, or an MLP epoch. */
export interface HeadStep {
  step: number;
  metrics: Record<string, number>;
}

export interface HeadFit {
  head: TrainedHead;
  steps: HeadStep[];
  /** The chosen step (1-based): the sweep point or the best epoch. */
  best: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

export function headProbabilities(head: TrainedHead, x: Float32Array, n: number): Float64Array {
  return head.kind === 'logreg' ? linearProbabilities(head.linear, x, n) : mlpProbabilities(head.mlp, x, n);
}

function rowsOf(p: Float64Array, n: number, k: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k)));
}

function valMetrics(probs: Float64Array, data: HeadData): Record<string, number> {
  const m = epochMetrics(rowsOf(probs, data.n, data.k), Array.from(data.y), data.k);
  const out: Record<string, number> = { val_loss: m.loss, val_accuracy: m.accuracy, val_balanced_accuracy: m.balanced_accuracy, val_macro_f1: m.macro_f1 };
  if (m.auc !== null) out.val_auc = m.auc;
  return out;
}

function foldMlp(m: MlpHead, st: Standardizer): MlpHead {
  const { d, hidden } = m;
  const w1 = new Float32Array(hidden * d);
  const b1 = Float32Array.from(m.b1);
  for (let u = 0; u < hidden; u++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      const w = m.w1[u * d + j] * st.scale[j];
      w1[u * d + j] = w;
      shift += w * st.mean[j];
    }
    b1[u] -= shift;
  }
  return { ...m, w1, b1 };
}

/** Is `a` a better value of `monitor` than `b`? */
function better(monitor: string, a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || !Number.isFinite(a)) return false;
  if (b === undefined) return true;
  return monitor === 'val_loss' ? a < b : a > b;
}

export function fitHead(train: HeadData, val: HeadData | null, opts: HeadFitOptions): HeadFit {
  if (train.n === 0) throw new Error('no training embeddings');
  const st = fitStandardizer(train.x, train.n, train.d);
  const tr: HeadData = { ...train, x: standardize(train.x, train.n, train.d, st) };
  const va: HeadData | null = val && val.n ? { ...val, x: standardize(val.x, val.n, val.d, st) } : null;
  const classWeights = opts.balance ? balancedClassWeights(train.y, train.k) : null;
  const monitor = opts.monitor ?? 'val_accuracy';

  if (opts.kind === 'logreg') {
    const cs = [...(opts.cs ?? DEFAULT_CS)];
    const steps: HeadStep[] = [];
    let chosen: { head: LinearHead; step: number; metrics: Record<string, number> } | null = null;
    let prev: LinearHead | undefined;
    let cancelled = false;
    for (const [i, c] of cs.entries()) {
      const fit = fitLogreg(tr, c, { classWeights, init: prev, solver: { gradTol: opts.gradTol ?? 1e-4, norm: 'inf', maxIterations: opts.maxIterations ?? 100 } });
      prev = fit.head;
      const trainProbs = linearProbabilities(fit.head, tr.x, tr.n);
      const trainM = epochMetrics(rowsOf(trainProbs, tr.n, tr.k), Array.from(tr.y), tr.k);
      const metrics: Record<string, number> = {
        head_c: c,
        train_loss: trainM.loss,
        train_accuracy: trainM.accuracy,
        solver_iterations: fit.solver.iterations,
        solver_grad_norm: fit.solver.gradNorm,
        ...(va ? valMetrics(linearProbabilities(fit.head, va.x, va.n), va) : {}),
      };
      const step = { step: i + 1, metrics };
      steps.push(step);
      // without validation data the sweep cannot choose: the middle of the grid (C = 1 by default) is kept
      const pick = va ? !chosen || better(monitor, metrics[monitor], chosen.metrics[monitor]) : c === (cs.includes(1) ? 1 : cs[Math.floor(cs.length / 2)]);
      if (pick) chosen = { head: fit.head, step: i + 1, metrics };
      if (opts.onStep?.(step) === false) {
        cancelled = true;
        break;
      }
    }
    if (!chosen) chosen = { head: prev!, step: steps.length, metrics: steps.at(-1)!.metrics };
    return { head: { kind: 'logreg', linear: foldStandardizer(chosen.head, st) }, steps, best: chosen.step, stoppedEarly: false, cancelled };
  }

  let cancelled = false;
  const fit = fitMlp(tr, va, {
    hidden: opts.hidden,
    seed: opts.seed,
    lr: opts.lr,
    alpha: opts.weightDecay,
    maxEpochs: opts.maxEpochs,
    patience: opts.patience,
    classWeights,
    onEpoch: (e) => {
      const metrics: Record<string, number> = { train_loss: e.trainLoss };
      if (e.valLoss !== null) metrics.val_loss = e.valLoss;
      if (e.valAccuracy !== null) metrics.val_accuracy = e.valAccuracy;
      const r = opts.onStep?.({ step: e.epoch, metrics });
      if (r === false) cancelled = true;
      return r;
    },
  });
  const steps = fit.history.map((e) => {
    const metrics: Record<string, number> = { train_loss: e.trainLoss };
    if (e.valLoss !== null) metrics.val_loss = e.valLoss;
    if (e.valAccuracy !== null) metrics.val_accuracy = e.valAccuracy;
    return { step: e.epoch, metrics };
  });
  return { head: { kind: 'mlp', mlp: foldMlp(fit.head, st) }, steps, best: fit.bestEpoch, stoppedEarly: fit.stoppedEarly, cancelled };
}
