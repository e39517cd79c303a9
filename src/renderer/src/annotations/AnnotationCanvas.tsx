/**
 * The overlay canvas the shapes are painted on. It lives inside OpenSeadragon's canvas element,
 * so the navigator and controls stay on top of it and the brightness/contrast filter (applied
 * to the tile canvas only) leaves class colours true. It ignores the mouse: all input goes
 * through OpenSeadragon's events (see useAnnotationInput).
 */
import { useEffect, useMemo, useRef } from 'react';
import { createPortal } from 'react-dom';
import type OpenSeadragon from 'openseadragon';
import type { Annotation } from '@shared/contract/annotations';
import { shapeColor } from './colors';
import { paintAnnotations } from './paintAnnotations';
import { projectionOf } from './projection';
import type { AnnotationEditor } from './useAnnotationEditor';

export function AnnotationCanvas({ viewer, editor }: { viewer: OpenSeadragon.Viewer; editor: AnnotationEditor }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { store, selection, visible, activeClassId, live, painter, requestDraw } = editor;

  const classColors = useMemo(() => new Map(store.classes.map((c) => [c.id, c.color])), [store.classes]);
  const scene = useRef({ annotations: store.annotations, classColors, selection, visible, activeClassId });
  scene.current = { annotations: store.annotations, classColors, selection, visible, activeClassId };

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    const colorOf = (a: Annotation) => shapeColor(a, scene.current.classColors);

    const paint = () => {
      if (!viewer.world.getItemAt(0)) return;
      const width = element.clientWidth;
      const height = element.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(width * dpr);
      const h = Math.round(height * dpr);
      if (element.width !== w || element.height !== h) {
        element.width = w;
        element.height = h;
      }
      const s = scene.current;
      paintAnnotations(ctx, projectionOf(viewer), width, height, dpr, {
        annotations: s.annotations,
        colorOf,
        selected: new Set(s.selection),
        visible: s.visible,
        live: live.current,
        draftColor: shapeColor({ color: null, classId: s.activeClassId }, s.classColors),
      });
    };
    painter.current = paint;
    // OpenSeadragon raises update-viewport right after it draws the tiles of a frame; painting in
    // the same handler keeps shapes glued to the tissue while it animates.
    const events = ['update-viewport', 'open', 'resize', 'rotate'] as const;
    for (const name of events) viewer.addHandler(name, paint);
    const resize = new ResizeObserver(() => requestDraw());
    resize.observe(element);
    paint();
    return () => {
      for (const name of events) viewer.removeHandler(name, paint);
      resize.disconnect();
      if (painter.current === paint) painter.current = null;
    };
    // The scene is read through a ref on every paint, so data changes need no re-subscription.
  }, [viewer, live, painter, requestDraw]);

  return createPortal(
    <canvas
      ref={canvas}
      data-testid="annotation-canvas"
      style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }}
    />,
    viewer.canvas,
  );
}
