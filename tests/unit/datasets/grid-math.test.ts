/** The labelling grid's layout and keyboard arithmetic, at the sizes the page uses. */
import { describe, expect, it } from 'vitest';
import { gridGeometry, moveIndex, scrollToReveal, visibleRows } from '../../../src/renderer/src/datasets/labelling/gridMath.js';

describe('labelling grid arithmetic', () => {
  // 128 px cells with a 22 px label strip and 8 px gaps, in an 800 x 600 viewport.
  const g = gridGeometry(800, 100_000, 128, 150, 8);

  it('fits columns to the width and rows to the count', () => {
    expect(g).toEqual({ columns: 5, rows: 20_000, pitchX: 136, pitchY: 158 });
    expect(gridGeometry(0, 10, 128, 150, 8).columns).toBe(1);
    expect(gridGeometry(128, 10, 128, 150, 8).columns).toBe(1);
    expect(gridGeometry(264, 10, 128, 150, 8).columns).toBe(2);
  });

  it('puts only the rows on screen plus the overscan in the DOM, at the top and at the very end', () => {
    expect(visibleRows(0, 600, g, 2)).toEqual({ first: 0, last: 6 });
    const end = 20_000 * 158 - 600;
    expect(visibleRows(end, 600, g, 2)).toEqual({ first: 19_994, last: 19_999 });
    expect(visibleRows(0, 600, gridGeometry(800, 0, 128, 150, 8), 2)).toEqual({ first: 0, last: -1 });
  });

  it('scrolls only as far as needed to show a cell', () => {
    expect(scrollToReveal(7, 0, 600, g, 150)).toBeNull();
    expect(scrollToReveal(20, 0, 600, g, 150)).toBe(4 * 158 + 150 - 600);
    expect(scrollToReveal(0, 500, 600, g, 150)).toBe(0);
  });

  it('moves the focus by keys, clamped, without wrapping up or down past the ends', () => {
    expect(moveIndex(-1, 'ArrowRight', 5, 12, 3)).toBe(0);
    expect(moveIndex(-1, 'End', 5, 12, 3)).toBe(11);
    expect(moveIndex(6, 'ArrowDown', 5, 12, 3)).toBe(11);
    expect(moveIndex(8, 'ArrowDown', 5, 12, 3)).toBe(8);
    expect(moveIndex(3, 'ArrowUp', 5, 12, 3)).toBe(3);
    expect(moveIndex(0, 'ArrowLeft', 5, 12, 3)).toBe(0);
    expect(moveIndex(4, 'ArrowRight', 5, 12, 3)).toBe(5);
    expect(moveIndex(11, 'PageUp', 5, 12, 3)).toBe(0);
    expect(moveIndex(2, 'PageDown', 5, 100_000, 3)).toBe(17);
    expect(moveIndex(5, 'Home', 5, 12, 3)).toBe(0);
    expect(moveIndex(0, 'ArrowRight', 5, 0, 3)).toBe(-1);
  });
});
