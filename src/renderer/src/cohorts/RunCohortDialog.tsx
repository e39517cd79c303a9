/**
 * Starts a cohort on this machine: slides (one path a line), a model, the tile resolution and the
 * cohort folder. The call returns once the cohort is set up (slides hashed, model prepared); the
 * slides then run in the background and the page follows them.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { api, errorMessage } from '../api';
import { newJobId } from '../datasets/useJobProgress';

export interface StartedRun {
  jobId: string;
  dir: string;
  todo: number;
}

export function RunCohortDialog({ open, onClose }: { open: boolean; onClose: (started: StartedRun | null) => void }) {
  const [slides, setSlides] = useState('');
  const [model, setModel] = useState('');
  const [mpp, setMpp] = useState('');
  const [out, setOut] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const paths = slides.split('\n').map((l) => l.trim()).filter(Boolean);
  const mppValue = mpp.trim() === '' ? undefined : Number(mpp);
  const mppOk = mppValue === undefined || (Number.isFinite(mppValue) && mppValue > 0);
  const ready = paths.length > 0 && model.trim() !== '' && out.trim() !== '' && mppOk && !busy;

  const start = () => {
    if (!ready) return;
    setBusy(true);
    setError(null);
    const jobId = newJobId('cohort');
    api
      .call('cohorts.runLocal', { slides: paths, model: model.trim(), out: out.trim(), jobId, ...(mppValue !== undefined ? { mpp: mppValue } : {}) })
      .then(
        (r) => onClose({ jobId: r.jobId, dir: r.dir, todo: r.todo }),
        (err) => setError(errorMessage(err)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <Dialog open={open} onClose={() => !busy && onClose(null)} maxWidth="sm" fullWidth data-testid="run-cohort-dialog">
      <DialogTitle>Run a cohort here</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ mt: 1 }}>
          <TextField
            label="Slides"
            helperText="One slide file a line"
            multiline
            minRows={3}
            value={slides}
            onChange={(e) => setSlides(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'run-cohort-slides', spellCheck: false } }}
          />
          <TextField label="Model" helperText="Checkpoint folder, built-in architecture or pulled Hub id" value={model} onChange={(e) => setModel(e.target.value)} slotProps={{ htmlInput: { 'data-testid': 'run-cohort-model', spellCheck: false } }} />
          <TextField
            label="Tile resolution (µm/px)"
            helperText={mppOk ? "Empty: the model's training resolution, else 0.5" : 'A positive number, or empty'}
            error={!mppOk}
            value={mpp}
            onChange={(e) => setMpp(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'run-cohort-mpp', inputMode: 'decimal' } }}
          />
          <TextField label="Cohort folder" helperText="Where the results go (created)" value={out} onChange={(e) => setOut(e.target.value)} slotProps={{ htmlInput: { 'data-testid': 'run-cohort-out', spellCheck: false } }} />
          {error && (
            <Alert severity="error" data-testid="run-cohort-error">
              {error}
            </Alert>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(null)} disabled={busy}>
          Cancel
        </Button>
        <Button variant="contained" onClick={start} disabled={!ready} data-testid="run-cohort-start">
          {busy ? 'Preparing…' : `Run ${paths.length || ''} slide(s)`}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
