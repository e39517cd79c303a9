/**
 * Random streams for training. Every stream is seeded from the run's seed and a name (the epoch,
 * the image's position in it), never from a generator that runs on: an epoch then draws the same
 * numbers whether the run went straight through or was resumed before it.
 */
import { fnv1a32, mulberry32 } from '../ml/models/init.js';

export type Rand = () => number;

export function streamRng(seed: number, ...keys: (string | number)[]): Rand {
  return mulberry32(fnv1a32(`${seed}:train:${keys.join(':')}`));
}

export function uniform(rand: Rand, low: number, high: number): number {
  return low + (high - low) * rand();
}

/** An integer in [0, n). */
export function randInt(rand: Rand, n: number): number {
  return Math.min(n - 1, Math.floor(rand() * n));
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], rand: Rand): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rand, i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
