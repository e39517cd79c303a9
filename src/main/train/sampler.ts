/**
 * Which training images each epoch sees, in which order: a seeded shuffle, or class-balanced
 * sampling (each class equally likely, images drawn with replacement, as PyTorch's
 * WeightedRandomSampler with weights 1/class count), plus inverse-frequency loss weights.
 */
import { randInt, shuffle, streamRng } from './rng.js';

export function classCounts(labels: number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

/** n / (classes present * count): the weights that make every present class count equally; 0 for absent ones. */
export function inverseFrequencyWeights(labels: number[], numClasses: number): number[] {
  const counts = classCounts(labels, numClasses);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? labels.length / (present * c) : 0));
}

/** Indices into `labels` for one epoch (1-based epoch number); as many as there are images. */
export function epochOrder(labels: number[], epoch: number, seed: number, balanced: boolean): number[] {
  const rand = streamRng(seed, 'order', epoch);
  if (!balanced) return shuffle(labels.map((_, i) => i), rand);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  return labels.map(() => {
    const members = byClass.get(classes[randInt(rand, classes.length)])!;
    return members[randInt(rand, members.length)];
  });
}

/** Splits an epoch's order into micro-batches of `batchSize` (the last may be smaller). */
export function batches(order: number[], batchSize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}
