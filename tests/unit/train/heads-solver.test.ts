/**
 * The head solvers on problems whose answer is known: a symmetric two-class problem with a
 * closed-form optimum, the first-order optimality condition, separable data, the sweep choosing
 * by validation, the folded standardisation, and an MLP on data no linear head can fit.
 */
import { describe, expect, it } from 'vitest';
import { fitHead, headProbabilities } from '../../../src/main/train/heads/fit';
import { lbfgs } from '../../../src/main/train/heads/lbfgs';
import { balancedClassWeights, fitLogreg, fitStandardizer, foldStandardizer, linearProbabilities, logregObjective, standardize, type HeadData } from '../../../src/main/train/heads/logreg';
import { fitMlp } from '../../../src/main/train/heads/mlp';

function gauss(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** k Gaussian clusters in d dims, centres at `spread` * N(0,1). */
function clusters(n: number, d: number, k: number, spread: number, seed: number, centresSeed = 99): HeadData {
  const g = gauss(seed);
  const gc = gauss(centresSeed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => gc() * spread));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]][j] + g();
  }
  return { x, n, d, y, k };
}

describe('logistic regression', () => {
  it('matches the closed-form optimum of a symmetric two-class problem', () => {
    // x = +1 for class 1, -1 for class 0, n/2 each. By symmetry w1 = -w0 = a, b0 = b1, and the
    // sklearn objective C·n·log(1 + e^{-2a}) + a² is stationary where a = C·n·σ(-2a).
    const n = 20;
    const C = 0.05;
    const data: HeadData = { x: Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)), n, d: 1, y: Int32Array.from({ length: n }, (_, i) => i % 2), k: 2 };
    let lo = 0;
    let hi = 100;
    for (let it = 0; it < 200; it++) {
      const a = (lo + hi) / 2;
      if (a - C * n / (1 + Math.exp(2 * a)) > 0) hi = a;
      else lo = a;
    }
    const a = (lo + hi) / 2;
    const fit = fitLogreg(data, C);
    expect(fit.solver.converged).toBe(true);
    expect(fit.head.weight[1]).toBeCloseTo(a, 6);
    expect(fit.head.weight[0]).toBeCloseTo(-a, 6);
    expect(fit.head.bias[0] - fit.head.bias[1]).toBeCloseTo(0, 6);
  });

  it('stops at a point where the gradient vanishes, and the gradient is the true one', () => {
    const data = clusters(300, 12, 4, 0.8, 1);
    const st = fitStandardizer(data.x, data.n, data.d);
    const std = { ...data, x: standardize(data.x, data.n, data.d, st) };
    const weights = balancedClassWeights([0, 0, 0, 1, 2, 3], 4); // any non-uniform weights
    const fit = fitLogreg(std, 1, { classWeights: weights });
    const obj = logregObjective(std, 1, weights);
    const theta = new Float64Array([...fit.head.weight, ...fit.head.bias]);
    const g = new Float64Array(theta.length);
    obj(theta, g);
    expect(Math.hypot(...g)).toBeLessThan(1e-5);
    // central differences at a point away from the optimum
    const p = theta.map((v, i) => v + 0.3 * Math.sin(i));
    const gp = new Float64Array(p.length);
    obj(p, gp);
    for (const i of [0, 7, 25, theta.length - 1]) {
      const e = 1e-5;
      const up = p.slice();
      const dn = p.slice();
      up[i] += e;
      dn[i] -= e;
      const scratch = new Float64Array(p.length);
      expect((obj(up, scratch) - obj(dn, scratch)) / (2 * e)).toBeCloseTo(gp[i], 5);
    }
  });

  it('separates separable data', () => {
    const data = clusters(120, 5, 3, 6, 2);
    const fit = fitLogreg(data, 10);
    const p = linearProbabilities(fit.head, data.x, data.n);
    let correct = 0;
    for (let i = 0; i < data.n; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === data.y[i]) correct++;
    }
    expect(correct).toBe(data.n);
  });

  it('a folded standardisation gives the same probabilities on raw features', () => {
    const data = clusters(50, 6, 3, 1, 3);
    for (let i = 0; i < data.x.length; i++) data.x[i] = data.x[i] * 7 + 40; // far from standard
    const st = fitStandardizer(data.x, data.n, data.d);
    const xs = standardize(data.x, data.n, data.d, st);
    const fit = fitLogreg({ ...data, x: xs }, 1);
    const a = linearProbabilities(fit.head, xs, data.n);
    const b = linearProbabilities(foldStandardizer(fit.head, st), data.x, data.n);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });

  it('L-BFGS minimises a quadratic exactly', () => {
    // f = ½ Σ (i+1)(x_i - i)²: minimum at x_i = i
    const r = lbfgs((x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        f += 0.5 * (i + 1) * (x[i] - i) ** 2;
        g[i] = (i + 1) * (x[i] - i);
      }
      return f;
    }, new Float64Array(20), { gradTol: 1e-10 });
    expect(r.converged).toBe(true);
    r.x.forEach((v, i) => expect(v).toBeCloseTo(i, 8));
  });
});

describe('the regularisation sweep', () => {
  it('keeps the C with the best validation score, not the best training fit', () => {
    // few samples, many noisy dimensions: weak regularisation fits the training set and pays on validation
    const train = clusters(40, 60, 2, 0.25, 4);
    const val = clusters(400, 60, 2, 0.25, 5);
    const fit = fitHead(train, val, { kind: 'logreg', monitor: 'val_loss', cs: [0.001, 0.01, 0.1, 1, 10] });
    const losses = fit.steps.map((s) => s.metrics.val_loss);
    const trainLosses = fit.steps.map((s) => s.metrics.train_loss);
    expect(fit.best).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(trainLosses.indexOf(Math.min(...trainLosses))).toBe(4);
    expect(fit.best).toBeLessThan(5);
    expect(fit.steps.map((s) => s.metrics.head_c)).toEqual([0.001, 0.01, 0.1, 1, 10]);
    // the head kept is the chosen C's, on raw features
    const p = headProbabilities(fit.head, val.x, val.n);
    let loss = 0;
    for (let i = 0; i < val.n; i++) loss -= Math.log(p[i * 2 + val.y[i]]);
    expect(loss / val.n).toBeCloseTo(losses[fit.best - 1], 4);
  });
});

describe('MLP head', () => {
  // XOR of two coordinates: no linear head does better than chance
  const xor = (n: number, seed: number): HeadData => {
    const g = gauss(seed);
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = i % 2;
      const b = (i >> 1) % 2;
      x[i * 2] = (a ? 2 : -2) + 0.4 * g();
      x[i * 2 + 1] = (b ? 2 : -2) + 0.4 * g();
      y[i] = a ^ b;
    }
    return { x, n, d: 2, y, k: 2 };
  };

  it('fits what a linear head cannot, deterministically per seed', () => {
    const train = xor(200, 6);
    const val = xor(100, 7);
    const fit = fitHead(train, val, { kind: 'mlp', seed: 3, hidden: 16, maxEpochs: 300, patience: 10 });
    const again = fitHead(train, val, { kind: 'mlp', seed: 3, hidden: 16, maxEpochs: 300, patience: 10 });
    const acc = (f: typeof fit) => {
      const p = headProbabilities(f.head, val.x, val.n);
      let c = 0;
      for (let i = 0; i < val.n; i++) if ((p[i * 2 + 1] > 0.5 ? 1 : 0) === val.y[i]) c++;
      return c / val.n;
    };
    expect(acc(fit)).toBeGreaterThan(0.95);
    const linear = fitHead(train, val, { kind: 'logreg' });
    expect(acc(linear)).toBeLessThan(0.7);
    expect(fit.head.kind === 'mlp' && again.head.kind === 'mlp' && Buffer.from(fit.head.mlp.w1.buffer).equals(Buffer.from(again.head.mlp.w1.buffer))).toBe(true);
  });

  it('stops when the validation loss stops falling and keeps the best epoch', () => {
    const g = gauss(9);
    const noise = (n: number): HeadData => ({ x: Float32Array.from({ length: n * 8 }, () => g()), n, d: 8, y: Int32Array.from({ length: n }, () => (g() > 0 ? 1 : 0)), k: 2 });
    const val = noise(100);
    const fit = fitHead(noise(100), val, { kind: 'mlp', seed: 1, hidden: 32, maxEpochs: 500, patience: 5 });
    expect(fit.stoppedEarly).toBe(true);
    expect(fit.steps.length).toBe(fit.best + 5);
    const p = headProbabilities(fit.head, val.x, val.n);
    let loss = 0;
    for (let i = 0; i < val.n; i++) loss -= Math.log(p[i * 2 + val.y[i]]);
    expect(loss / val.n).toBeCloseTo(fit.steps[fit.best - 1].metrics.val_loss, 4);
  });

  it('another seed gives other weights', () => {
    const train = xor(40, 8);
    const a = fitMlp(train, null, { seed: 1, hidden: 4, maxEpochs: 2 });
    const b = fitMlp(train, null, { seed: 2, hidden: 4, maxEpochs: 2 });
    expect(Array.from(a.head.w1)).not.toEqual(Array.from(b.head.w1));
  });
});
