/**
 * The slide's shapes, one row each (class, type, area); a click selects the shape and brings it
 * into view. Only the rows in sight are rendered, so a slide with thousands of imported cells
 * scrolls as easily as one with three regions.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { Annotation } from '@shared/contract/annotations';
import { shapeArea, shapeType } from './describe';

const rowHeight = 34;
const overscan = 8;

const ItemRow = memo(function ItemRow({
  a,
  color,
  area,
  selected,
  top,
  onPick,
}: {
  a: Annotation;
  color: string;
  area: string | null;
  selected: boolean;
  top: number;
  onPick: (a: Annotation, add: boolean) => void;
}) {
  return (
    <Box
      data-testid="annotation-item"
      data-annotation-id={a.id}
      aria-selected={selected}
      role="option"
      onClick={(e) => onPick(a, e.shiftKey)}
      sx={{
        position: 'absolute',
        top,
        left: 0,
        right: 0,
        height: rowHeight,
        display: 'flex',
        alignItems: 'center',
        gap: 1,
        px: 1.5,
        cursor: 'pointer',
        bgcolor: selected ? 'action.selected' : undefined,
        '&:hover': { bgcolor: selected ? 'action.selected' : 'action.hover' },
      }}
    >
      <Box sx={{ width: 10, height: 10, borderRadius: '50%', bgcolor: color, flexShrink: 0, border: 1, borderColor: 'rgba(0,0,0,0.4)' }} />
      <Box sx={{ minWidth: 0, flex: 1 }}>
        <Typography variant="body2" noWrap sx={{ lineHeight: 1.25, fontStyle: a.className ? undefined : 'italic' }} data-testid="annotation-item-class">
          {a.name ? `${a.name} · ` : ''}
          {a.className ?? 'Unclassified'}
        </Typography>
        <Typography variant="caption" color="text.secondary" noWrap component="div" sx={{ lineHeight: 1.2 }}>
          {shapeType(a)}
          {area ? ` · ${area}` : ''}
        </Typography>
      </Box>
    </Box>
  );
});

export function AnnotationList({
  annotations,
  colorOf,
  selection,
  mpp,
  onPick,
}: {
  annotations: readonly Annotation[];
  colorOf: (a: Annotation) => string;
  selection: readonly string[];
  mpp: { x: number; y: number } | null;
  onPick: (a: Annotation, add: boolean) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(400);
  const selected = useMemo(() => new Set(selection), [selection]);
  const areas = useMemo(() => new Map(annotations.map((a) => [a.id, shapeArea(a, mpp)])), [annotations, mpp]);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Keep the selected row in sight when the selection was made on the slide.
  useEffect(() => {
    const element = scroller.current;
    if (!element || selection.length !== 1) return;
    const index = annotations.findIndex((a) => a.id === selection[0]);
    if (index < 0) return;
    const top = index * rowHeight;
    if (top < element.scrollTop || top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = top - element.clientHeight / 2 + rowHeight / 2;
    }
  }, [selection, annotations]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(annotations.length, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);

  return (
    <Box
      ref={scroller}
      data-testid="annotation-list"
      role="listbox"
      aria-label="Shapes on this slide"
      aria-multiselectable
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      sx={{ flex: 1, minHeight: 0, overflowY: 'auto', position: 'relative' }}
    >
      {annotations.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ px: 2, py: 1 }}>
          No shapes yet. Pick a drawing tool on the left of the slide, or import a QuPath GeoJSON file.
        </Typography>
      ) : (
        <Box sx={{ height: annotations.length * rowHeight, position: 'relative' }}>
          {annotations.slice(first, last).map((a, i) => (
            <ItemRow
              key={a.id}
              a={a}
              color={colorOf(a)}
              area={areas.get(a.id) ?? null}
              selected={selected.has(a.id)}
              top={(first + i) * rowHeight}
              onPick={onPick}
            />
          ))}
        </Box>
      )}
    </Box>
  );
}
