/**
 * Slide-level labels from tile predictions over tissue:
 * - mean: each class's mean probability over the tiles;
 * - majority: the fraction of tiles voting for each class (its most probable);
 * - topk: each class's mean over its k most probable tiles (k a count, or a fraction when < 1),
 *   for findings that occupy a small part of a slide.
 * The winner must reach `threshold`, else the slide stays unlabelled; with a positive class the
 * slide is positive as soon as that class reaches it (screening: any sizeable focus counts).
 */
import type { AggregateMethod, SlideLabel } from '../../shared/contract/analysis.js';
import { argmax } from './probs.js';

export interface AggregateOptions {
  method: AggregateMethod;
  topK: number;
  threshold: number;
  positiveClass?: string;
}

export const DEFAULT_AGGREGATE: AggregateOptions = { method: 'mean', topK: 0.1, threshold: 0 };

export function aggregate(tiles: { probs: ArrayLike<number> }[], labels: string[], opts: AggregateOptions = DEFAULT_AGGREGATE): SlideLabel {
  const k = labels.length;
  const n = tiles.length;
  if (opts.positiveClass !== undefined && !labels.includes(opts.positiveClass)) {
    throw new Error(`positive class "${opts.positiveClass}" is not one of the model's labels (${labels.join(', ')})`);
  }
  const votes = new Array<number>(k).fill(0);
  for (const t of tiles) votes[argmax(t.probs)]! += 1;
  const classFractions = Object.fromEntries(labels.map((l, c) => [l, n ? votes[c]! / n : 0]));
  let score: number[];
  if (opts.method === 'majority') score = votes.map((v) => (n ? v / n : 0));
  else if (opts.method === 'mean') {
    score = new Array<number>(k).fill(0);
    for (const t of tiles) for (let c = 0; c < k; c++) score[c]! += t.probs[c]! / n;
  } else {
    const count = Math.max(1, Math.min(n, opts.topK >= 1 ? Math.round(opts.topK) : Math.ceil(opts.topK * n)));
    score = labels.map((_, c) => {
      const p = tiles.map((t) => t.probs[c]!).sort((a, b) => b - a);
      let s = 0;
      for (let i = 0; i < count && i < p.length; i++) s += p[i]!;
      return n ? s / count : 0;
    });
  }
  let winner: number | null = n ? argmax(score) : null;
  if (winner !== null && opts.positiveClass !== undefined) {
    const pos = labels.indexOf(opts.positiveClass);
    if (score[pos]! >= opts.threshold) winner = pos;
    else {
      // Not positive: the best of the other classes, which need not reach the threshold.
      const others = score.map((s, c) => (c === pos ? -Infinity : s));
      winner = k > 1 ? argmax(others) : null;
    }
  } else if (winner !== null && score[winner]! < opts.threshold) winner = null;
  return {
    method: opts.method,
    slideLabel: winner === null ? null : labels[winner]!,
    confidence: winner === null ? (n ? Math.max(...score) : 0) : score[winner]!,
    scores: Object.fromEntries(labels.map((l, c) => [l, score[c]!])),
    classFractions,
    tissueTiles: n,
  };
}
