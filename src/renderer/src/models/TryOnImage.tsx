/**
 * "Try it on an image" for one model on disk: an image file (typed, or picked from a dataset)
 * goes through the model on the server, and the page shows what came out: the top classes with
 * their probabilities, or for a bare backbone the embedding's size and norm; and the time taken.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import ImageSearchIcon from '@mui/icons-material/ImageSearch';
import type { DatasetImage, DatasetSummary } from '@shared/contract/datasets';
import type { ModelTryResult } from '@shared/contract/models';
import { api, errorMessage } from '../api';
import { baseName } from '../format';

/** Images of a dataset offered to pick from: enough to find a few of each class. */
const PICK_LIMIT = 200;

const ms = (s: number) => (s < 1 ? `${Math.max(1, Math.round(s * 1000))} ms` : `${s.toFixed(1)} s`);

export function TryOnImage({ modelId }: { modelId: number }) {
  const [path, setPath] = useState('');
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  const [datasetId, setDatasetId] = useState('');
  const [images, setImages] = useState<DatasetImage[]>([]);
  const [result, setResult] = useState<ModelTryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  useEffect(() => {
    let live = true;
    api.call('datasets.list', {}).then(
      (list) => live && setDatasets(list),
      () => undefined, // a typed path still works without the datasets
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!datasetId) return setImages([]);
    let live = true;
    api.call('datasets.images', { id: Number(datasetId), limit: PICK_LIMIT }).then(
      (r) => live && setImages(r.items),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [datasetId]);

  const run = async () => {
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.call('models.try', { id: modelId, path: path.trim() }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <Box sx={{ p: 2, pt: 0 }} data-testid={`model-try-${modelId}`}>
      <Typography variant="subtitle2" sx={{ mb: 1 }}>
        Try it on an image
      </Typography>
      <Stack direction={{ xs: 'column', md: 'row' }} spacing={1.5} sx={{ alignItems: { md: 'flex-start' } }}>
        {datasets.length > 0 && (
          <TextField select size="small" label="From a dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} sx={{ minWidth: 180 }} slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'try-dataset' } as object } }}>
            {datasets.map((d) => (
              <MenuItem key={d.id} value={String(d.id)} data-value={String(d.id)}>
                {d.name}
              </MenuItem>
            ))}
          </TextField>
        )}
        {images.length > 0 && (
          <TextField select size="small" label="Image" value={images.some((i) => i.path === path) ? path : ''} onChange={(e) => setPath(e.target.value)} sx={{ minWidth: 220 }} slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'try-dataset-image' } as object } }}>
            {images.map((i) => (
              <MenuItem key={i.id} value={i.path} data-value={i.path}>
                {baseName(i.path)}
                {i.label ? ` · ${i.label}` : ''}
              </MenuItem>
            ))}
          </TextField>
        )}
        <TextField
          size="small"
          label="Image file"
          placeholder="/data/patches/tile.png"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && path.trim() && void run()}
          sx={{ flex: 1, minWidth: 240 }}
          slotProps={{ htmlInput: { 'data-testid': 'try-path', spellCheck: false }, input: { sx: { fontFamily: 'monospace' } } }}
        />
        <Button variant="outlined" onClick={() => void run()} disabled={running || !path.trim()} startIcon={running ? <CircularProgress size={16} /> : <ImageSearchIcon />} data-testid="try-run" sx={{ whiteSpace: 'nowrap' }}>
          Run
        </Button>
      </Stack>
      {error && (
        <Alert severity="error" sx={{ mt: 1.5 }} data-testid="try-error">
          {error}
        </Alert>
      )}
      {result && <TryResult result={result} />}
    </Box>
  );
}

function TryResult({ result }: { result: ModelTryResult }) {
  return (
    <Box sx={{ mt: 1.5 }} data-testid="try-result" data-kind={result.top ? 'classes' : 'embedding'}>
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mb: 1, wordBreak: 'break-all' }}>
        {result.file}
      </Typography>
      {result.top ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: 'max-content minmax(120px, 320px) max-content', columnGap: 1.5, rowGap: 0.5, alignItems: 'center' }}>
          {result.top.map((t) => (
            <Box key={t.label} sx={{ display: 'contents' }} data-testid="try-class" data-label={t.label} data-probability={t.probability}>
              <Typography variant="body2">{t.label}</Typography>
              <LinearProgress variant="determinate" value={t.probability * 100} sx={{ height: 8, borderRadius: 1 }} />
              <Typography variant="body2" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                {(t.probability * 100).toFixed(1)}%
              </Typography>
            </Box>
          ))}
        </Box>
      ) : (
        <Typography variant="body2" data-testid="try-embedding">
          Embedding of {result.embedding.dim} dimensions, norm {result.embedding.norm.toFixed(3)}
        </Typography>
      )}
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 1 }} data-testid="try-time">
        The image took {ms(result.seconds)} on {result.backend}; opening the model {ms(result.loadSeconds)}.
      </Typography>
    </Box>
  );
}
