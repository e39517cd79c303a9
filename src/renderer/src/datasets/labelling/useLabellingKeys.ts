/**
 * Keyboard labelling: 1–9 label the selection with a class, 0 clears the label, Enter accepts the
 * suggestion; arrows, Home/End and PageUp/PageDown move the focus (Shift extends the selection,
 * Ctrl moves without selecting), Space toggles, Ctrl+A selects every image of the view, Escape
 * clears; Ctrl+Z undoes, Ctrl+Shift+Z or Ctrl+Y redoes.
 *
 * Listens on the window so the keys work wherever the focus is on the page, except while typing
 * in a field or working in a menu or dialog, which keep their own keys.
 */
import { useEffect, useRef } from 'react';
import { isMoveKey, type MoveKey } from './gridMath';

export interface LabellingKeyActions {
  assignIndex(classIndex: number): void;
  clearLabel(): void;
  accept(): void;
  move(key: MoveKey, mode: 'select' | 'extend' | 'focus'): void;
  toggle(): void;
  selectAll(): void;
  clearSelection(): void;
  undo(): void;
  redo(): void;
}

function typingOrMenu(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return !!el.closest('input, textarea, select, [contenteditable="true"], [role="listbox"], [role="menu"], [role="dialog"], [role="slider"]');
}

export function useLabellingKeys(actions: LabellingKeyActions, enabled: boolean) {
  const ref = useRef(actions);
  ref.current = actions;

  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || typingOrMenu(e.target)) return;
      const a = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      let handled = true;
      if (mod && key === 'z') (e.shiftKey ? a.redo : a.undo)();
      else if (mod && key === 'y') a.redo();
      else if (mod && key === 'a') a.selectAll();
      else if (!mod && /^Digit[1-9]$/.test(e.code)) a.assignIndex(Number(e.code.slice(5)) - 1);
      else if (!mod && e.code === 'Digit0') a.clearLabel();
      else if (!mod && /^Numpad[1-9]$/.test(e.code)) a.assignIndex(Number(e.code.slice(6)) - 1);
      else if (!mod && e.code === 'Numpad0') a.clearLabel();
      else if (!mod && key === 'Enter') a.accept();
      else if (!mod && key === ' ') a.toggle();
      else if (key === 'Escape') a.clearSelection();
      else if (isMoveKey(key)) a.move(key, e.shiftKey ? 'extend' : mod ? 'focus' : 'select');
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
