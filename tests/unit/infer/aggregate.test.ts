/** Slide labels from tile probabilities: mean, majority and top-k, thresholds and a positive class. */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/main/analysis/aggregate';

const labels = ['benign', 'tumour'];
// 10 tiles: 8 clearly benign, 2 strongly tumour (a small focus).
const tiles = [...Array.from({ length: 8 }, () => ({ probs: [0.9, 0.1] })), { probs: [0.05, 0.95] }, { probs: [0.15, 0.85] }];

describe('aggregate', () => {
  it('mean: each class’s mean probability; the largest wins', () => {
    const r = aggregate(tiles, labels, { method: 'mean', topK: 0.1, threshold: 0 });
    expect(r.scores.benign).toBeCloseTo((8 * 0.9 + 0.05 + 0.15) / 10, 12);
    expect(r.scores.tumour).toBeCloseTo((8 * 0.1 + 0.95 + 0.85) / 10, 12);
    expect(r).toMatchObject({ slideLabel: 'benign', tissueTiles: 10, classFractions: { benign: 0.8, tumour: 0.2 } });
    expect(r.confidence).toBe(r.scores.benign);
  });

  it('majority: vote fractions', () => {
    expect(aggregate(tiles, labels, { method: 'majority', topK: 0.1, threshold: 0 })).toMatchObject({ slideLabel: 'benign', confidence: 0.8, scores: { benign: 0.8, tumour: 0.2 } });
  });

  it('topk: the mean of each class’s k most probable tiles finds a small focus', () => {
    const r = aggregate(tiles, labels, { method: 'topk', topK: 2, threshold: 0 });
    expect(r.scores.tumour).toBeCloseTo(0.9, 12); // (0.95 + 0.85) / 2
    expect(r.scores.benign).toBeCloseTo(0.9, 12);
    // As a fraction: 10% of 10 tiles = the single best.
    const f = aggregate(tiles, labels, { method: 'topk', topK: 0.1, threshold: 0 });
    expect(f.scores.tumour).toBeCloseTo(0.95, 12);
    expect(f.slideLabel).toBe('tumour');
  });

  it('threshold: below it the slide stays unlabelled; a positive class wins once it reaches it', () => {
    expect(aggregate(tiles, labels, { method: 'mean', topK: 0.1, threshold: 0.9 })).toMatchObject({ slideLabel: null });
    expect(aggregate(tiles, labels, { method: 'majority', topK: 0.1, threshold: 0.15, positiveClass: 'tumour' }).slideLabel).toBe('tumour');
    expect(aggregate(tiles, labels, { method: 'majority', topK: 0.1, threshold: 0.25, positiveClass: 'tumour' }).slideLabel).toBe('benign');
    expect(() => aggregate(tiles, labels, { method: 'mean', topK: 0.1, threshold: 0, positiveClass: 'zebra' })).toThrow(/not one of the model's labels/);
  });

  it('no tissue tiles: no label', () => {
    expect(aggregate([], labels)).toMatchObject({ slideLabel: null, confidence: 0, tissueTiles: 0, classFractions: { benign: 0, tumour: 0 } });
  });
});
