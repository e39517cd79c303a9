/**
 * The overlay canvas the shapes are painted on. It lives inside OpenSeadragon's canvas element,
 * so the navigator and controls stay on top of it and the brightness/contrast filter (applied
 * to the tile canvas only) leaves class colours true. It ignores the mouse: all input goes
 * through OpenSeadragon's events (see useAnnotationInput).
 */
import { useEffect, useMemo } from 'react';
import { createPortal } from 'react-dom';
import type OpenSeadragon from 'openseadragon';
import type { Annotation } from '@shared/contract/annotations';
import { useViewerCanvas } from '../viewer/useViewerCanvas';
import { shapeColor } from './colors';
import { paintAnnotations } from './paintAnnotations';
import type { AnnotationEditor } from './useAnnotationEditor';

export function AnnotationCanvas({ viewer, editor }: { viewer: OpenSeadragon.Viewer; editor: AnnotationEditor }) {
  const { store, selection, visible, activeClassId, live, painter } = editor;

  const classColors = useMemo(() => new Map(store.classes.map((c) => [c.id, c.color])), [store.classes]);
  // The painter is the latest render's, so data changes need no re-subscription; the editor
  // asks for a repaint (through `painter`) when the shapes or the live draft change.
  const { canvas, draw } = useViewerCanvas(viewer, (ctx, p, width, height, dpr) => {
    const colorOf = (a: Annotation) => shapeColor(a, classColors);
    paintAnnotations(ctx, p, width, height, dpr, {
      annotations: store.annotations,
      colorOf,
      selected: new Set(selection),
      visible,
      live: live.current,
      draftColor: shapeColor({ color: null, classId: activeClassId }, classColors),
    });
  });
  useEffect(() => {
    painter.current = draw;
    return () => {
      if (painter.current === draw) painter.current = null;
    };
  }, [painter, draw]);

  return createPortal(
    <canvas
      ref={canvas}
      data-testid="annotation-canvas"
      style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }}
    />,
    viewer.canvas,
  );
}
