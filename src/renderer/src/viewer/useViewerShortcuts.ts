import { useEffect, useRef } from 'react';
import { commandForKey, type ViewerCommand } from './shortcuts';

/** Keys aimed at a form control (text field, slider, checkbox) belong to that control. */
export function isForControl(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, textarea, select, .MuiPopover-root, .MuiMenu-root') !== null;
}

/**
 * Window-level keys for the viewer, so they work without first clicking the slide. Ignored while
 * a form control has focus, and while any dialog is open (its own keys win there).
 */
export function useViewerShortcuts(run: (command: ViewerCommand) => void) {
  const latest = useRef(run);
  latest.current = run;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isForControl(e.target)) return;
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
