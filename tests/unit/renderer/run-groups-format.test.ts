/** The Runs page's cross-validation table and the comparison's test rows: how mean ± sd and test metrics read. */
import { describe, expect, it } from 'vitest';
import { bestColumns } from '../../../src/renderer/src/runs/compareRows.js';
import { formatMeanSd } from '../../../src/renderer/src/runs/meanSd.js';

describe('mean ± sd and test-split rows', () => {
  it('formats fractions as percentages and losses and ECE as numbers, the mean alone for one fold', () => {
    expect(formatMeanSd('test_accuracy', { mean: 0.8333, sd: 0.0412, n: 5 })).toBe('83.3% ± 4.1%');
    expect(formatMeanSd('test_ece', { mean: 0.1234, sd: 0.01, n: 5 })).toBe('0.1234 ± 0.0100');
    expect(formatMeanSd('val_loss', { mean: 0.5, sd: null, n: 1 })).toBe('0.5000');
    expect(formatMeanSd('test_auc', undefined)).toBe('—');
    expect(formatMeanSd('test_auc', { mean: Number.NaN, sd: null, n: 0 })).toBe('—');
  });

  it('marks the lowest test log loss and ECE, the highest test accuracy', () => {
    expect([...bestColumns([0.4, 0.3, null], 'test_logLoss')]).toEqual([1]);
    expect([...bestColumns([0.05, 0.08], 'test_ece')]).toEqual([0]);
    expect([...bestColumns([0.7, 0.9], 'test_accuracy')]).toEqual([1]);
  });
});
