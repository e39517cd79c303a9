/**
 * A few training images as they are and as the augmentation (and stain normalisation) would
 * show them to the model, from `training.augmentPreview`. The same seed gives the same grid, so
 * "New seed" is how to see other draws of the same settings.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import CasinoIcon from '@mui/icons-material/Casino';
import VisibilityIcon from '@mui/icons-material/Visibility';
import type { CallOutput } from '@shared/api';
import type { AugmentConfig, StainConfig } from '@shared/contract/training';
import { api, errorMessage } from '../api';
import { baseName } from '../format';

type Preview = CallOutput<'training.augmentPreview'>;

/** Shows the images untouched when augmentation is off, so stain normalisation alone can be checked. */
export const noAugment: AugmentConfig = { hflip: false, vflip: false, rot90: false, crop: null, brightness: 0, contrast: 0, saturation: 0, hue: 0, hed: null };

const SIZE = 112;

export function AugmentPreview({ datasetId, augment, stain }: { datasetId: number | null; augment: AugmentConfig | null; stain: StainConfig | null }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [seed, setSeed] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (useSeed: number) => {
    if (datasetId === null) return;
    setBusy(true);
    setError(null);
    try {
      setPreview(await api.call('training.augmentPreview', { datasetId, augment: augment ?? noAugment, stain, size: SIZE, count: 4, variants: 4, seed: useSeed }));
      setSeed(useSeed);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box data-testid="aug-preview">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1 }}>
        <Tooltip title={datasetId === null ? 'Choose a dataset first' : ''}>
          <span>
            <Button size="small" variant="outlined" startIcon={<VisibilityIcon />} onClick={() => load(seed)} disabled={busy || datasetId === null} data-testid="aug-preview-button">
              {preview ? 'Refresh preview' : 'Preview'}
            </Button>
          </span>
        </Tooltip>
        <Button size="small" startIcon={<CasinoIcon />} onClick={() => load(seed + 1)} disabled={busy || datasetId === null || !preview} data-testid="aug-reseed">
          New seed
        </Button>
        {preview && (
          <Typography variant="caption" color="text.secondary" data-testid="aug-seed">
            seed {seed}
          </Typography>
        )}
      </Stack>
      <Box sx={{ height: 3, mb: 1 }}>{busy && <LinearProgress />}</Box>
      {error && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {error}
        </Alert>
      )}
      {preview && (
        <Stack spacing={1} data-testid="aug-preview-grid">
          {preview.images.map((img) => (
            <Box key={img.path}>
              <Typography variant="caption" color="text.secondary" noWrap sx={{ display: 'block' }} title={img.path}>
                {img.label ?? 'unlabelled'} · {baseName(img.path)}
              </Typography>
              <Box sx={{ display: 'grid', gap: 0.5, gridTemplateColumns: `repeat(${img.variants.length + 1}, minmax(0, 96px))` }}>
                <PreviewImage b64={img.original} title="original" original />
                {img.variants.map((v, i) => (
                  <PreviewImage key={i} b64={v} title={`augmented ${i + 1}`} />
                ))}
              </Box>
            </Box>
          ))}
          {preview.images.length === 0 && <Typography color="text.secondary">No readable training images to show.</Typography>}
        </Stack>
      )}
    </Box>
  );
}

function PreviewImage({ b64, title, original = false }: { b64: string; title: string; original?: boolean }) {
  return (
    <Box
      component="img"
      src={`data:image/png;base64,${b64}`}
      alt={title}
      title={title}
      data-testid={original ? 'aug-preview-original' : 'aug-preview-variant'}
      sx={{ width: '100%', aspectRatio: '1', display: 'block', borderRadius: 0.5, border: 2, borderColor: original ? 'primary.main' : 'transparent' }}
    />
  );
}
