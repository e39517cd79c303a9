/**
 * Everything the viewer's annotation pieces share: the server-backed store, the chosen tool and
 * class, the selection, and the fast-changing drawing state (draft, dragged shape, pointer) that
 * lives in a ref so mouse moves repaint the canvas without re-rendering React.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type OpenSeadragon from 'openseadragon';
import type { Geometry } from '@shared/contract/annotations';
import { draftGeometry, type Draft } from './drafts';
import type { Pt } from './geometry';
import { projectionOf } from './projection';
import type { Tool } from './tools';
import { useAnnotationStore, type AnnotationStore } from './useAnnotationStore';

export interface LiveState {
  draft: Draft | null;
  /** The pointer over the slide, in slide pixels: the polygon's rubber band follows it. */
  pointer: Pt | null;
  /** A shape being moved or reshaped, drawn in place of its stored geometry until saved. */
  preview: { id: string; geometry: Geometry } | null;
}

export interface AnnotationEditor {
  store: AnnotationStore;
  tool: Tool;
  setTool: (tool: Tool) => void;
  /** Class given to new shapes; null draws unclassified ones. */
  activeClassId: number | null;
  setActiveClassId: (id: number | null) => void;
  /** Ids of selected shapes that still exist. */
  selection: string[];
  setSelection: (ids: string[]) => void;
  visible: boolean;
  setVisible: (visible: boolean) => void;
  live: RefObject<LiveState>;
  /** Repaint the overlay on the next frame (the canvas installs the painter). */
  requestDraw: () => void;
  painter: RefObject<(() => void) | null>;
  /** Sends the draft as a new shape if it is one; true when there was a draft. */
  finishDraft: () => boolean;
  /** Drops the draft; true when there was one (so Esc has been used up). */
  cancelDraft: () => boolean;
  /** Polygon drafting: takes back the last corner; true when there was one. */
  undoCorner: () => boolean;
  deleteSelection: () => void;
}

const activeClassKey = 'tessella.annotations.activeClass';

function readActiveClass(): number | null {
  try {
    const v = Number(localStorage.getItem(activeClassKey));
    return Number.isInteger(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

export function useAnnotationEditor(slideId: number, viewer: OpenSeadragon.Viewer | null): AnnotationEditor {
  const store = useAnnotationStore(slideId);
  const [tool, setToolState] = useState<Tool>('select');
  const [activeClassId, setActiveClassState] = useState<number | null>(readActiveClass);
  const [selectionState, setSelection] = useState<string[]>([]);
  const [visible, setVisible] = useState(true);
  const live = useRef<LiveState>({ draft: null, pointer: null, preview: null });
  const painter = useRef<(() => void) | null>(null);
  const frame = useRef(0);

  const requestDraw = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      painter.current?.();
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const { annotations, classes, create, remove } = store;
  const selection = useMemo(() => {
    if (!selectionState.length) return selectionState;
    const ids = new Set(annotations.map((a) => a.id));
    const kept = selectionState.filter((id) => ids.has(id));
    return kept.length === selectionState.length ? selectionState : kept;
  }, [annotations, selectionState]);

  // A class deleted or never loaded must not be sent with new shapes.
  const activeClass = classes.some((c) => c.id === activeClassId) ? activeClassId : null;
  const setActiveClassId = useCallback((id: number | null) => {
    setActiveClassState(id);
    try {
      localStorage.setItem(activeClassKey, id === null ? '' : String(id));
    } catch {
      // Only a preference.
    }
  }, []);

  const cancelDraft = useCallback(() => {
    if (!live.current.draft) return false;
    live.current.draft = null;
    requestDraw();
    return true;
  }, [requestDraw]);

  const setTool = useCallback(
    (next: Tool) => {
      cancelDraft();
      setToolState(next);
      // A shape drawn while shapes are hidden would vanish as it is finished.
      if (next !== 'select') setVisible(true);
    },
    [cancelDraft],
  );

  const finishDraft = useCallback(() => {
    const draft = live.current.draft;
    if (!draft) return false;
    live.current.draft = null;
    requestDraw();
    const geometry = viewer ? draftGeometry(draft, projectionOf(viewer).scale) : null;
    if (geometry) {
      void create(geometry, activeClass).then((a) => {
        if (a) setSelection([a.id]);
      });
    }
    return true;
  }, [viewer, create, activeClass, requestDraw]);

  const undoCorner = useCallback(() => {
    const draft = live.current.draft;
    if (draft?.tool !== 'polygon' || !draft.points.length) return false;
    draft.points.pop();
    if (!draft.points.length) live.current.draft = null;
    requestDraw();
    return true;
  }, [requestDraw]);

  const deleteSelection = useCallback(() => {
    if (!selection.length) return;
    const ids = selection;
    setSelection([]);
    void remove(ids);
  }, [selection, remove]);

  useEffect(requestDraw, [requestDraw, annotations, classes, selection, visible]);

  return {
    store,
    tool,
    setTool,
    activeClassId: activeClass,
    setActiveClassId,
    selection,
    setSelection,
    visible,
    setVisible,
    live,
    requestDraw,
    painter,
    finishDraft,
    cancelDraft,
    undoCorner,
    deleteSelection,
  };
}
