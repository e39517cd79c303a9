/**
 * k-fold cross-validation of heads on embeddings already in memory: for every repeat (a seed:
 * new folds, new head initialisation) and every point of the sweep grid, each fold in turn is
 * the held-out test fold, the next fold is the inner validation that chooses C (or stops the
 * MLP), and the rest is fitted on. Held-out and validation images never share a group or a
 * duplicate cluster with the images fitted on (folds.ts). Fitting a head takes milliseconds to
 * seconds, so a 5-fold x 3-seed x 4-point sweep is a minute at most once the images are embedded.
 */
import type { CvFold, CvPointSummary, GridPoint } from '../../../shared/contract/run-groups.js';
import type { EvalReport } from '../../../shared/contract/training.js';
import { assignFolds, type FoldItem } from '../../datasets/folds.js';
import { fitHead, headProbabilities, type HeadKind } from '../heads/fit.js';
import type { HeadData } from '../heads/logreg.js';
import { reportFromProbabilities } from '../metrics.js';
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

/** Needs 3 folds at least: one held out, the next to choose on, the rest to fit. */
export function crossValidateHeads(data: CvData, opts: HeadCvOptions): HeadCvResult {
  const k = opts.labels.length;
  if (opts.folds < 3) throw new RangeError('cross-validation of a head needs at least 3 folds (one held out, one to choose on, the rest to fit)');
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
        const v = (f + 1) % opts.folds;
        const trainRows = foldOf.flatMap((h, i) => (h !== f && h !== v ? [i] : []));
        const train = subset(data, trainRows, k);
        const val = subset(data, members[v], k);
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
  let grid: GridPoint[] = [{}];
  const seen = new Set<string>();
  for (const spec of specs) {
    const m = /^([a-zA-Z-]+)=(.+)$/.exec(spec.trim());
    if (!m) throw new RangeError(`"${spec}" is not NAME=V1,V2,...`);
    const name = m[1] === 'weight-decay' ? 'weightDecay' : m[1];
    if (!allowed.includes(name)) throw new RangeError(`cannot sweep "${m[1]}" here; sweepable: ${allowed.map((a) => (a === 'weightDecay' ? 'weight-decay' : a)).join(', ')}`);
    if (seen.has(name)) throw new RangeError(`"${m[1]}" is swept twice`);
    seen.add(name);
    const values = m[2].split(',').map((v) => Number(v.trim()));
    if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new RangeError(`${m[1]}: values must be positive numbers separated by commas`);
    if ((name === 'hidden' || name === 'epochs') && values.some((v) => !Number.isInteger(v))) throw new RangeError(`${m[1]}: values must be whole numbers`);
    grid = grid.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return grid;
}
