/** Learning-rate schedules, the epoch sampler and class weights. */
import { describe, expect, it } from 'vitest';
import { batches, classCounts, epochOrder, inverseFrequencyWeights } from '../../../src/main/train/sampler.js';
import { learningRate, type ScheduleSpec } from '../../../src/main/train/schedules.js';

describe('learning-rate schedule', () => {
  const base: ScheduleSpec = { baseLr: 1, warmupSteps: 4, totalSteps: 14, decay: 'cosine', minLrRatio: 0.1 };

  it('warms up linearly from lr/warmup to lr', () => {
    expect([0, 1, 2, 3].map((s) => learningRate(s, base))).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('decays by cosine from lr right after warmup to min at the last step', () => {
    expect(learningRate(4, base)).toBeCloseTo(1, 12);
    expect(learningRate(13, base)).toBeCloseTo(0.1, 12);
    // halfway through the 10 decay steps (progress 4.5 / 9): cosine at pi/2 -> the midpoint
    expect(learningRate(4 + 4.5, base)).toBeCloseTo(0.55, 12);
    const seq = Array.from({ length: 10 }, (_, i) => learningRate(4 + i, base));
    expect(seq.every((v, i) => i === 0 || v < seq[i - 1])).toBe(true);
  });

  it('decays linearly, or not at all', () => {
    const lin = { ...base, decay: 'linear' as const };
    expect(learningRate(4, lin)).toBeCloseTo(1, 12);
    expect(learningRate(13, lin)).toBeCloseTo(0.1, 12);
    expect(learningRate(4 + 3, lin)).toBeCloseTo(1 - 0.9 / 3, 12);
    expect(learningRate(10, { ...base, decay: 'constant' })).toBe(1);
    expect(learningRate(0, { ...base, warmupSteps: 0, decay: 'constant' })).toBe(1);
  });
});

describe('sampler', () => {
  const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]; // 8 : 1 : 1

  it('shuffles every image once per epoch, the same way for the same seed and epoch', () => {
    const a = epochOrder(labels, 3, 42, false);
    expect([...a].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(epochOrder(labels, 3, 42, false)).toEqual(a);
    expect(epochOrder(labels, 4, 42, false)).not.toEqual(a);
    expect(epochOrder(labels, 3, 43, false)).not.toEqual(a);
  });

  it('balanced sampling draws every class about equally often', () => {
    const counts = [0, 0, 0];
    for (let e = 1; e <= 300; e++) for (const i of epochOrder(labels, e, 1, true)) counts[labels[i]]++;
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBe(3000);
    for (const c of counts) expect(Math.abs(c / total - 1 / 3)).toBeLessThan(0.03);
  });

  it('inverse-frequency weights make every present class weigh the same', () => {
    expect(classCounts(labels, 4)).toEqual([8, 1, 1, 0]);
    const w = inverseFrequencyWeights(labels, 4);
    expect(w).toEqual([10 / 24, 10 / 3, 10 / 3, 0]);
    const perClass = [0, 1, 2].map((c) => labels.filter((l) => l === c).length * w[c]);
    expect(perClass[0]).toBeCloseTo(perClass[1], 12);
    expect(perClass[1]).toBeCloseTo(perClass[2], 12);
  });

  it('cuts an order into batches, the last one shorter', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
