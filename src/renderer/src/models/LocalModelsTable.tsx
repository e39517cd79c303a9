/**
 * The models on disk: imported checkpoint folders, pulled Hub models and trained ones. A row opens
 * its facts (parameters, width, pooling, size on disk, where it came from) read from the folder,
 * and a way to try it on an image.
 */
import { Fragment, useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Collapse from '@mui/material/Collapse';
import IconButton from '@mui/material/IconButton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import type { ModelDetail, RegisteredModel } from '@shared/contract/models';
import { api, errorMessage } from '../api';
import { formatBytes, formatParameters } from './format-model';
import { TryOnImage } from './TryOnImage';

export function LocalModelsTable({ models }: { models: RegisteredModel[] }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <Table size="small" data-testid="local-models-table">
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox" />
            <TableCell>Name</TableCell>
            <TableCell>Architecture</TableCell>
            <TableCell>Outputs</TableCell>
            <TableCell align="right">Input</TableCell>
            <TableCell>Came from</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {models.map((m) => (
            <Fragment key={m.id}>
              <TableRow hover onClick={() => setOpen(open === m.id ? null : m.id)} sx={{ cursor: 'pointer' }} data-testid={`model-row-${m.id}`}>
                <TableCell padding="checkbox">
                  <IconButton size="small" aria-label={open === m.id ? 'Hide facts' : 'Show facts'}>
                    {open === m.id ? <KeyboardArrowDownIcon fontSize="small" /> : <KeyboardArrowRightIcon fontSize="small" />}
                  </IconButton>
                </TableCell>
                <TableCell>
                  {m.name} {!m.available && <Chip size="small" color="warning" label="folder gone" sx={{ ml: 1 }} />}
                </TableCell>
                <TableCell>{m.arch}</TableCell>
                <TableCell>{m.labels.length > 0 ? `${m.labels.length} classes` : 'embedding'}</TableCell>
                <TableCell align="right">{m.inputSize} px</TableCell>
                <TableCell sx={{ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={m.dir}>
                  {m.source ? `Hub: ${m.source.repo}@${m.source.commit.slice(0, 8)}` : m.dir}
                </TableCell>
              </TableRow>
              <TableRow>
                <TableCell colSpan={6} sx={{ py: 0, borderBottom: open === m.id ? undefined : 'none' }}>
                  <Collapse in={open === m.id} unmountOnExit>
                    <ModelFactsPanel id={m.id} />
                    {m.available && <TryOnImage modelId={m.id} />}
                  </Collapse>
                </TableCell>
              </TableRow>
            </Fragment>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

function ModelFactsPanel({ id }: { id: number }) {
  const [detail, setDetail] = useState<ModelDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('models.get', { id }).then(
      (d) => live && setDetail(d),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (error) return <Typography color="error" sx={{ p: 2 }}>{error}</Typography>;
  if (!detail) return <CircularProgress size={20} sx={{ m: 2 }} />;
  const f = detail.facts;
  const facts: [string, string][] = [
    ['Parameters', f?.parameters != null ? `${formatParameters(f.parameters / 1e6)}${f.parametersEstimated ? ' (from the file size)' : ''}` : '—'],
    ['Width', f?.width != null ? String(f.width) : '—'],
    ['Pooling', f?.pooling ?? 'cls'],
    ['Size on disk', f ? formatBytes(f.sizeOnDisk) : '—'],
    ['Licence', typeof detail.hint?.['license'] === 'string' ? (detail.hint['license'] as string) : '—'],
    ['Analyses', String(detail.analyses)],
    ['Folder', detail.dir],
  ];
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 3, rowGap: 0.5, p: 2 }} data-testid={`model-facts-${id}`}>
      {facts.map(([k, v]) => (
        <Fragment key={k}>
          <Typography variant="body2" color="text.secondary">
            {k}
          </Typography>
          <Typography variant="body2" sx={{ wordBreak: 'break-all' }}>
            {v}
          </Typography>
        </Fragment>
      ))}
    </Box>
  );
}
