/**
 * Exporting a run to a folder: the best checkpoint as a flat HuggingFace folder (usable as
 * --model everywhere) and the run's files in run/. The folder is typed or picked by browsing the
 * server's file system (browser mode cannot reveal real paths); it is created when missing.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { CallOutput } from '@shared/api';
import type { RunSummary } from '@shared/contract/training';
import { api, errorMessage } from '../api';
import { FolderBrowser } from '../slides/FolderBrowser';
import { runTitle } from './formatRun';

export function ExportRunDialog({ run, onClose }: { run: RunSummary | null; onClose: () => void }) {
  const [dir, setDir] = useState('');
  const [browseDir, setBrowseDir] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<CallOutput<'runs.export'> | null>(null);

  const close = () => {
    if (busy) return;
    setError(null);
    setResult(null);
    onClose();
  };

  const submit = async () => {
    if (!run || !dir.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.call('runs.export', { id: run.id, dir: dir.trim() }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={run !== null} onClose={close} maxWidth="md" fullWidth data-testid="export-run-dialog">
      <DialogTitle>Export {run ? runTitle(run) : 'run'}</DialogTitle>
      <DialogContent dividers>
        {result ? (
          <Stack spacing={1} data-testid="export-result">
            <Alert severity="success">Exported to {result.dir}</Alert>
            {result.files.map((f) => (
              <Typography key={f} variant="body2" sx={{ fontFamily: 'monospace' }} data-testid="export-file">
                {f}
              </Typography>
            ))}
            {run?.bestEpoch === null && <Alert severity="info">This run has no best checkpoint yet, so no model was written.</Alert>}
          </Stack>
        ) : (
          <Stack spacing={2}>
            <Typography variant="body2" color="text.secondary">
              Writes the best checkpoint as a HuggingFace folder (config.json, model.safetensors, preprocessor_config.json), which
              predict, eval, slide inference and the Models page open as it is, and the run&apos;s files beside it in run/ (training
              configuration, summary, metrics.csv, history). The folder is created if it does not exist.
            </Typography>
            <TextField
              label="Folder"
              value={dir}
              onChange={(e) => setDir(e.target.value)}
              placeholder="/home/me/models/lung-run"
              fullWidth
              autoFocus
              disabled={busy}
              slotProps={{ htmlInput: { 'data-testid': 'export-dir', spellCheck: false }, input: { sx: { fontFamily: 'monospace' } } }}
            />
            <FolderBrowser
              purpose="folder"
              dir={browseDir}
              onDirChange={setBrowseDir}
              selected={new Set(dir.trim() ? [dir.trim()] : [])}
              onToggle={(path) => setDir((d) => (d.trim() === path ? '' : path))}
            />
            {busy && <LinearProgress />}
            {error && (
              <Alert severity="error" data-testid="export-error">
                {error}
              </Alert>
            )}
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy} data-testid="export-close">
          {result ? 'Close' : 'Cancel'}
        </Button>
        {!result && (
          <Button variant="contained" onClick={submit} disabled={busy || !dir.trim()} data-testid="export-submit">
            Export
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
