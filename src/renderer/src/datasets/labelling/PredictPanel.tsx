/**
 * Model suggestions: run a checkpoint over the dataset (a job with progress and Cancel; what it
 * predicted before a cancel is kept), and pick which model's suggestions the grid shows.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import InputLabel from '@mui/material/InputLabel';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { PredictionSet } from '@shared/contract/datasets';
import { api, errorCode, errorMessage } from '../../api';
import { formatDate } from '../../format';
import { recallText, rememberText } from '../../rememberedText';
import { newJobId, useJobProgress } from '../useJobProgress';

const MODEL_KEY = 'tessella.labelling.model';

const shortModel = (m: string) => m.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || m;

export function PredictPanel({
  datasetId,
  sets,
  activeHash,
  onActiveChange,
  onPredicted,
}: {
  datasetId: number;
  sets: PredictionSet[];
  activeHash: string | null;
  onActiveChange: (hash: string) => void;
  /** After a run ends (completed or cancelled): the set it wrote, if any. */
  onPredicted: (modelHash: string | null) => void;
}) {
  const [model, setModel] = useState(() => recallText(MODEL_KEY));
  const [jobId, setJobId] = useState<string | null>(null);
  const [message, setMessage] = useState<{ severity: 'error' | 'info' | 'success'; text: string } | null>(null);
  const progress = useJobProgress(jobId);

  const run = async () => {
    const m = model.trim();
    if (!m || jobId) return;
    rememberText(MODEL_KEY, m);
    const id = newJobId('datasets.predict');
    setJobId(id);
    setMessage(null);
    try {
      const r = await api.call('datasets.predict', { datasetId, model: m, jobId: id });
      const failed = r.failed.length ? `; ${r.failed.length} could not be read (first: ${r.failed[0].path}: ${r.failed[0].reason})` : '';
      setMessage({ severity: r.failed.length ? 'info' : 'success', text: `Predicted ${r.images.toLocaleString('en-US')} images in ${r.seconds.toFixed(1)} s${failed}.` });
      onPredicted(r.modelHash);
    } catch (err) {
      const cancelled = errorCode(err) === 'cancelled';
      setMessage({ severity: cancelled ? 'info' : 'error', text: cancelled ? 'Cancelled; the suggestions made so far are kept.' : errorMessage(err) });
      onPredicted(null);
    } finally {
      setJobId(null);
    }
  };

  const percent = progress && progress.total > 0 ? (100 * progress.done) / progress.total : null;

  return (
    <Stack spacing={1.5} data-testid="predict-panel">
      <Typography variant="subtitle2">Model suggestions</Typography>
      {sets.length > 0 && (
        <FormControl size="small" fullWidth>
          <InputLabel id="predict-set-label">Suggestions from</InputLabel>
          <Select
            labelId="predict-set-label"
            label="Suggestions from"
            value={activeHash ?? ''}
            onChange={(e) => onActiveChange(e.target.value)}
            data-testid="predict-set"
          >
            {sets.map((s) => (
              <MenuItem key={s.modelHash} value={s.modelHash} title={s.model}>
                {shortModel(s.model)} · {s.images.toLocaleString('en-US')} images · {formatDate(s.createdAt)}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      )}
      <TextField
        size="small"
        label="Checkpoint folder or built-in name"
        placeholder="/models/lung-vit or vit-s16"
        value={model}
        onChange={(e) => setModel(e.target.value)}
        disabled={!!jobId}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void run();
          }
        }}
        slotProps={{ htmlInput: { 'data-testid': 'predict-model', spellCheck: false, autoComplete: 'off' }, input: { sx: { fontFamily: 'monospace', fontSize: 13 } } }}
      />
      {jobId ? (
        <Box data-testid="predict-progress">
          <LinearProgress variant={percent === null ? 'indeterminate' : 'determinate'} value={percent ?? 0} />
          <Stack direction="row" sx={{ alignItems: 'center', mt: 0.5 }}>
            <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>
              {progress && progress.total > 0
                ? `${progress.done.toLocaleString('en-US')} of ${progress.total.toLocaleString('en-US')} images`
                : (progress?.message ?? 'Loading the model…')}
            </Typography>
            <Button size="small" color="warning" onClick={() => void api.call('datasets.cancelPredict', { jobId })} data-testid="predict-cancel">
              Cancel
            </Button>
          </Stack>
        </Box>
      ) : (
        <Button variant="outlined" onClick={run} disabled={!model.trim()} data-testid="predict-run">
          {sets.length ? 'Predict again' : 'Predict'}
        </Button>
      )}
      {message && (
        <Alert severity={message.severity} onClose={() => setMessage(null)} sx={{ py: 0 }} data-testid="predict-message">
          {message.text}
        </Alert>
      )}
      <Typography variant="caption" color="text.secondary">
        The model's outputs must be this dataset's classes. Sort by “Least certain first” to label the images the model
        hesitates on; Enter accepts the suggestion.
      </Typography>
    </Stack>
  );
}
