/**
 * A class colour that opens the system colour picker when editable. The change is sent once the
 * picker is closed (the DOM `change` event), not for every colour the pointer passes over.
 */
import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';

export function ColorSwatch({ color, onChange, label }: { color: string; onChange?: (color: string) => void; label: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [shown, setShown] = useState(color);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => setShown(color), [color]);
  const editable = onChange !== undefined;

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    const commit = () => {
      latest.current?.(element.value);
      // Hand the keyboard back to the viewer: shortcuts are ignored while a form control has focus.
      element.blur();
    };
    element.addEventListener('change', commit);
    return () => element.removeEventListener('change', commit);
  }, [editable]);

  const swatch = { width: 16, height: 16, borderRadius: 0.5, border: 1, borderColor: 'rgba(0,0,0,0.4)', bgcolor: shown, flexShrink: 0 } as const;
  if (!editable) return <Box sx={swatch} aria-label={label} />;
  return (
    <Box component="label" sx={{ ...swatch, cursor: 'pointer', position: 'relative' }} title={label} onClick={(e) => e.stopPropagation()}>
      <input
        ref={input}
        type="color"
        value={shown}
        aria-label={label}
        // React's onChange follows every pointer move inside the picker: only preview here.
        onChange={(e) => setShown(e.target.value)}
        style={{ position: 'absolute', inset: 0, opacity: 0, width: '100%', height: '100%', cursor: 'pointer', border: 0, padding: 0 }}
      />
    </Box>
  );
}
