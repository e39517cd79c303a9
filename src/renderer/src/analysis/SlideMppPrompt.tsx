/** Asks for a slide's µm per pixel when the file records none, and stores it (analysis.setSlideMpp). */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import { api, errorMessage } from '../api';

export function SlideMppPrompt({ slideId, onSet }: { slideId: number; onSet: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const value = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(value) && value >= 0.01 && value <= 100;

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await api.call('analysis.setSlideMpp', { slideId, mpp: value });
      onSet();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Alert severity="warning" sx={{ mt: 1.5 }} data-testid="analysis-needs-mpp">
      This slide records no pixel size (µm per pixel), so tiles cannot be taken at a physical resolution. Enter it; it is remembered for this slide (a 20×
      scan is usually about 0.5, a 40× scan about 0.25).
      <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
        <TextField
          size="small"
          label="Slide µm / pixel"
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={text.trim() !== '' && !valid}
          slotProps={{ htmlInput: { 'data-testid': 'analysis-slide-mpp', inputMode: 'decimal' } }}
          sx={{ flex: 1 }}
        />
        <Button variant="outlined" onClick={save} disabled={!valid || saving} data-testid="analysis-slide-mpp-set">
          Set
        </Button>
      </Box>
      {error && <Box sx={{ mt: 1, color: 'error.main' }}>{error}</Box>}
    </Alert>
  );
}
