/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search,
 * on a Float64Array of parameters. Deterministic: no randomness, a fixed order of operations.
 * Used for the heads' convex problems (multinomial logistic regression), where it converges in
 * tens of iterations from a warm start.
 */

/** Writes the gradient at `x` into `g` and returns the objective. */
export type Objective = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  /** Pairs of curvature information kept. */
  memory?: number;
  maxIterations?: number;
  /** Stop when the gradient's norm falls below this. */
  gradTol?: number;
  /** Which norm gradTol bounds: 2 (default) or 'inf' (the largest component: scikit-learn's pgtol). */
  norm?: 2 | 'inf';
  /** Stop when an iteration lowers the objective by less than this fraction of it. */
  relTol?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  gradNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function lbfgs(objective: Objective, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const m = opts.memory ?? 10;
  const maxIter = opts.maxIterations ?? 500;
  const gradTol = opts.gradTol ?? 1e-6;
  const relTol = opts.relTol ?? 0;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const alpha = new Float64Array(m);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;
  let gradNorm = Math.sqrt(dot(g, g));
  const stopNorm = opts.norm === 'inf' ? () => maxAbs(g) : () => gradNorm;
  let converged = stopNorm() < gradTol;

  while (!converged && iterations < maxIter) {
    // two-loop recursion: dir = -H g
    for (let i = 0; i < n; i++) dir[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], dir);
      const y = Y[j];
      for (let i = 0; i < n; i++) dir[i] -= alpha[j] * y[i];
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) dir[i] *= gamma;
    } else {
      const s = 1 / Math.max(gradNorm, 1);
      for (let i = 0; i < n; i++) dir[i] *= s;
    }
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j] * dot(Y[j], dir);
      const s = S[j];
      for (let i = 0; i < n; i++) dir[i] += (alpha[j] - beta) * s[i];
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // not a descent direction (curvature pairs gone stale): restart along the gradient
      S.length = Y.length = rho.length = 0;
      const s = 1 / Math.max(gradNorm, 1);
      for (let i = 0; i < n; i++) dir[i] = -g[i] * s;
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = 0;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * dir[i];
      fNew = objective(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break; // no progress possible at float precision
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(y, y) * dot(s, s))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = f - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    iterations++;
    gradNorm = Math.sqrt(dot(g, g));
    converged = stopNorm() < gradTol || (relTol > 0 && decrease <= relTol * Math.max(Math.abs(f), 1e-12));
  }
  return { x, f, gradNorm, iterations, evaluations, converged };
}
