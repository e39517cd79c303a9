/**
 * Annotation keys. Listens in the capture phase, ahead of the viewer's own window handler, so
 * that a key it uses (1 while the panel is open or shapes are selected, Esc while drawing) is consumed here and the
 * viewer's meaning does not also fire; keys it does not use pass through untouched.
 */
import { useEffect, useRef } from 'react';
import type OpenSeadragon from 'openseadragon';
import { isForControl } from '../viewer/useViewerShortcuts';
import { annotationKeys, panelKey, visibilityKey } from './shortcuts';
import { tools, type Tool } from './tools';
import type { AnnotationEditor } from './useAnnotationEditor';

export interface AnnotationKeyOptions {
  panelOpen: boolean;
  togglePanel: () => void;
  /** Picks a tool the way the toolbar does (leaving the ruler, say). */
  chooseTool: (tool: Tool) => void;
}

export function useAnnotationKeys(viewer: OpenSeadragon.Viewer | null, editor: AnnotationEditor, options: AnnotationKeyOptions) {
  const latest = useRef({ editor, options });
  latest.current = { editor, options };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isForControl(e.target) || document.querySelector('.MuiDialog-root')) return;
      const { editor: ed, options: opt } = latest.current;
      const consume = () => {
        e.preventDefault();
        e.stopPropagation();
      };
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;

      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        if (key === 'z' || key === 'y') {
          consume();
          const redo = key === 'y' || e.shiftKey;
          // Mid-polygon, undo means the last corner, not the shape drawn before.
          if (!redo && ed.undoCorner()) return;
          void (redo ? ed.store.redo() : ed.store.undo());
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;

      switch (key) {
        case 'Escape':
          if (ed.cancelDraft()) return consume();
          if (ed.selection.length) {
            ed.setSelection([]);
            return consume();
          }
          return;
        case 'Enter':
          if (ed.live.current.draft?.tool === 'polygon') {
            ed.finishDraft();
            consume();
          }
          return;
        case 'Backspace':
        case 'Delete':
          if (key === 'Backspace' && ed.undoCorner()) return consume();
          if (ed.selection.length) {
            ed.deleteSelection();
            consume();
          }
          return;
        case panelKey:
          opt.togglePanel();
          return consume();
        case visibilityKey:
          ed.setVisible(!ed.visible);
          return consume();
      }
      const tool = tools.find((t) => t.key === key);
      if (tool) {
        opt.chooseTool(tool.tool);
        return consume();
      }
      // As in QuPath, a number classifies what is selected (and what is drawn next). With shapes
      // selected or the panel open every digit is a class key, even past the last class, so 1
      // never zooms to full resolution by surprise there; otherwise 1 stays the viewer's 1:1.
      if (/^[1-9]$/.test(key) && (opt.panelOpen || ed.selection.length > 0)) {
        consume();
        const c = ed.store.classes[Number(key) - 1];
        if (!c) return;
        ed.setActiveClassId(c.id);
        if (ed.selection.length) void ed.store.assignClass(ed.selection, c.id);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  useEffect(() => {
    if (!viewer) return;
    // OpenSeadragon's own keys act when the slide has focus; its A (pan left) is one of ours.
    const onCanvasKey = (e: OpenSeadragon.CanvasKeyEvent) => {
      const key = (e.originalEvent as KeyboardEvent).key.toLowerCase();
      if (annotationKeys.has(key)) e.preventDefaultAction = true;
    };
    viewer.addHandler('canvas-key', onCanvasKey);
    return () => {
      viewer.removeHandler('canvas-key', onCanvasKey);
    };
  }, [viewer]);
}
