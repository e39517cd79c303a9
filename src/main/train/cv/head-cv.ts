/**
 * k-fold cross-validation of heads on embeddings already in memory: for every repeat (a seed:
 * new folds, new head initialisation) and every point of the sweep grid, each fold in turn is
 * the held-out test fold, the next fold is the inner validation that chooses C (or stops the
 * MLP), and the rest is fitted on. With two folds there is no third to fit on: the inner
 * validation is then a grouped quarter of the other fold, the rest of it is fitted on. Held-out and validation images never share a group or a
 * duplicate cluster with the images fitted on (folds.ts). Fitting a head takes milliseconds to
 * seconds, so a 5-fold x 3-seed x 4-point sweep is a minute at most once the images are embedded.
 */
import type { CvFold, CvPointSummary, GridPoint } from '../../../shared/contract/run-groups.js';
import type { EvalReport } from '../../../shared/contract/training.js';
import { assignFolds, type FoldItem } from '../../datasets/folds.js';
import { fitHead, headProbabilities, type HeadKind } from '../heads/fit.js';
import type { HeadData } from '../heads/logreg.js';
import { reportFromProbabilities } from '../metrics.js';
import { nextTurn } from '../../next-turn.js';
import { bestPoint, flattenReport, summarise } from './summary.js';

/** Embeddings (row-major n x d), labels and, per row, what keeps it with others. */
export interface CvData {
  x: Float32Array;
  n: number;
  d: number;
  y: Int32Array;
  items: FoldItem[];
}

export interface HeadCvOptions {
  kind: HeadKind;
  labels: string[];
  folds: number;
  repeats: number;
  /** Repeat r uses seed + r for its folds and its head. */
  seed: number;
  /** Validation metric choosing C inside a fold and ranking the grid points (higher is better except val_loss). */
  monitor: string;
  balance: boolean;
  /** logreg: the C values swept inside each fold when the grid fixes no `c`. */
  cs?: number[];
  hidden?: number;
  lr?: number;
  weightDecay?: number;
  epochs?: number;
  patience?: number;
  /** Points of the sweep ([{}] for none): c, hidden, lr, weightDecay, epochs. */
  grid: GridPoint[];
  /** After each fold; return false to stop (cancel). */
  onFold?: (done: number, total: number) => boolean | void;
}

export interface HeadCvResult {
  results: CvFold[];
  points: CvPointSummary[];
  best: number;
  pooledTest: EvalReport | null;
  cancelled: boolean;
}

export const HEAD_GRID_KEYS = ['c', 'hidden', 'lr', 'weightDecay', 'epochs'] as const;

function subset(data: CvData, rows: number[], k: number): HeadData {
  const x = new Float32Array(rows.length * data.d);
  rows.forEach((r, i) => x.set(data.x.subarray(r * data.d, (r + 1) * data.d), i * data.d));
  return { x, n: rows.length, d: data.d, y: Int32Array.from(rows, (r) => data.y[r]), k };
}

function probabilityRows(p: Float64Array, n: number, k: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k)));
}

/** Of a two-fold split the inner validation takes one part in this many of the fitting fold. */
const TWO_FOLD_INNER_PARTS = 4;

/**
 * Rows fitted on and rows choosing on when fold `f` is held out: the next fold chooses and the
 * rest fits; with two folds a grouped, stratified part of the other fold chooses.
 */
function innerSplit(data: CvData, foldOf: number[], folds: number, f: number, seed: number): { fit: number[]; choose: number[] } {
  if (folds >= 3) {
    const v = (f + 1) % folds;
    return { fit: foldOf.flatMap((h, i) => (h !== f && h !== v ? [i] : [])), choose: foldOf.flatMap((h, i) => (h === v ? [i] : [])) };
  }
  const other = foldOf.flatMap((h, i) => (h !== f ? [i] : []));
  const part = assignFolds(other.map((i) => data.items[i]), TWO_FOLD_INNER_PARTS, seed + 7919 * (f + 1));
  return { fit: other.filter((_, j) => part[j] !== 0), choose: other.filter((_, j) => part[j] === 0) };
}

/**
 * Needs 2 folds at least. Turns the event loop after every fold so that a cancel (an IPC message,
 * a signal) lands at once rather than when every fold is fitted.
 */
export async function crossValidateHeads(data: CvData, opts: HeadCvOptions): Promise<HeadCvResult> {
  const k = opts.labels.length;
  if (!Number.isInteger(opts.folds) || opts.folds < 2) throw new RangeError('cross-validation of a head needs at least 2 folds');
  if (opts.grid.length === 0) throw new RangeError('the sweep grid is empty');
  const total = opts.repeats * opts.grid.length * opts.folds;
  const results: CvFold[] = [];
  // out-of-fold probabilities of the first repeat, per grid point, for the pooled report
  const pooled = opts.grid.map(() => new Array<number[] | null>(data.n).fill(null));
  let done = 0;
  let cancelled = false;
  outer: for (let r = 0; r < opts.repeats; r++) {
    const seed = opts.seed + r;
    const foldOf = assignFolds(data.items, opts.folds, seed);
    const members = Array.from({ length: opts.folds }, (_, f) => foldOf.flatMap((g, i) => (g === f ? [i] : [])));
    for (const [g, params] of opts.grid.entries()) {
      for (let f = 0; f < opts.folds; f++) {
        const inner = innerSplit(data, foldOf, opts.folds, f, seed);
        const train = subset(data, inner.fit, k);
        const val = subset(data, inner.choose, k);
        const test = subset(data, members[f], k);
        const fit = fitHead(train, val.n ? val : null, {
          kind: opts.kind,
          balance: opts.balance,
          seed,
          cs: params.c !== undefined ? [params.c] : opts.cs,
          monitor: opts.monitor,
          hidden: params.hidden ?? opts.hidden,
          lr: params.lr ?? opts.lr,
          weightDecay: params.weightDecay ?? opts.weightDecay,
          maxEpochs: params.epochs ?? opts.epochs,
          patience: opts.patience,
        });
        const score = (part: HeadData) => probabilityRows(headProbabilities(fit.head, part.x, part.n), part.n, k);
        const testProbs = score(test);
        const metrics: Record<string, number> = {};
        if (val.n) Object.assign(metrics, flattenReport('val', reportFromProbabilities(score(val), Array.from(val.y), opts.labels, { resamples: 0 })));
        if (test.n) Object.assign(metrics, flattenReport('test', reportFromProbabilities(testProbs, Array.from(test.y), opts.labels, { resamples: 0 })));
        if (opts.kind === 'logreg') metrics.head_c = fit.steps[fit.best - 1].metrics.head_c;
        else metrics.head_epochs = fit.best;
        if (r === 0) members[f].forEach((row, i) => (pooled[g][row] = testProbs[i]));
        results.push({ repeat: r, seed, fold: f, params, n: { train: train.n, val: val.n, test: test.n }, metrics, runId: null });
        done++;
        await nextTurn();
        if (opts.onFold?.(done, total) === false) {
          cancelled = true;
          break outer;
        }
      }
    }
  }
  const points: CvPointSummary[] = opts.grid.map((params, g) => ({ params, metrics: summarise(results.filter((x) => x.params === opts.grid[g]).map((x) => x.metrics)) }));
  const best = bestPoint(points, opts.monitor);
  let pooledTest: EvalReport | null = null;
  const rows = pooled[best].flatMap((p, i) => (p ? [i] : []));
  if (!cancelled && rows.length) {
    pooledTest = { ...reportFromProbabilities(rows.map((i) => pooled[best][i]!), rows.map((i) => data.y[i]), opts.labels, { seed: opts.seed }), skipped: [] };
  }
  return { results, points, best, pooledTest, cancelled };
}

/**
 * The sweep grid from `name=v1,v2` specs: the Cartesian product of the values, in the order given.
 * Names: c, hidden, lr, weight-decay (or weightDecay), epochs.
 */
export function parseGrid(specs: string[], allowed: readonly string[]): GridPoint[] {
  const axes: [string, number[]][] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const m = /^([a-zA-Z-]+)=(.+)$/.exec(spec.trim());
    if (!m) throw new RangeError(`"${spec}" is not NAME=V1,V2,...`);
    const name = m[1] === 'weight-decay' ? 'weightDecay' : m[1];
    if (!allowed.includes(name)) throw new RangeError(`cannot sweep "${m[1]}" here; sweepable: ${allowed.map((a) => (a === 'weightDecay' ? 'weight-decay' : a)).join(', ')}`);
    if (seen.has(name)) throw new RangeError(`"${m[1]}" is swept twice`);
    seen.add(name);
    const values = m[2].split(',').map((v) => Number(v.trim()));
    axes.push([name, values]);
  }
  return productGrid(axes);
}

/**
 * The Cartesian product of named value lists, in the order given ([{}] for none); every value
 * positive, hidden and epochs whole numbers.
 */
export function productGrid(axes: [name: string, values: number[]][]): GridPoint[] {
  let grid: GridPoint[] = [{}];
  for (const [name, values] of axes) {
    const shown = name === 'weightDecay' ? 'weight-decay' : name;
    if (values.length === 0) throw new RangeError(`${shown}: no values`);
    if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new RangeError(`${shown}: values must be positive numbers separated by commas`);
    if ((name === 'hidden' || name === 'epochs') && values.some((v) => !Number.isInteger(v))) throw new RangeError(`${shown}: values must be whole numbers`);
    if (new Set(values).size !== values.length) throw new RangeError(`${shown}: a value is given twice`);
    grid = grid.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return grid;
}
