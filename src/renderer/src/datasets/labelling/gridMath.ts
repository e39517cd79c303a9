/**
 * The arithmetic of the windowed grid, kept apart from React so it reads (and can be checked) on
 * its own: how many columns fit, which rows are on screen, where a key moves the focus.
 */

export interface GridGeometry {
  columns: number;
  rows: number;
  /** Cell plus gap, in px. */
  pitchX: number;
  pitchY: number;
}

export function gridGeometry(width: number, count: number, cellWidth: number, cellHeight: number, gap: number): GridGeometry {
  const pitchX = cellWidth + gap;
  const columns = Math.max(1, Math.floor((width + gap) / pitchX));
  return { columns, rows: Math.ceil(count / columns), pitchX, pitchY: cellHeight + gap };
}

/** First and last row (inclusive) to put in the DOM: those on screen plus `overscan` either side. */
export function visibleRows(scrollTop: number, viewportHeight: number, g: GridGeometry, overscan: number): { first: number; last: number } {
  if (g.rows === 0) return { first: 0, last: -1 };
  const first = Math.max(0, Math.floor(scrollTop / g.pitchY) - overscan);
  const last = Math.min(g.rows - 1, Math.ceil((scrollTop + viewportHeight) / g.pitchY) + overscan);
  return { first, last };
}

/** The scrollTop that brings `index`'s row fully into view, or null if it already is. */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, g: GridGeometry, cellHeight: number): number | null {
  const top = Math.floor(index / g.columns) * g.pitchY;
  if (top < scrollTop) return top;
  if (top + cellHeight > scrollTop + viewportHeight) return top + cellHeight - viewportHeight;
  return null;
}

export type MoveKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isMoveKey(key: string): key is MoveKey {
  return ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'].includes(key);
}

/** Where the focus goes from `index` (-1: none yet) on a key, clamped to the list. */
export function moveIndex(index: number, key: MoveKey, columns: number, count: number, pageRows: number): number {
  if (count === 0) return -1;
  if (index < 0) return key === 'End' ? count - 1 : 0;
  const step: Record<MoveKey, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
    PageUp: -columns * Math.max(1, pageRows),
    PageDown: columns * Math.max(1, pageRows),
    Home: -Infinity,
    End: Infinity,
  };
  const next = index + step[key];
  // Up/down past the ends stay in place rather than jumping sideways to the first/last cell.
  if ((key === 'ArrowUp' || key === 'ArrowDown') && (next < 0 || next >= count)) return index;
  return Math.min(count - 1, Math.max(0, next));
}
