/**
 * Importing a dataset: a folder in ImageFolder layout or a CSV, its name, seed, split ratios and
 * an optional mpp. The import runs as a job whose progress arrives as job.progress events; we name
 * the job up front so Cancel can stop it while the call is still running. The server's summary
 * (classes, splits, duplicates, every file it left out and why) is shown before the dialog closes.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { CallInput } from '@shared/api';
import type { ImportSummary } from '@shared/contract/datasets';
import { api, errorCode, errorMessage } from '../api';
import { ImportSummaryView } from './ImportSummaryView';
import { newJobId, useJobProgress } from './useJobProgress';

const PHASES: Record<string, string> = {
  scan: 'Scanning files',
  read: 'Reading images',
  duplicates: 'Looking for duplicates',
  split: 'Assigning splits',
  save: 'Saving',
};

interface Form {
  source: 'folder' | 'csv';
  path: string;
  /** Where a CSV's relative paths start; empty means the CSV's folder. */
  root: string;
  name: string;
  /** True once the user typed a name, so picking another path no longer renames. */
  nameEdited: boolean;
  seed: string;
  train: string;
  val: string;
  test: string;
  mpp: string;
  /** Take CSV rows whose image lies outside the root folder. */
  allowOutside: boolean;
}

const emptyForm: Form = { source: 'folder', path: '', root: '', name: '', nameEdited: false, seed: '0', train: '70', val: '15', test: '15', mpp: '', allowOutside: false };

/** The last path component without extension: a good default dataset name. */
function nameFromPath(path: string): string {
  const last = path.trim().replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  return last.replace(/\.csv$/i, '');
}

/** Checks the form; returns the call input or the first problem to show. */
function validate(f: Form): { input: CallInput<'datasets.import'> } | { problem: string } {
  if (!f.path.trim()) return { problem: f.source === 'csv' ? 'Enter the path of the CSV file.' : 'Enter the path of the folder.' };
  if (!f.name.trim()) return { problem: 'Give the dataset a name.' };
  const seed = Number(f.seed);
  if (!Number.isInteger(seed)) return { problem: 'The seed must be a whole number.' };
  const ratios = [f.train, f.val, f.test].map(Number);
  if (ratios.some((r) => !Number.isFinite(r) || r < 0 || r > 100)) return { problem: 'Split percentages must be between 0 and 100.' };
  const sum = ratios.reduce((a, b) => a + b, 0);
  if (sum <= 0) return { problem: 'At least one split needs a share above zero.' };
  const mpp = f.mpp.trim() === '' ? undefined : Number(f.mpp);
  if (mpp !== undefined && !(mpp > 0 && mpp <= 100)) return { problem: 'mpp must be a positive number of µm per pixel (at most 100).' };
  return {
    input: {
      path: f.path.trim(),
      name: f.name.trim(),
      ...(f.source === 'csv' ? { csv: true, allowOutside: f.allowOutside, ...(f.root.trim() ? { root: f.root.trim() } : {}) } : {}),
      seed,
      // The server normalises; sending shares of the total keeps 70/15/15 and 7/1.5/1.5 alike.
      splits: { train: ratios[0] / sum, val: ratios[1] / sum, test: ratios[2] / sum },
      ...(mpp !== undefined ? { mpp } : {}),
    },
  };
}

export function ImportDatasetDialog({
  open,
  onClose,
  onImported,
}: {
  open: boolean;
  /** With the new dataset's id when the user chose to open it. */
  onClose: (openDatasetId: number | null) => void;
  onImported: () => void;
}) {
  const [form, setForm] = useState<Form>(emptyForm);
  const [jobId, setJobId] = useState<string | null>(null);
  const [result, setResult] = useState<ImportSummary | null>(null);
  const [failure, setFailure] = useState<{ message: string; cancelled: boolean } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const progress = useJobProgress(jobId);
  const busy = jobId !== null;

  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const setPath = (path: string) => setForm((f) => ({ ...f, path, name: f.nameEdited ? f.name : nameFromPath(path) }));

  const close = (openId: number | null = null) => {
    if (busy) return;
    setForm(emptyForm);
    setResult(null);
    setFailure(null);
    setProblem(null);
    onClose(openId);
  };

  const submit = async () => {
    if (busy) return;
    const checked = validate(form);
    if ('problem' in checked) {
      setProblem(checked.problem);
      return;
    }
    setProblem(null);
    setFailure(null);
    setResult(null);
    const id = newJobId('datasets.import');
    setJobId(id);
    try {
      setResult(await api.call('datasets.import', { ...checked.input, jobId: id }));
      onImported();
    } catch (err) {
      setFailure({ message: errorMessage(err), cancelled: errorCode(err) === 'cancelled' });
    } finally {
      setJobId(null);
    }
  };

  const cancel = () => {
    if (jobId) void api.call('datasets.cancelImport', { jobId });
  };

  const percent = progress && progress.total > 0 ? (100 * progress.done) / progress.total : null;

  return (
    <Dialog open={open} onClose={() => close()} maxWidth="md" fullWidth data-testid="import-dataset-dialog">
      <DialogTitle>Import dataset</DialogTitle>
      <DialogContent dividers>
        {!result && (
          <Stack spacing={2}>
            <ToggleButtonGroup
              exclusive
              size="small"
              value={form.source}
              onChange={(_, v: Form['source'] | null) => v && set({ source: v })}
              disabled={busy}
              aria-label="Source"
            >
              <ToggleButton value="folder" data-testid="import-source-folder">
                Folder (one subfolder per class)
              </ToggleButton>
              <ToggleButton value="csv" data-testid="import-source-csv">
                CSV (path, label[, split][, group])
              </ToggleButton>
            </ToggleButtonGroup>
            <TextField
              label={form.source === 'csv' ? 'CSV file' : 'Folder'}
              placeholder={form.source === 'csv' ? '/data/patches/labels.csv' : '/data/patches/lung'}
              value={form.path}
              onChange={(e) => setPath(e.target.value)}
              disabled={busy}
              autoFocus
              fullWidth
              slotProps={{ htmlInput: { 'data-testid': 'import-path', spellCheck: false, autoComplete: 'off' }, input: { sx: { fontFamily: 'monospace' } } }}
            />
            {form.source === 'csv' && (
              <TextField
                label="Image root (optional)"
                helperText="Folder the CSV's relative paths start from; the CSV's own folder when empty."
                value={form.root}
                onChange={(e) => set({ root: e.target.value })}
                disabled={busy}
                fullWidth
                slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off' }, input: { sx: { fontFamily: 'monospace' } } }}
              />
            )}
            {form.source === 'csv' && (
              <FormControlLabel
                control={<Checkbox checked={form.allowOutside} onChange={(e) => set({ allowOutside: e.target.checked })} disabled={busy} data-testid="import-allow-outside" />}
                label="Also take images outside that folder (absolute paths, ../)"
              />
            )}
            <TextField
              label="Name"
              helperText="Importing again under the same name and source updates the dataset, keeping its splits."
              value={form.name}
              onChange={(e) => set({ name: e.target.value, nameEdited: true })}
              disabled={busy}
              fullWidth
              slotProps={{ htmlInput: { 'data-testid': 'import-name', maxLength: 200 } }}
            />
            <Box>
              <Typography variant="subtitle2" gutterBottom>
                Splits
              </Typography>
              <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
                For images whose folder or CSV row does not state a split. Classes keep their proportions in every split, and
                duplicates and images of the same slide or patient always land together.
              </Typography>
              <Stack direction="row" spacing={1.5} sx={{ flexWrap: 'wrap', rowGap: 1.5 }}>
                {(['train', 'val', 'test'] as const).map((k) => (
                  <TextField
                    key={k}
                    label={{ train: 'Train', val: 'Validation', test: 'Test' }[k]}
                    value={form[k]}
                    onChange={(e) => set({ [k]: e.target.value })}
                    disabled={busy}
                    size="small"
                    sx={{ width: 120 }}
                    slotProps={{
                      htmlInput: { inputMode: 'decimal', 'data-testid': `import-split-${k}` },
                      input: { endAdornment: <InputAdornment position="end">%</InputAdornment> },
                    }}
                  />
                ))}
                <TextField
                  label="Seed"
                  value={form.seed}
                  onChange={(e) => set({ seed: e.target.value })}
                  disabled={busy}
                  size="small"
                  sx={{ width: 110 }}
                  helperText="Same seed, same splits"
                  slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'import-seed' } }}
                />
                <TextField
                  label="mpp (optional)"
                  value={form.mpp}
                  onChange={(e) => set({ mpp: e.target.value })}
                  disabled={busy}
                  size="small"
                  sx={{ width: 170 }}
                  helperText="For images that do not state it"
                  slotProps={{
                    // Kept up: an empty field would otherwise lay its label over the unit.
                    inputLabel: { shrink: true },
                    htmlInput: { inputMode: 'decimal', 'data-testid': 'import-mpp', placeholder: 'e.g. 0.5' },
                    input: { endAdornment: <InputAdornment position="end">µm/px</InputAdornment> },
                  }}
                />
              </Stack>
            </Box>
          </Stack>
        )}

        {busy && (
          <Box sx={{ mt: 3 }} data-testid="import-progress">
            <LinearProgress variant={percent === null ? 'indeterminate' : 'determinate'} value={percent ?? 0} />
            <Typography variant="caption" color="text.secondary">
              {progress ? (PHASES[progress.message ?? ''] ?? progress.message) : 'Starting…'}
              {progress && progress.total > 0 && ` — ${progress.done.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')}`}
            </Typography>
          </Box>
        )}
        {problem && (
          <Alert severity="warning" sx={{ mt: 2 }}>
            {problem}
          </Alert>
        )}
        {failure && (
          <Alert severity={failure.cancelled ? 'info' : 'error'} sx={{ mt: 2 }} data-testid="import-failure">
            {failure.cancelled ? 'Import cancelled; nothing was changed.' : failure.message}
          </Alert>
        )}
        {result && <ImportSummaryView summary={result} />}
      </DialogContent>
      <DialogActions>
        {busy ? (
          <Button onClick={cancel} color="warning" data-testid="import-cancel">
            Cancel import
          </Button>
        ) : (
          <Button onClick={() => close()}>{result ? 'Close' : 'Cancel'}</Button>
        )}
        {result ? (
          <Button variant="contained" onClick={() => close(result.id)} data-testid="import-open">
            Open dataset
          </Button>
        ) : (
          <Button variant="contained" onClick={submit} disabled={busy} data-testid="import-submit">
            Import
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
