/**
 * A windowed grid: only the rows on screen (plus a little overscan) are in the DOM, positioned
 * absolutely inside a spacer as tall as the whole list, so 100,000 cells cost what 60 do.
 * The scroll container is measured with a ResizeObserver; the column count follows its width.
 */
import { useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type ReactNode, type Ref } from 'react';
import Box from '@mui/material/Box';
import { gridGeometry, scrollToReveal, visibleRows, type GridGeometry } from './gridMath';

export interface VirtualGridHandle {
  /** Scrolls just enough to show the cell at `index`. */
  reveal(index: number): void;
  geometry(): GridGeometry;
  /** Rows that fit on screen, for PageUp/PageDown. */
  pageRows(): number;
  focus(): void;
}

const OVERSCAN = 2;

export function VirtualGrid({
  ref,
  count,
  cellWidth,
  cellHeight,
  gap,
  renderCell,
  onRangeChange,
  testId,
  label,
}: {
  ref?: Ref<VirtualGridHandle>;
  count: number;
  cellWidth: number;
  cellHeight: number;
  gap: number;
  /** The cell at a list position; the grid positions it. */
  renderCell: (index: number) => ReactNode;
  /** List positions now in the DOM, first and last inclusive. */
  onRangeChange: (first: number, last: number) => void;
  testId?: string;
  label: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [scrollTop, setScrollTop] = useState(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const g = gridGeometry(size.width, count, cellWidth, cellHeight, gap);
  const { first, last } = visibleRows(scrollTop, size.height, g, OVERSCAN);
  const firstIndex = first * g.columns;
  const lastIndex = Math.min(count - 1, (last + 1) * g.columns - 1);

  useEffect(() => {
    if (size.width > 0 && lastIndex >= firstIndex) onRangeChange(firstIndex, lastIndex);
  }, [firstIndex, lastIndex, size.width, onRangeChange]);

  useImperativeHandle(
    ref,
    () => ({
      reveal(index: number) {
        const el = scroller.current;
        if (!el || index < 0) return;
        const top = scrollToReveal(index, el.scrollTop, el.clientHeight, g, cellHeight);
        if (top !== null) el.scrollTop = top;
      },
      geometry: () => g,
      pageRows: () => Math.max(1, Math.floor(size.height / g.pitchY)),
      focus: () => scroller.current?.focus({ preventScroll: true }),
    }),
    [g, cellHeight, size.height],
  );

  const cells: ReactNode[] = [];
  for (let index = firstIndex; index <= lastIndex; index++) {
    const row = Math.floor(index / g.columns);
    const col = index % g.columns;
    cells.push(
      <div key={index} style={{ position: 'absolute', top: row * g.pitchY, left: col * g.pitchX, width: cellWidth, height: cellHeight }}>
        {renderCell(index)}
      </div>,
    );
  }

  return (
    <Box
      ref={scroller}
      role="grid"
      aria-label={label}
      aria-rowcount={g.rows}
      tabIndex={0}
      data-testid={testId}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      sx={{ height: '100%', overflowY: 'auto', overflowX: 'hidden', position: 'relative', outline: 'none', p: 0 }}
    >
      <div style={{ position: 'relative', height: Math.max(0, g.rows * g.pitchY - gap), width: '100%' }}>{cells}</div>
    </Box>
  );
}
