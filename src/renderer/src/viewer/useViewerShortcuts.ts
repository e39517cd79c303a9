import { useEffect, useRef } from 'react';
import { commandForKey, type ViewerCommand } from './shortcuts';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Sliders and checkboxes take no text, so the shortcuts stay live while one has focus.
  const type = (target as HTMLInputElement).type;
  return !['range', 'checkbox', 'radio', 'button'].includes(type);
}

/**
 * Window-level keys for the viewer, so they work without first clicking the slide. Ignored while
 * the user types, and while any dialog is open (its own keys win there).
 */
export function useViewerShortcuts(run: (command: ViewerCommand) => void) {
  const latest = useRef(run);
  latest.current = run;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector('.MuiDialog-root')) return;
      const command = commandForKey(e);
      if (!command) return;
      e.preventDefault();
      latest.current(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
