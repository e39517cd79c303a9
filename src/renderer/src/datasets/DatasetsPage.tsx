/** The dataset list: one row per dataset, a click opens it; importing starts here. */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DatasetIcon from '@mui/icons-material/Dataset';
import type { DatasetSummary } from '@shared/contract/datasets';
import { formatDate } from '../format';
import { href, navigate } from '../router';
import { ImportDatasetDialog } from './ImportDatasetDialog';
import { useDatasets } from './useDatasets';
import { EmptyList } from '../shell/EmptyList';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';

export function DatasetsPage() {
  const { datasets, error, refresh } = useDatasets();
  const [importing, setImporting] = useState(false);

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }}>
      <PageHeader
        title="Datasets"
        subtitle={
          datasets && datasets.length > 0
            ? `${datasets.length} dataset${datasets.length === 1 ? '' : 's'} · ${datasets.reduce((n, d) => n + d.images, 0).toLocaleString('en-US')} images`
            : null
        }
      >
        <Button variant="contained" startIcon={<AddIcon />} onClick={() => setImporting(true)} data-testid="import-dataset-button">
          Import dataset
        </Button>
      </PageHeader>

      <ListLoadState loading={datasets === null} error={error} what="the datasets" onRetry={refresh} />
      {datasets && datasets.length === 0 && <EmptyDatasets onImport={() => setImporting(true)} />}
      {datasets && datasets.length > 0 && <DatasetTable datasets={datasets} />}

      <ImportDatasetDialog
        open={importing}
        onClose={(importedId) => {
          setImporting(false);
          refresh();
          if (importedId !== null) navigate(href.dataset(importedId));
        }}
        onImported={refresh}
      />
    </Box>
  );
}

function sourceText(d: DatasetSummary): string {
  return d.source === 'csv' ? (d.csvPath ?? '') : (d.root ?? '');
}

function DatasetTable({ datasets }: { datasets: DatasetSummary[] }) {
  return (
    <TableContainer component={Paper} variant="outlined">
      <Table size="small" data-testid="dataset-table">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Source</TableCell>
            <TableCell align="right">Images</TableCell>
            <TableCell>Classes</TableCell>
            <TableCell>Created</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {datasets.map((d) => (
            <TableRow
              key={d.id}
              hover
              onClick={() => navigate(href.dataset(d.id))}
              sx={{ cursor: 'pointer' }}
              data-testid="dataset-row"
              data-dataset-id={d.id}
            >
              <TableCell sx={{ fontWeight: 600 }}>
                <a href={href.dataset(d.id)} style={{ color: 'inherit', textDecoration: 'none' }} onClick={(e) => e.stopPropagation()}>
                  {d.name}
                </a>
              </TableCell>
              <TableCell sx={{ maxWidth: 360 }}>
                <Typography variant="caption" color="text.secondary" sx={{ textTransform: 'uppercase', mr: 1 }}>
                  {d.source}
                </Typography>
                <Tooltip title={sourceText(d)}>
                  <Typography component="span" variant="body2" sx={{ fontFamily: 'monospace', fontSize: 12 }}>
                    {shorten(sourceText(d), 48)}
                  </Typography>
                </Tooltip>
              </TableCell>
              <TableCell align="right">{d.images.toLocaleString('en-US')}</TableCell>
              <TableCell>
                {d.labels.length} · <span style={{ opacity: 0.75 }}>{shorten(d.labels.join(', '), 60)}</span>
              </TableCell>
              <TableCell>{formatDate(d.createdAt)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

/** Keeps the end of a path, which is the part that tells datasets apart. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

function EmptyDatasets({ onImport }: { onImport: () => void }) {
  return (
    <EmptyList
      testId="datasets-empty"
      icon={DatasetIcon}
      title="No datasets yet"
      action={
        <Button variant="contained" onClick={onImport}>
          Import dataset
        </Button>
      }
    >
      Import a folder with one subfolder per class (optionally inside train/val/test folders, which are kept as
      splits), or a CSV of path, label and optionally split and group. Images stay where they are.
    </EmptyList>
  );
}
