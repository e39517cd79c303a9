/**
 * A one-hidden-layer perceptron on standardised embeddings: x -> ReLU(W1 x + b1) -> W2 h + b2,
 * softmax cross-entropy weighted per class, L2 penalty alpha on the weights (scikit-learn's
 * MLPClassifier defaults: Adam, lr 1e-3, alpha 1e-4), early stopping on the validation loss with
 * the best epoch's weights kept. Every random draw (He init, batch order) comes from the seed.
 */
import { softmaxInPlace, type HeadData } from './logreg.js';
import { mulberry32 } from '../../ml/models/init.js';

export interface MlpHead {
  k: number;
  d: number;
  hidden: number;
  /** [hidden, d], [hidden], [k, hidden], [k]; row-major. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export interface MlpOptions {
  hidden?: number;
  seed?: number;
  lr?: number;
  alpha?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Epochs without the validation loss falling by 1e-4 before stopping. */
  patience?: number;
  classWeights?: Float64Array | null;
  /** Called after each epoch; returning false stops (cancel). */
  onEpoch?: (e: MlpEpoch) => boolean | void;
}

export interface MlpEpoch {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface MlpFit {
  head: MlpHead;
  history: MlpEpoch[];
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Seeded uniform [0, 1): the project's mulberry32, on a stream of its own for MLP heads. */
const rng = (seed: number): (() => number) => mulberry32(seed ^ 0x6d6c7021);

/** Logits of one row into z, hidden activations into h. */
function forwardRow(m: MlpHead, x: Float32Array, o: number, h: Float64Array, z: Float64Array): void {
  const { d, hidden, k } = m;
  for (let u = 0; u < hidden; u++) {
    const wo = u * d;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < d; j += 2) {
      s0 += m.w1[wo + j] * x[o + j];
      s1 += m.w1[wo + j + 1] * x[o + j + 1];
    }
    if (j < d) s0 += m.w1[wo + j] * x[o + j];
    const a = m.b1[u] + s0 + s1;
    h[u] = a > 0 ? a : 0;
  }
  for (let c = 0; c < k; c++) {
    let s = m.b2[c];
    const wo = c * hidden;
    for (let u = 0; u < hidden; u++) s += m.w2[wo + u] * h[u];
    z[c] = s;
  }
}

/** Mean cross-entropy and accuracy of the head on `data`. */
export function mlpEvaluate(m: MlpHead, data: HeadData): { loss: number; accuracy: number } {
  const h = new Float64Array(m.hidden);
  const z = new Float64Array(m.k);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < data.n; i++) {
    forwardRow(m, data.x, i * data.d, h, z);
    const zy = z[data.y[i]];
    loss += softmaxInPlace(z, m.k) - zy;
    let best = 0;
    for (let c = 1; c < m.k; c++) if (z[c] > z[best]) best = c;
    if (best === data.y[i]) correct++;
  }
  return { loss: loss / Math.max(data.n, 1), accuracy: correct / Math.max(data.n, 1) };
}

export function mlpProbabilities(m: MlpHead, x: Float32Array, n: number): Float64Array {
  const h = new Float64Array(m.hidden);
  const z = new Float64Array(m.k);
  const out = new Float64Array(n * m.k);
  for (let i = 0; i < n; i++) {
    forwardRow(m, x, i * m.d, h, z);
    softmaxInPlace(z, m.k);
    out.set(z, i * m.k);
  }
  return out;
}

function cloneHead(m: MlpHead): MlpHead {
  return { ...m, w1: m.w1.slice(), b1: m.b1.slice(), w2: m.w2.slice(), b2: m.b2.slice() };
}

export function fitMlp(train: HeadData, val: HeadData | null, opts: MlpOptions = {}): MlpFit {
  const { d, k } = train;
  const hidden = opts.hidden ?? 128;
  const lr = opts.lr ?? 1e-3;
  const alpha = opts.alpha ?? 1e-4;
  const batchSize = opts.batchSize ?? 64;
  const maxEpochs = opts.maxEpochs ?? 200;
  const patience = opts.patience ?? 10;
  const rand = rng(opts.seed ?? 0);
  const cw = opts.classWeights ?? null;

  // He-uniform for the ReLU layer, Glorot-uniform for the output (as torch/sklearn initialise)
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * bound);
  const m: MlpHead = {
    k,
    d,
    hidden,
    w1: uniform(hidden * d, Math.sqrt(6 / d)),
    b1: new Float32Array(hidden),
    w2: uniform(k * hidden, Math.sqrt(6 / (hidden + k))),
    b2: new Float32Array(k),
  };
  const params = [m.w1, m.b1, m.w2, m.b2];
  const decays = [true, false, true, false];
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length));
  const m2 = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2] = grads;
  const h = new Float64Array(hidden);
  const z = new Float64Array(k);
  const dh = new Float64Array(hidden);
  const order = Array.from({ length: train.n }, (_, i) => i);
  let step = 0;
  let best: MlpHead = cloneHead(m);
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let since = 0;
  const history: MlpEpoch[] = [];
  let stoppedEarly = false;

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    let weightSum = 0;
    for (let s = 0; s < order.length; s += batchSize) {
      const batch = order.slice(s, s + batchSize);
      for (const g of grads) g.fill(0);
      let bw = 0;
      for (const i of batch) bw += cw ? cw[train.y[i]] : 1;
      if (bw === 0) continue;
      for (const i of batch) {
        const sw = (cw ? cw[train.y[i]] : 1) / bw;
        if (sw === 0) continue;
        const o = i * d;
        forwardRow(m, train.x, o, h, z);
        const y = train.y[i];
        const zy = z[y];
        const ce = softmaxInPlace(z, k) - zy;
        lossSum += ce * sw * bw;
        z[y] -= 1;
        dh.fill(0);
        for (let c = 0; c < k; c++) {
          const a = z[c] * sw;
          gb2[c] += a;
          const wo = c * hidden;
          for (let u = 0; u < hidden; u++) {
            gw2[wo + u] += a * h[u];
            dh[u] += a * m.w2[wo + u];
          }
        }
        for (let u = 0; u < hidden; u++) {
          if (h[u] <= 0) continue;
          const a = dh[u];
          gb1[u] += a;
          const wo = u * d;
          for (let j = 0; j < d; j++) gw1[wo + j] += a * train.x[o + j];
        }
      }
      weightSum += bw;
      // Adam, the L2 term added to the gradient (sklearn's alpha)
      step++;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let p = 0; p < params.length; p++) {
        const w = params[p];
        const g = grads[p];
        const a = m1[p];
        const v = m2[p];
        // scikit-learn: the penalty's gradient is alpha * w / (batch size)
        const decay = decays[p] ? alpha / batch.length : 0;
        for (let j = 0; j < w.length; j++) {
          const gj = g[j] + decay * w[j];
          a[j] = 0.9 * a[j] + 0.1 * gj;
          v[j] = 0.999 * v[j] + 0.001 * gj * gj;
          w[j] -= (lr * (a[j] / c1)) / (Math.sqrt(v[j] / c2) + 1e-8);
        }
      }
    }
    const trainLoss = lossSum / Math.max(weightSum, 1e-12);
    const ev = val && val.n ? mlpEvaluate(m, val) : null;
    const record: MlpEpoch = { epoch, trainLoss, valLoss: ev?.loss ?? null, valAccuracy: ev?.accuracy ?? null };
    history.push(record);
    const monitored = ev ? ev.loss : trainLoss;
    if (monitored < bestLoss - 1e-4) { // sklearn: tol 1e-4
      bestLoss = monitored;
      bestEpoch = epoch;
      best = cloneHead(m);
      since = 0;
    } else since++;
    if (opts.onEpoch?.(record) === false) break;
    if (since >= patience && epoch < maxEpochs) {
      stoppedEarly = true;
      break;
    }
  }
  return { head: best, history, bestEpoch, stoppedEarly };
}
