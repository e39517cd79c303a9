/**
 * The analyses of every slide: queue, running, finished, with live progress and cancel /
 * resume / remove, and a form to analyse many slides at once. Reached from the Slides page and
 * from the viewer's analysis panel.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Collapse from '@mui/material/Collapse';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import ReplayIcon from '@mui/icons-material/Replay';
import StopIcon from '@mui/icons-material/Stop';
import type { Analysis, AnalysisProgress, AnalysisStatus } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';
import { formatDate } from '../format';
import { href } from '../router';
import { AnalyseSlidesForm } from './AnalyseSlidesForm';
import { canResume, formatCount, formatEta, formatPercent, isActive, statusColors, statusLabels } from './formatAnalysis';
import { useAnalysisQueue } from './useAnalysisQueue';

const statuses = Object.keys(statusLabels) as AnalysisStatus[];

function ProgressCell({ a, live }: { a: Analysis; live: AnalysisProgress | undefined }) {
  const done = live?.done ?? a.done;
  const total = live?.total ?? a.total;
  const eta = a.status === 'running' ? formatEta(live?.etaSeconds) : null;
  return (
    <Box sx={{ minWidth: 140 }}>
      <LinearProgress
        variant={a.status === 'queued' || (a.status === 'running' && total === null) ? 'indeterminate' : 'determinate'}
        value={total ? Math.min(100, (done / total) * 100) : 0}
        color={a.status === 'completed' ? 'success' : 'primary'}
      />
      <Typography variant="caption" color="text.secondary">
        {total === null ? (a.status === 'queued' && a.queuePosition ? `#${a.queuePosition} in queue` : '—') : `${formatCount(done)} / ${formatCount(total)}`}
        {eta ? ` · ${eta} left` : ''}
      </Typography>
    </Box>
  );
}

export function AnalysisQueueDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [status, setStatus] = useState<AnalysisStatus | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const { analyses, progress, error, refresh } = useAnalysisQueue(open, status);

  const act = async (f: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await f();
    } catch (err) {
      setActionError(errorMessage(err));
    }
    void refresh();
  };

  return (
    <Dialog open={open} onClose={onClose} maxWidth="lg" fullWidth data-testid="analysis-queue">
      <DialogTitle sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Box sx={{ flex: 1 }}>Analyses</Box>
        <TextField
          select
          size="small"
          label="Status"
          value={status ?? ''}
          onChange={(e) => setStatus((e.target.value || null) as AnalysisStatus | null)}
          sx={{ width: 160 }}
          slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
        >
          <MenuItem value="">All</MenuItem>
          {statuses.map((s) => (
            <MenuItem key={s} value={s}>
              {statusLabels[s]}
            </MenuItem>
          ))}
        </TextField>
        <Button variant={formOpen ? 'outlined' : 'contained'} onClick={() => setFormOpen(!formOpen)} data-testid="analyse-slides-toggle">
          Analyse slides…
        </Button>
      </DialogTitle>
      <DialogContent dividers>
        <Collapse in={formOpen} unmountOnExit>
          <Box sx={{ mb: 2, maxWidth: 560 }}>
            <AnalyseSlidesForm onQueued={() => void refresh()} />
          </Box>
        </Collapse>
        {(error || actionError) && (
          <Alert severity="error" sx={{ mb: 1 }}>
            {error ?? actionError}
          </Alert>
        )}
        {analyses && analyses.length === 0 && (
          <Typography color="text.secondary" sx={{ p: 2 }}>
            {status ? `No ${statusLabels[status].toLowerCase()} analyses.` : 'No analyses yet. Open a slide and use its Analysis panel, or analyse several slides here.'}
          </Typography>
        )}
        {analyses && analyses.length > 0 && (
          <Table size="small" data-testid="analysis-queue-table">
            <TableHead>
              <TableRow>
                <TableCell>Slide</TableCell>
                <TableCell>Model</TableCell>
                <TableCell>Settings</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Progress</TableCell>
                <TableCell>Label</TableCell>
                <TableCell>Created</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {analyses.map((a) => (
                <TableRow key={a.id} data-testid="analysis-queue-row" data-status={a.status} data-slide={a.slideName}>
                  <TableCell sx={{ maxWidth: 220 }}>
                    <Link href={href.viewer(a.slideId)} onClick={onClose} underline="hover" noWrap sx={{ display: 'block' }}>
                      {a.slideName}
                    </Link>
                  </TableCell>
                  <TableCell sx={{ maxWidth: 180 }}>
                    <Typography variant="body2" noWrap title={a.model.dir}>
                      {a.model.name}
                    </Typography>
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {a.params.targetMpp} µm/px{a.params.overlap > 0 ? ` · ${formatPercent(a.params.overlap)} overlap` : ''}
                  </TableCell>
                  <TableCell>
                    <Chip size="small" color={statusColors[a.status]} label={statusLabels[a.status]} title={a.error ?? undefined} />
                  </TableCell>
                  <TableCell>
                    <ProgressCell a={a} live={progress.get(a.id)} />
                  </TableCell>
                  <TableCell>{a.summary ? `${a.summary.slideLabel ?? '—'} (${a.summary.confidence.toFixed(2)})` : '—'}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDate(a.createdAt)}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }} align="right">
                    {isActive(a) && (
                      <Tooltip title="Cancel (tiles done are kept)">
                        <IconButton size="small" onClick={() => void act(() => api.call('analysis.cancel', { id: a.id }))} aria-label={`Cancel the analysis of ${a.slideName}`}>
                          <StopIcon fontSize="small" />
                        </IconButton>
                      </Tooltip>
                    )}
                    {canResume(a) && (
                      <Tooltip title="Resume">
                        <IconButton size="small" onClick={() => void act(() => api.call('analysis.resume', { id: a.id }))} aria-label={`Resume the analysis of ${a.slideName}`}>
                          <ReplayIcon fontSize="small" />
                        </IconButton>
                      </Tooltip>
                    )}
                    <Tooltip title="Remove with its tiles">
                      <IconButton
                        size="small"
                        onClick={() => window.confirm(`Delete the analysis of ${a.slideName} (${a.model.name}) and its tile predictions?`) && void act(() => api.call('analysis.remove', { id: a.id }))}
                        aria-label={`Remove the analysis of ${a.slideName}`}
                      >
                        <DeleteOutlineIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
