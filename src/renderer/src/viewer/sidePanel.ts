/**
 * The viewer's one side panel: which is open (annotations, analysis or slide information), or
 * none. Panels used to open side by side and squeeze the slide to a strip; now opening one puts
 * the other away, and the choice is remembered across slides.
 */
import { useCallback, useState } from 'react';

export type SidePanel = 'annotations' | 'analysis' | 'metadata';

export const sidePanels: readonly SidePanel[] = ['annotations', 'analysis', 'metadata'];

/** One width for every panel, so switching does not shift the slide. */
export const sidePanelWidth = 360;

const key = 'tessella.viewer.sidePanel';

function readPanel(): SidePanel | null {
  try {
    const v = localStorage.getItem(key);
    return sidePanels.includes(v as SidePanel) ? (v as SidePanel) : null;
  } catch {
    return null;
  }
}

function writePanel(p: SidePanel | null) {
  try {
    if (p) localStorage.setItem(key, p);
    else localStorage.removeItem(key);
  } catch {
    // Only a preference; losing it is harmless.
  }
}

export function useSidePanel(): { panel: SidePanel | null; show: (p: SidePanel | null) => void; toggle: (p: SidePanel) => void } {
  const [panel, setPanel] = useState<SidePanel | null>(readPanel);
  const show = useCallback((p: SidePanel | null) => {
    writePanel(p);
    setPanel(p);
  }, []);
  const toggle = useCallback(
    (p: SidePanel) =>
      setPanel((open) => {
        const next = open === p ? null : p;
        writePanel(next);
        return next;
      }),
    [],
  );
  return { panel, show, toggle };
}
