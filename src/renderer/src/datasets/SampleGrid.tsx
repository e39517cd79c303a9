/**
 * A few images of every class, in the dataset's stable sample order: a glance tells whether the
 * classes look like what their names say, and whether one holds stray tiles.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { DatasetDetail, DatasetImage } from '@shared/contract/datasets';
import { api, errorMessage } from '../api';
import { DatasetThumbnail } from './DatasetThumbnail';

const PER_CLASS = 12;
const SIZE = 88;

export function SampleGrid({ detail }: { detail: DatasetDetail }) {
  const [samples, setSamples] = useState<Record<string, DatasetImage[]> | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Refetch only when the classes or their sizes change, not on every detail refresh.
  const key = detail.classes.map((c) => `${c.label}:${c.total}`).join('|');

  useEffect(() => {
    let live = true;
    Promise.all(detail.classes.map((c) => api.call('datasets.images', { id: detail.id, label: c.label, order: 'sample', limit: PER_CLASS }))).then(
      (pages) => live && setSamples(Object.fromEntries(detail.classes.map((c, i) => [c.label, pages[i].items]))),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [detail.id, key]);

  if (error) return <Alert severity="error">Could not load sample images: {error}</Alert>;
  return (
    <Stack spacing={2} data-testid="dataset-samples">
      {detail.classes.map((c) => (
        <Box key={c.label} data-testid="dataset-sample-class" data-label={c.label}>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.75 }}>
            <Box sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: c.color }} />
            <Typography variant="subtitle2">{c.label}</Typography>
            <Typography variant="caption" color="text.secondary">
              {c.total.toLocaleString('en-US')} images
            </Typography>
          </Stack>
          {/* One row per class, as many as fit: rows of equal length compare best. */}
          <Box sx={{ display: 'flex', flexWrap: 'nowrap', overflow: 'hidden', gap: 0.75, minHeight: c.total ? SIZE : 0 }}>
            {(samples?.[c.label] ?? []).map((img) => (
              <Tooltip key={img.id} title={`${img.path}${img.split ? ` · ${img.split}` : ''}`}>
                <Box sx={{ flexShrink: 0, borderRadius: 1, overflow: 'hidden', outline: 2, outlineColor: c.color, outlineOffset: -2 }}>
                  <DatasetThumbnail datasetId={detail.id} imageId={img.id} alt={img.path.split(/[\\/]/).pop() ?? ''} size={SIZE} testId="dataset-sample-thumb" />
                </Box>
              </Tooltip>
            ))}
          </Box>
          {c.total === 0 && (
            <Typography variant="body2" color="text.secondary">
              No images have this class yet.
            </Typography>
          )}
        </Box>
      ))}
    </Stack>
  );
}
