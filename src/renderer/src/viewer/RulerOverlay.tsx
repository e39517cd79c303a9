/**
 * The ruler: while active, a drag on the slide measures instead of panning (the wheel still
 * zooms). Endpoints are kept in level-0 slide pixels so the line stays on the tissue through
 * pan, zoom and rotation; it is re-projected to the screen on every view change.
 */
import { useEffect, useState } from 'react';
import OpenSeadragon from 'openseadragon';
import { useTheme } from '@mui/material/styles';
import { formatLength } from '../format';

interface Measure {
  a: OpenSeadragon.Point;
  b: OpenSeadragon.Point;
}

export function measureLabel(m: Measure, mpp: { x: number; y: number } | null): string {
  const dx = m.b.x - m.a.x;
  const dy = m.b.y - m.a.y;
  if (!mpp) return `${Math.round(Math.hypot(dx, dy)).toLocaleString('en-US')} px`;
  return formatLength(Math.hypot(dx * mpp.x, dy * mpp.y));
}

export function RulerOverlay({
  viewer,
  active,
  mpp,
  regionKey,
}: {
  viewer: OpenSeadragon.Viewer;
  active: boolean;
  mpp: { x: number; y: number } | null;
  /** Changes whenever the view moves; used only to trigger re-projection. */
  regionKey: string;
}) {
  const [measure, setMeasure] = useState<Measure | null>(null);
  const theme = useTheme();

  useEffect(() => {
    if (!active) {
      setMeasure(null);
      return;
    }
    let start: OpenSeadragon.Point | null = null;
    const toImage = (p: OpenSeadragon.Point) => viewer.viewport.viewerElementToImageCoordinates(p);
    const onPress = (e: OpenSeadragon.CanvasPressEvent) => {
      start = toImage(e.position);
      setMeasure({ a: start, b: start });
    };
    const onDrag = (e: OpenSeadragon.CanvasDragEvent) => {
      e.preventDefaultAction = true;
      if (start) setMeasure({ a: start, b: toImage(e.position) });
    };
    const onDragEnd = (e: OpenSeadragon.CanvasDragEvent) => {
      // Stops the "flick" that would otherwise keep panning after the drag.
      e.preventDefaultAction = true;
    };
    const onRelease = () => {
      start = null;
    };
    const onClick = (e: OpenSeadragon.CanvasClickEvent) => {
      e.preventDefaultAction = true;
    };
    viewer.addHandler('canvas-press', onPress);
    viewer.addHandler('canvas-drag', onDrag);
    viewer.addHandler('canvas-drag-end', onDragEnd);
    viewer.addHandler('canvas-release', onRelease);
    viewer.addHandler('canvas-click', onClick);
    const canvas = viewer.canvas;
    const previousCursor = canvas.style.cursor;
    canvas.style.cursor = 'crosshair';
    return () => {
      viewer.removeHandler('canvas-press', onPress);
      viewer.removeHandler('canvas-drag', onDrag);
      viewer.removeHandler('canvas-drag-end', onDragEnd);
      viewer.removeHandler('canvas-release', onRelease);
      viewer.removeHandler('canvas-click', onClick);
      canvas.style.cursor = previousCursor;
    };
  }, [viewer, active]);

  if (!active || !measure || !regionKey) return null;
  const a = viewer.viewport.imageToViewerElementCoordinates(measure.a);
  const b = viewer.viewport.imageToViewerElementCoordinates(measure.b);
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  const label = measureLabel(measure, mpp);
  const stroke = theme.palette.mode === 'dark' ? '#ffd54f' : '#1565c0';
  // Label sits beside the midpoint, nudged off the line so it never covers what is measured.
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2;

  return (
    <>
      <svg
        data-testid="ruler-overlay"
        style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none', overflow: 'visible' }}
      >
        <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke="rgba(0,0,0,0.55)" strokeWidth={4} strokeLinecap="round" />
        <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke={stroke} strokeWidth={2} strokeLinecap="round" />
        <circle cx={a.x} cy={a.y} r={4} fill={stroke} stroke="#000" strokeWidth={1} />
        <circle cx={b.x} cy={b.y} r={4} fill={stroke} stroke="#000" strokeWidth={1} />
      </svg>
      {length > 4 && (
        <div
          data-testid="ruler-length"
          style={{
            position: 'absolute',
            left: mx + 10,
            top: my - 28,
            padding: '2px 6px',
            borderRadius: 4,
            background: 'rgba(0,0,0,0.75)',
            color: '#fff',
            font: '600 13px system-ui, sans-serif',
            whiteSpace: 'nowrap',
            pointerEvents: 'none',
          }}
        >
          {label}
        </div>
      )}
    </>
  );
}
