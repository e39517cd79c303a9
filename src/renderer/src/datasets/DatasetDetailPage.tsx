/** One dataset: what it holds per class and split, what the import left out, and samples of every class. */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import LabelIcon from '@mui/icons-material/LabelOutlined';
import type { DatasetDetail } from '@shared/contract/datasets';
import { formatDate } from '../format';
import { href, navigate } from '../router';
import { ClassCountsChart } from './ClassCountsChart';
import { ClassCountsTable } from './ClassCountsTable';
import { DatasetLoadState } from './DatasetLoadState';
import { EmbeddingMap } from './EmbeddingMap';
import { ProblemList } from './ProblemList';
import { RemoveDatasetDialog } from './RemoveDatasetDialog';
import { SampleGrid } from './SampleGrid';
import { splitColors } from './splitColors';
import { useDatasetDetail } from './useDatasetDetail';

const n = (v: number) => v.toLocaleString('en-US');

export function DatasetDetailPage({ datasetId }: { datasetId: number }) {
  const { detail, error } = useDatasetDetail(datasetId);
  const [removing, setRemoving] = useState(false);

  if (error || !detail) return <DatasetLoadState datasetId={datasetId} error={error} />;

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="dataset-detail">
      <Breadcrumbs sx={{ mb: 1 }}>
        <Link href={href.page('datasets')} underline="hover" color="inherit">
          Datasets
        </Link>
        <Typography color="text.primary">{detail.name}</Typography>
      </Breadcrumbs>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'flex-start', mb: 2 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="h5" component="h1" sx={{ fontWeight: 600 }}>
            {detail.name}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ wordBreak: 'break-all' }}>
            {detail.source === 'csv' ? `CSV ${detail.csvPath}` : `Folder ${detail.root}`} · created {formatDate(detail.createdAt)} · seed {detail.seed} · ratios{' '}
            {Math.round(detail.ratios.train * 100)}/{Math.round(detail.ratios.val * 100)}/{Math.round(detail.ratios.test * 100)}
          </Typography>
        </Box>
        <Button variant="contained" startIcon={<LabelIcon />} href={href.labelling(detail.id)} data-testid="dataset-label-button">
          Label images
        </Button>
        <Button variant="outlined" color="error" startIcon={<DeleteOutlineIcon />} onClick={() => setRemoving(true)} data-testid="dataset-remove-button">
          Remove
        </Button>
      </Stack>

      <Facts detail={detail} />

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 5fr) minmax(0, 6fr)' }, mb: 2 }}>
        <Paper variant="outlined" sx={{ p: 2 }}>
          <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
            Images per class and split
          </Typography>
          <ClassCountsTable detail={detail} />
        </Paper>
        <Paper variant="outlined" sx={{ p: 2 }}>
          <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
            Class balance
          </Typography>
          <ClassCountsChart detail={detail} />
        </Paper>
      </Box>

      {detail.errors.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="dataset-errors">
          <AlertTitle>
            {n(detail.errors.length)} file{detail.errors.length === 1 ? ' was' : 's were'} left out at import
          </AlertTitle>
          <ProblemList problems={detail.errors} />
        </Alert>
      )}

      <Paper variant="outlined" sx={{ p: 2 }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
          Samples
        </Typography>
        <SampleGrid detail={detail} />
      </Paper>

      <Paper variant="outlined" sx={{ p: 2, mt: 2 }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
          Embedding map
        </Typography>
        <EmbeddingMap detail={detail} />
      </Paper>

      <RemoveDatasetDialog
        dataset={removing ? detail : null}
        onClose={(removed) => {
          setRemoving(false);
          if (removed) navigate(href.page('datasets'));
        }}
      />
    </Box>
  );
}

function Fact({ label, value, color, testId }: { label: string; value: string; color?: string; testId?: string }) {
  return (
    <Paper variant="outlined" sx={{ px: 2, py: 1, minWidth: 110, borderTop: color ? 3 : undefined, borderTopColor: color }} data-testid={testId}>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h6" sx={{ lineHeight: 1.3 }}>
        {value}
      </Typography>
    </Paper>
  );
}

function Facts({ detail: d }: { detail: DatasetDetail }) {
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5, mb: 2 }} data-testid="dataset-facts">
      <Fact label="Images" value={n(d.images)} testId="dataset-fact-images" />
      <Fact label="Classes" value={n(d.classes.length)} />
      <Fact label="Train" value={n(d.splits.train)} color={splitColors.train} testId="dataset-split-train" />
      <Fact label="Validation" value={n(d.splits.val)} color={splitColors.val} testId="dataset-split-val" />
      <Fact label="Test" value={n(d.splits.test)} color={splitColors.test} testId="dataset-split-test" />
      {d.splits.unassigned > 0 && <Fact label="No split" value={n(d.splits.unassigned)} />}
      <Fact label="Duplicates (exact / near)" value={`${n(d.duplicates.exact)} / ${n(d.duplicates.near)}`} />
      <Fact label="Slides / patients" value={d.groups ? n(d.groups) : '—'} />
      <Fact label="With mpp" value={d.mpp !== null ? `all · ${d.mpp} µm/px` : `${n(d.withMpp)} of ${n(d.images)}`} />
    </Stack>
  );
}
