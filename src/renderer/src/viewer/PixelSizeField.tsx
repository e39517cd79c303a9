/**
 * The metadata panel's pixel size: what it is and where it comes from, with a way to type one in
 * (a file with none, or a wrong one) and to go back to the file's. The viewer follows through the
 * library's `slides.changed` event, so the scale bar and ruler change without a reload.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import type { SlideDetail } from '@shared/api';
import { api, errorMessage } from '../api';
import { formatPixelSize } from '../format';

export function PixelSizeField({ slide }: { slide: SlideDetail }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && value >= 0.01 && value <= 100;

  const save = async (mpp: number | null) => {
    setBusy(true);
    setError(null);
    try {
      await api.call('slides.setMpp', { id: slide.id, mpp });
      setEditing(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    // The summary table breaks long paths anywhere; buttons and numbers here should not be.
    <Box data-testid="metadata-pixel-size" data-mpp-source={slide.mppSource ?? ''} sx={{ wordBreak: 'normal' }}>
      <span data-testid="metadata-pixel-size-text">{formatPixelSize(slide) ?? 'Not recorded'}</span>
      {!editing && (
        <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mt: 0.5, '& .MuiButton-root': { whiteSpace: 'nowrap', px: 1, minWidth: 0 } }}>
          <Button
            size="small"
            onClick={() => {
              setText(slide.mpp ? String(+slide.mpp.x.toPrecision(4)) : '');
              setEditing(true);
            }}
            data-testid="metadata-mpp-edit"
          >
            {slide.mpp ? 'Change' : 'Set pixel size'}
          </Button>
          {slide.mppSource === 'user' && (
            <Button size="small" onClick={() => void save(null)} disabled={busy} data-testid="metadata-mpp-clear" title="Forget the typed-in value; the file's pixel size applies again, if it has one">
              Forget it
            </Button>
          )}
        </Box>
      )}
      {editing && (
        <Box
          component="form"
          sx={{ display: 'flex', gap: 1, mt: 0.5 }}
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) void save(value);
          }}
        >
          <TextField
            size="small"
            label="µm / pixel"
            value={text}
            autoFocus
            onChange={(e) => setText(e.target.value)}
            error={text.trim() !== '' && !valid}
            slotProps={{ htmlInput: { 'data-testid': 'metadata-mpp-input', inputMode: 'decimal' } }}
            sx={{ flex: 1 }}
          />
          <Button type="submit" variant="outlined" size="small" disabled={!valid || busy} data-testid="metadata-mpp-set">
            Set
          </Button>
          <Button size="small" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </Box>
      )}
      {error && <Box sx={{ mt: 0.5, color: 'error.main' }}>{error}</Box>}
    </Box>
  );
}
