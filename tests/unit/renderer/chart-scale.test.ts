/** The line chart's arithmetic: round ticks, widened domains, pixel maps, nearest points and paths. */
import { describe, expect, it } from 'vitest';
import { formatTick, linePath, linearScale, nearestIndex, niceDomain, niceStep, niceTicks, stepDecimals } from '../../../src/renderer/src/charts/scale.js';

describe('chart scales', () => {
  it('picks 1, 2 or 5 times a power of ten as the tick step', () => {
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.9, 4)).toBeCloseTo(0.5, 12);
    expect(niceStep(37, 5)).toBe(10);
    expect(niceStep(3, 10)).toBeCloseTo(0.5, 12);
    expect(niceStep(0, 5)).toBe(1);
  });

  it('puts ticks on round values inside the range, without float noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.91, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1, 0, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.1, 0.3, 2)).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });

  it('keeps epoch ticks whole however few epochs there are', () => {
    expect(niceTicks(0, 2, 6, true)).toEqual([0, 1, 2]);
    expect(niceTicks(0, 100, 5, true)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 3, 10, true).every(Number.isInteger)).toBe(true);
  });

  it('widens the data range to whole ticks and gives a flat or empty range a real span', () => {
    expect(niceDomain([0.13, 0.91], 4)).toEqual([0, 1]);
    expect(niceDomain([1.07, 0.42, 0.66], 5)).toEqual([0.4, 1.2]);
    expect(niceDomain([], 5)).toEqual([0, 1]);
    const [lo, hi] = niceDomain([0.5, 0.5], 5);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(niceDomain([3], 5, { integer: true })).toEqual([2, 4]);
    expect(niceDomain([1], 5, { integer: true })).toEqual([0, 2]);
    expect(niceDomain([2, 5], 5, { includeZero: true })).toEqual([0, 5]);
    expect(niceDomain([Number.NaN, 4, Number.POSITIVE_INFINITY, 6], 2)).toEqual([4, 6]);
  });

  it('maps data to pixels and back, with the y axis growing upwards', () => {
    const x = linearScale([0, 10], [0, 200]);
    expect(x(5)).toBe(100);
    expect(x.invert(50)).toBe(2.5);
    const y = linearScale([0, 1], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(1)).toBe(0);
    expect(y.invert(25)).toBe(0.75);
    const flat = linearScale([3, 3], [0, 100]);
    expect(flat(3)).toBe(50);
    expect(flat.invert(80)).toBe(3);
  });

  it('labels ticks with as many decimals as their step needs', () => {
    expect(stepDecimals(0.25)).toBe(2);
    expect(stepDecimals(5)).toBe(0);
    expect(stepDecimals(0.1)).toBe(1);
    expect(formatTick(0.4, [0, 0.2, 0.4])).toBe('0.4');
    expect(formatTick(0.5, [0, 0.25, 0.5])).toBe('0.50');
    expect(formatTick(12000, [0, 5000, 10000])).toBe('12,000');
    expect(formatTick(0.0002, [0, 0.0001, 0.0002])).toBe('2.0e-4');
  });

  it('finds the point nearest the pointer in sorted x values', () => {
    const xs = [1, 2, 3, 5, 8];
    expect(nearestIndex(xs, 0)).toBe(0);
    expect(nearestIndex(xs, 2.4)).toBe(1);
    expect(nearestIndex(xs, 2.6)).toBe(2);
    expect(nearestIndex(xs, 6.4)).toBe(3);
    expect(nearestIndex(xs, 100)).toBe(4);
    expect(nearestIndex([], 1)).toBe(-1);
    expect(nearestIndex([7], -3)).toBe(0);
  });

  it('draws a path through the points and breaks it where a value is missing', () => {
    const id = (v: number) => v;
    expect(linePath([{ x: 0, y: 1 }, { x: 1, y: 2 }], id, id)).toBe('M0.00,1.00L1.00,2.00');
    expect(linePath([{ x: 0, y: 1 }, { x: 1, y: Number.NaN }, { x: 2, y: 3 }, { x: 3, y: 4 }], id, id)).toBe('M0.00,1.00M2.00,3.00L3.00,4.00');
    expect(linePath([], id, id)).toBe('');
  });
});
