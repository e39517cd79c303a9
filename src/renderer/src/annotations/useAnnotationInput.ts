/**
 * Mouse input for the annotation tools, through OpenSeadragon's canvas events so the wheel keeps
 * zooming and an empty-space drag keeps panning. A drag is taken over (no pan) only when it
 * draws a box or freehand outline, or grabs a selected shape or one of its handles. Every
 * position is converted to slide pixels at the moment it happens, so zooming or rotating
 * mid-drawing keeps the shape where it was drawn.
 */
import { useEffect, useRef } from 'react';
import OpenSeadragon from 'openseadragon';
import type { Geometry } from '@shared/contract/annotations';
import { movedVertex, translated, type Pt, type VertexRef } from './geometry';
import { handleAt, shapeAt } from './hitTest';
import { projectionOf, toImage, toScreen } from './projection';
import type { AnnotationEditor } from './useAnnotationEditor';

type Gesture =
  | { kind: 'draw' }
  | { kind: 'move'; id: string; start: Pt; original: Geometry }
  | { kind: 'vertex'; id: string; handle: VertexRef; original: Geometry };

/** Screen pixels: how near a handle, outline or point the pointer must be to grab it. */
const handleReach = 7;
const outlineReach = 5;
/** Clicking this close to a polygon's first corner closes it. */
const closeReach = 8;

export function useAnnotationInput(viewer: OpenSeadragon.Viewer | null, editor: AnnotationEditor, enabled: boolean) {
  const latest = useRef(editor);
  latest.current = editor;

  useEffect(() => {
    if (!viewer || !enabled) return;
    let gesture: Gesture | null = null;
    const at = (position: OpenSeadragon.Point) => toImage(viewer, position);
    const scale = () => projectionOf(viewer).scale;

    /** The selected, unlocked shape under `p` and what grabbing it there means. */
    const grab = (p: Pt): Gesture | null => {
      const ed = latest.current;
      const selected = new Set(ed.selection);
      const candidates = ed.store.annotations.filter((a) => selected.has(a.id) && !a.locked);
      const s = scale();
      for (const a of candidates) {
        const handle = handleAt(a, p, handleReach / s);
        if (handle) return { kind: 'vertex', id: a.id, handle, original: a.geometry };
      }
      const hit = shapeAt(candidates, p, outlineReach / s);
      return hit ? { kind: 'move', id: hit.id, start: p, original: hit.geometry } : null;
    };

    const onPress = (e: OpenSeadragon.CanvasPressEvent) => {
      const ed = latest.current;
      const p = at(e.position);
      gesture = null;
      if (ed.tool === 'select') {
        gesture = ed.visible ? grab(p) : null;
      } else if (ed.tool === 'rectangle' || ed.tool === 'ellipse' || ed.tool === 'freehand') {
        ed.live.current.draft = { tool: ed.tool, points: [p], square: false };
        gesture = { kind: 'draw' };
      }
    };

    const onDrag = (e: OpenSeadragon.CanvasDragEvent) => {
      if (!gesture) return;
      e.preventDefaultAction = true;
      const ed = latest.current;
      const live = ed.live.current;
      const p = at(e.position);
      if (gesture.kind === 'draw') {
        const draft = live.draft;
        if (!draft) return;
        if (draft.tool === 'freehand') {
          const last = draft.points[draft.points.length - 1];
          if (Math.hypot(p.x - last.x, p.y - last.y) * scale() >= 1) draft.points.push(p);
        } else {
          draft.points = [draft.points[0], p];
          draft.square = e.shift;
        }
      } else if (gesture.kind === 'move') {
        live.preview = { id: gesture.id, geometry: translated(gesture.original, p.x - gesture.start.x, p.y - gesture.start.y) };
      } else {
        live.preview = { id: gesture.id, geometry: movedVertex(gesture.original, gesture.handle, p) };
      }
      ed.requestDraw();
    };

    const onDragEnd = (e: OpenSeadragon.CanvasDragEvent) => {
      // Without this the drag's momentum would keep panning the slide after the shape is placed.
      if (gesture) e.preventDefaultAction = true;
    };

    const onRelease = () => {
      const g = gesture;
      gesture = null;
      if (!g) return;
      const ed = latest.current;
      if (g.kind === 'draw') {
        ed.finishDraft();
        return;
      }
      const preview = ed.live.current.preview;
      if (!preview || preview.id !== g.id) return;
      void ed.store.updateGeometry(g.id, preview.geometry).then(() => {
        // Keep drawing the dragged copy until the saved shape has replaced it, so nothing jumps back.
        const live = latest.current.live.current;
        if (live.preview === preview) live.preview = null;
        latest.current.requestDraw();
      });
    };

    const onClick = (e: OpenSeadragon.CanvasClickEvent) => {
      const ed = latest.current;
      // A click that ended a drag (a pan, a move) is not a click on the slide.
      if (!e.quick) return;
      const p = at(e.position);
      const live = ed.live.current;
      switch (ed.tool) {
        case 'select': {
          const hit = ed.visible ? shapeAt(ed.store.annotations, p, outlineReach / scale()) : null;
          if (e.shift && hit) {
            ed.setSelection(ed.selection.includes(hit.id) ? ed.selection.filter((id) => id !== hit.id) : [...ed.selection, hit.id]);
          } else if (!e.shift) {
            ed.setSelection(hit ? [hit.id] : []);
          }
          return;
        }
        case 'point':
          e.preventDefaultAction = true;
          live.draft = { tool: 'point', points: [p], square: false };
          ed.finishDraft();
          return;
        case 'polygon': {
          e.preventDefaultAction = true;
          const draft = live.draft?.tool === 'polygon' ? live.draft : null;
          if (!draft) {
            live.draft = { tool: 'polygon', points: [p], square: false };
          } else {
            const first = toScreen(projectionOf(viewer), draft.points[0].x, draft.points[0].y);
            if (draft.points.length >= 3 && Math.hypot(first.x - e.position.x, first.y - e.position.y) <= closeReach) {
              ed.finishDraft();
              return;
            }
            draft.points.push(p);
          }
          live.pointer = p;
          ed.requestDraw();
          return;
        }
        default:
          e.preventDefaultAction = true;
      }
    };

    const onDoubleClick = (e: OpenSeadragon.CanvasDoubleClickEvent) => {
      const ed = latest.current;
      if (ed.tool === 'select') return;
      // Double-click zooms when selecting; while drawing it would jump the view mid-shape.
      e.preventDefaultAction = true;
      if (ed.live.current.draft?.tool === 'polygon') ed.finishDraft();
    };

    const element = viewer.element;
    const canvas = viewer.canvas;
    const previousCursor = canvas.style.cursor;
    const onPointerMove = (e: PointerEvent) => {
      const ed = latest.current;
      const rect = element.getBoundingClientRect();
      const p = at(new OpenSeadragon.Point(e.clientX - rect.left, e.clientY - rect.top));
      const live = ed.live.current;
      live.pointer = p;
      if (live.draft?.tool === 'polygon') ed.requestDraw();
      if (ed.tool !== 'select') {
        canvas.style.cursor = 'crosshair';
      } else if (!gesture) {
        const over = ed.visible && ed.selection.length ? grab(p) : null;
        canvas.style.cursor = over?.kind === 'vertex' ? 'crosshair' : over?.kind === 'move' ? 'move' : previousCursor;
      }
    };

    viewer.addHandler('canvas-press', onPress);
    viewer.addHandler('canvas-drag', onDrag);
    viewer.addHandler('canvas-drag-end', onDragEnd);
    viewer.addHandler('canvas-release', onRelease);
    viewer.addHandler('canvas-click', onClick);
    viewer.addHandler('canvas-double-click', onDoubleClick);
    element.addEventListener('pointermove', onPointerMove);
    canvas.style.cursor = latest.current.tool === 'select' ? previousCursor : 'crosshair';
    return () => {
      viewer.removeHandler('canvas-press', onPress);
      viewer.removeHandler('canvas-drag', onDrag);
      viewer.removeHandler('canvas-drag-end', onDragEnd);
      viewer.removeHandler('canvas-release', onRelease);
      viewer.removeHandler('canvas-click', onClick);
      viewer.removeHandler('canvas-double-click', onDoubleClick);
      element.removeEventListener('pointermove', onPointerMove);
      canvas.style.cursor = previousCursor;
      const live = latest.current.live.current;
      live.draft = null;
      live.preview = null;
    };
  }, [viewer, enabled]);

  // The cursor tells which tool is on even before the pointer moves.
  useEffect(() => {
    if (viewer && enabled) viewer.canvas.style.cursor = editor.tool === 'select' ? '' : 'crosshair';
  }, [viewer, enabled, editor.tool]);
}
