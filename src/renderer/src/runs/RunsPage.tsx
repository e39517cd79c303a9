/**
 * Every training run, newest first: status, what it trains on, how far it got and its best
 * metric, with cancel, resume, export and delete; tick runs to compare them. Keys: Enter opens the
 * focused run, Delete asks to delete it (or the one ticked run).
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
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
import CompareArrowsIcon from '@mui/icons-material/CompareArrows';
import TimelineIcon from '@mui/icons-material/Timeline';
import type { RunSummary } from '@shared/contract/training';
import { href, navigate } from '../router';
import { DeleteRunDialog } from './DeleteRunDialog';
import { ExportRunDialog } from './ExportRunDialog';
import { formatDateTime, formatMetric, monitorLabels, runTitle } from './formatRun';
import { baseName } from '../format';
import { RunActionButtons } from './RunActionButtons';
import { RunStatusChip } from './RunStatusChip';
import { RunGroupsSection } from './RunGroupsSection';
import { useRuns } from './useRuns';
import { EmptyList } from '../shell/EmptyList';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';

const MAX_COMPARE = 20;

/**
 * The actions stay in view however wide the other columns grow: pinned to the table's right edge
 * (over a scrolled row) and never wrapped. On screens narrower than xl the Finished column gives
 * way, so a 1400 px window shows every column without scrolling.
 */
const actionsCell = { position: 'sticky', right: 0, zIndex: 1, bgcolor: 'background.paper', whiteSpace: 'nowrap', boxShadow: (t: { palette: { divider: string } }) => `-1px 0 0 ${t.palette.divider}` } as const;
const wideOnly = { display: { xs: 'none', xl: 'table-cell' } } as const;

export function RunsPage() {
  const { runs, error, refresh } = useRuns();
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [exporting, setExporting] = useState<RunSummary | null>(null);
  const [deleting, setDeleting] = useState<RunSummary | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  // ticks of runs that are gone (deleted here or elsewhere) drop out
  useEffect(() => {
    if (!runs) return;
    const ids = new Set(runs.map((r) => r.id));
    setSelected((s) => (Array.from(s).every((id) => ids.has(id)) ? s : new Set(Array.from(s).filter((id) => ids.has(id)))));
  }, [runs]);

  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Delete' || !runs || exporting || deleting) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) && target.getAttribute('type') !== 'checkbox') return;
      const rowId = Number(target?.closest<HTMLElement>('[data-testid="run-row"]')?.dataset.runId);
      const id = rowId || (selected.size === 1 ? [...selected][0] : 0);
      const run = runs.find((r) => r.id === id);
      if (run) {
        e.preventDefault();
        setDeleting(run);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runs, selected, exporting, deleting]);

  const chosen = runs ? runs.filter((r) => selected.has(r.id)).map((r) => r.id) : [];

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="runs-page">
      <PageHeader
        title="Runs"
        subtitle={runs && runs.length > 0 ? `${runs.length} run${runs.length === 1 ? '' : 's'}${chosen.length > 0 ? ` · ${chosen.length} selected` : ' · tick runs to compare them'}` : null}
      >
        <Tooltip title={chosen.length < 2 ? 'Tick two or more runs' : ''}>
          <span>
            <Button
              variant="outlined"
              startIcon={<CompareArrowsIcon />}
              disabled={chosen.length < 2 || chosen.length > MAX_COMPARE}
              onClick={() => navigate(href.compareRuns([...chosen].sort((a, b) => a - b)))}
              data-testid="runs-compare"
            >
              Compare selected
            </Button>
          </span>
        </Tooltip>
        <Button variant="contained" startIcon={<AddIcon />} href={href.page('training')} data-testid="runs-new">
          New run
        </Button>
      </PageHeader>

      <ListLoadState loading={runs === null} error={error} what="the runs" onRetry={refresh} />
      {actionError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setActionError(null)} data-testid="runs-action-error">
          {actionError}
        </Alert>
      )}
      {runs && runs.length === 0 && (
        <EmptyList
          testId="runs-empty"
          icon={TimelineIcon}
          title="No training runs yet"
          action={
            <Button variant="contained" href={href.page('training')}>
              Start a run
            </Button>
          }
        >
          Runs started on the Training page (or with `tessella train`) are listed here with their curves and metrics.
        </EmptyList>
      )}
      {runs && runs.length > 0 && (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" data-testid="runs-table">
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox">
                  <Checkbox
                    size="small"
                    checked={chosen.length > 0 && chosen.length === runs.length}
                    indeterminate={chosen.length > 0 && chosen.length < runs.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(runs.map((r) => r.id)) : new Set())}
                    slotProps={{ input: { 'aria-label': 'Select all runs' } }}
                  />
                </TableCell>
                <TableCell>Name</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Architecture</TableCell>
                <TableCell>Mode</TableCell>
                <TableCell>Dataset</TableCell>
                <TableCell align="right">Epochs</TableCell>
                <TableCell>Best</TableCell>
                <TableCell>Started</TableCell>
                <TableCell sx={wideOnly}>Finished</TableCell>
                <TableCell align="right" sx={actionsCell}>
                  Actions
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {runs.map((r) => (
                <TableRow
                  key={r.id}
                  hover
                  selected={selected.has(r.id)}
                  tabIndex={0}
                  onClick={() => navigate(href.run(r.id))}
                  onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && navigate(href.run(r.id))}
                  sx={{ cursor: 'pointer' }}
                  data-testid="run-row"
                  data-run-id={r.id}
                  data-status={r.status}
                >
                  <TableCell padding="checkbox" onClick={(e) => e.stopPropagation()}>
                    <Checkbox
                      size="small"
                      checked={selected.has(r.id)}
                      onChange={() => toggle(r.id)}
                      slotProps={{ input: { 'aria-label': `Select ${runTitle(r)}`, 'data-testid': 'run-select' } as object }}
                    />
                  </TableCell>
                  <TableCell sx={{ fontWeight: 600, maxWidth: 260 }}>
                    <a href={href.run(r.id)} style={{ color: 'inherit', textDecoration: 'none' }} onClick={(e) => e.stopPropagation()} data-testid="run-name">
                      {runTitle(r)}
                    </a>
                    {r.status === 'failed' && r.error && (
                      <Typography variant="caption" color="error" sx={{ display: 'block', fontWeight: 400 }} noWrap title={r.error}>
                        {r.error}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <RunStatusChip status={r.status} />
                  </TableCell>
                  <TableCell>
                    {r.arch}
                    {r.init && (
                      <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }} title={r.init}>
                        from {baseName(r.init)}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{r.mode}</TableCell>
                  <TableCell>{r.datasetId !== null ? <a href={href.dataset(r.datasetId)} onClick={(e) => e.stopPropagation()} style={{ color: 'inherit' }}>{r.datasetName}</a> : (r.datasetName ?? '—')}</TableCell>
                  <TableCell align="right" data-testid="run-epochs" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                    {r.epochsCompleted} / {r.epochs}
                  </TableCell>
                  <TableCell data-testid="run-best">
                    {r.bestMetric !== null ? (
                      <>
                        {formatMetric(r.monitor, r.bestMetric)}
                        <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                          {monitorLabels[r.monitor]}, epoch {r.bestEpoch}
                        </Typography>
                      </>
                    ) : (
                      '—'
                    )}
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.startedAt)}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap', ...wideOnly }}>{formatDateTime(r.finishedAt)}</TableCell>
                  <TableCell align="right" sx={actionsCell} data-testid="run-actions">
                    <RunActionButtons run={r} onChanged={refresh} onError={setActionError} onExport={setExporting} onDelete={setDeleting} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}

      <RunGroupsSection />

      <ExportRunDialog run={exporting} onClose={() => setExporting(null)} />
      <DeleteRunDialog
        run={deleting}
        onClose={(deleted) => {
          if (deleted && deleting) setSelected((s) => new Set(Array.from(s).filter((id) => id !== deleting.id)));
          setDeleting(null);
          refresh();
        }}
      />
    </Box>
  );
}
