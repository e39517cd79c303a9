/**
 * Multinomial logistic regression on embeddings (the linear probe of the foundation-model papers):
 * features standardised on the training split, softmax cross-entropy weighted per class, an L2
 * penalty on the weights (not the bias) in scikit-learn's convention: minimise
 * C * sum_i s_i * CE_i + ||W||^2 / 2, solved by L-BFGS. The optimum is unique (strictly convex),
 * so a fit is a function of its data and C alone: no seed, no order.
 */
import { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';

/** Rows of `x` (n x d, row-major) with their class indices. */
export interface HeadData {
  x: Float32Array;
  n: number;
  d: number;
  y: ArrayLike<number>;
  k: number;
}

/** x' = (x - mean) * scale, per feature. */
export interface Standardizer {
  mean: Float32Array;
  scale: Float32Array;
}

/** logits = weight · x + bias, weight [k, d] row-major. */
export interface LinearHead {
  k: number;
  d: number;
  weight: Float64Array;
  bias: Float64Array;
}

export function fitStandardizer(x: Float32Array, n: number, d: number): Standardizer {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += x[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = x[o + j] - mean[j];
      sq[j] += v * v;
    }
  }
  const scale = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(sq[j] / Math.max(n, 1));
    // a constant feature carries nothing; left unscaled rather than blown up
    scale[j] = std > 1e-6 ? 1 / std : 1;
  }
  return { mean: Float32Array.from(mean), scale };
}

export function standardize(x: Float32Array, n: number, d: number, st: Standardizer): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - st.mean[j]) * st.scale[j];
  }
  return out;
}

/** scikit-learn's class_weight='balanced': n / (k * count_c); a class absent from y gets 0. */
export function balancedClassWeights(y: ArrayLike<number>, k: number): Float64Array {
  const counts = new Float64Array(k);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts.map((c) => (c > 0 ? y.length / (k * c) : 0));
}

/** Logits of row `o` of `x` into `z` (k values). */
function rowLogits(x: Float32Array, o: number, d: number, w: Float64Array, b: Float64Array, k: number, z: Float64Array): void {
  for (let c = 0; c < k; c++) {
    const wo = c * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += x[o + j] * w[wo + j];
      s1 += x[o + j + 1] * w[wo + j + 1];
      s2 += x[o + j + 2] * w[wo + j + 2];
      s3 += x[o + j + 3] * w[wo + j + 3];
    }
    for (; j < d; j++) s0 += x[o + j] * w[wo + j];
    z[c] = b[c] + s0 + s1 + s2 + s3;
  }
}

/** In place: z becomes softmax(z); returns log-sum-exp of the input. */
export function softmaxInPlace(z: Float64Array, k: number): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    z[c] = Math.exp(z[c] - max);
    sum += z[c];
  }
  for (let c = 0; c < k; c++) z[c] /= sum;
  return max + Math.log(sum);
}

/**
 * The objective divided by sum_i s_i (same optimum, better scaled): mean weighted cross-entropy
 * + ||W||^2 / (2 C sum_i s_i). Parameters: W [k, d] row-major, then b [k].
 */
export function logregObjective(data: HeadData, c: number, classWeights: Float64Array | null = null): (theta: Float64Array, grad: Float64Array) => number {
  const { x, n, d, y, k } = data;
  let total = 0;
  for (let i = 0; i < n; i++) total += classWeights ? classWeights[y[i]] : 1;
  const lambda = 1 / (c * total);
  const z = new Float64Array(k);
  return (theta, grad) => {
    const w = theta.subarray(0, k * d);
    const b = theta.subarray(k * d);
    grad.fill(0);
    const gw = grad.subarray(0, k * d);
    const gb = grad.subarray(k * d);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const s = (classWeights ? classWeights[y[i]] : 1) / total;
      if (s === 0) continue;
      const o = i * d;
      rowLogits(x, o, d, w, b, k, z);
      const zy = z[y[i]];
      loss += s * (softmaxInPlace(z, k) - zy);
      z[y[i]] -= 1;
      for (let cl = 0; cl < k; cl++) {
        const a = s * z[cl];
        gb[cl] += a;
        const wo = cl * d;
        // unrolled as rowLogits is: the gradient pass is half of each evaluation's cost
        let j = 0;
        for (; j + 3 < d; j += 4) {
          gw[wo + j] += a * x[o + j];
          gw[wo + j + 1] += a * x[o + j + 1];
          gw[wo + j + 2] += a * x[o + j + 2];
          gw[wo + j + 3] += a * x[o + j + 3];
        }
        for (; j < d; j++) gw[wo + j] += a * x[o + j];
      }
    }
    let sq = 0;
    for (let j = 0; j < w.length; j++) {
      sq += w[j] * w[j];
      gw[j] += lambda * w[j];
    }
    return loss + 0.5 * lambda * sq;
  };
}

export interface LogregFit {
  head: LinearHead;
  c: number;
  solver: Pick<LbfgsResult, 'f' | 'gradNorm' | 'iterations' | 'evaluations' | 'converged'>;
}

/** One fit at one C; `init` (a previous fit's parameters) warm-starts it. */
export function fitLogreg(
  data: HeadData,
  c: number,
  opts: { classWeights?: Float64Array | null; init?: LinearHead; solver?: LbfgsOptions } = {},
): LogregFit {
  if (!(c > 0)) throw new Error(`C must be positive, got ${c}`);
  const { d, k } = data;
  const theta0 = new Float64Array(k * d + k);
  if (opts.init) {
    theta0.set(opts.init.weight, 0);
    theta0.set(opts.init.bias, k * d);
  }
  const r = lbfgs(logregObjective(data, c, opts.classWeights ?? null), theta0, { gradTol: 1e-6, maxIterations: 500, ...opts.solver });
  return {
    head: { k, d, weight: r.x.slice(0, k * d), bias: r.x.slice(k * d) },
    c,
    solver: { f: r.f, gradNorm: r.gradNorm, iterations: r.iterations, evaluations: r.evaluations, converged: r.converged },
  };
}

/** Softmax probabilities of every row (n x k, row-major). */
export function linearProbabilities(head: LinearHead, x: Float32Array, n: number): Float64Array {
  const { k, d } = head;
  const out = new Float64Array(n * k);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    rowLogits(x, i * d, d, head.weight, head.bias, k, z);
    softmaxInPlace(z, k);
    out.set(z, i * k);
  }
  return out;
}

/**
 * The head on raw (unstandardised) features: W' = W diag(scale), b' = b - W' mean. What a model
 * ships, so inference needs no separate normalisation step.
 */
export function foldStandardizer(head: LinearHead, st: Standardizer): LinearHead {
  const { k, d } = head;
  const weight = new Float64Array(k * d);
  const bias = Float64Array.from(head.bias);
  for (let c = 0; c < k; c++) {
    let shift = 0;
    for (let j = 0; j < d; j++) {
      const w = head.weight[c * d + j] * st.scale[j];
      weight[c * d + j] = w;
      shift += w * st.mean[j];
    }
    bias[c] -= shift;
  }
  return { k, d, weight, bias };
}
