/**
 * One cohort folder: its model and per-state counts, the per-slide table on demand, and Collect
 * with what it brought in (links to the slides, whose viewer shows the heatmaps).
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Collapse from '@mui/material/Collapse';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { CohortEntry, CohortStatus, CollectSummary } from '@shared/contract/cohorts';
import { api, errorMessage } from '../api';
import { href } from '../router';
import { newJobId, useJobProgress } from '../datasets/useJobProgress';

const STATE_COLOR = { done: 'success', failed: 'error', running: 'info', queued: 'default' } as const;
const STATES = ['done', 'failed', 'running', 'queued'] as const;

const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

export function CohortCard({ cohort, onChanged, onForget }: { cohort: CohortEntry; onChanged: () => void; onForget: () => void }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<CohortStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [collectJob, setCollectJob] = useState<string | null>(null);
  const collectProgress = useJobProgress(collectJob);
  const [error, setError] = useState<string | null>(null);
  const [collected, setCollected] = useState<CollectSummary | null>(null);

  const loadStatus = () => {
    setError(null);
    api.call('cohorts.status', { dir: cohort.dir }).then(setStatus, (err) => setError(errorMessage(err)));
  };
  const toggle = () => {
    if (!open) loadStatus();
    setOpen(!open);
  };
  const collect = () => {
    setBusy(true);
    setError(null);
    const jobId = newJobId('collect');
    setCollectJob(jobId);
    api.call('cohorts.collect', { dir: cohort.dir, jobId }).then(
      (r) => {
        setCollected(r);
        onChanged();
      },
      (err) => setError(errorMessage(err)),
    ).finally(() => setBusy(false));
  };

  const done = cohort.counts?.done ?? 0;
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid="cohort-card" data-dir={cohort.dir}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Stack sx={{ flex: 1, minWidth: 240 }}>
          <Typography sx={{ fontWeight: 600, wordBreak: 'break-all' }}>{cohort.dir}</Typography>
          <Typography variant="body2" color="text.secondary">
            {cohort.error ?? `${cohort.slides} slide(s) · ${cohort.executor === 'slurm' ? 'Slurm' : 'here'} · ${cohort.model}`}
          </Typography>
        </Stack>
        {cohort.counts &&
          STATES.filter((s) => cohort.counts![s] > 0).map((s) => (
            <Chip key={s} size="small" color={STATE_COLOR[s]} label={`${cohort.counts![s]} ${s}`} data-testid={`cohort-count-${s}`} />
          ))}
        <Button size="small" onClick={toggle} disabled={cohort.error !== null} data-testid="cohort-toggle">
          {open ? 'Hide slides' : 'Slides'}
        </Button>
        <Button size="small" variant="contained" onClick={collect} disabled={busy || done === 0} data-testid="cohort-collect">
          {busy ? (collectProgress?.total ? `Collecting ${collectProgress.done} of ${collectProgress.total}…` : 'Collecting…') : 'Collect'}
        </Button>
        <Button size="small" color="inherit" onClick={onForget} data-testid="cohort-forget">
          Forget
        </Button>
      </Stack>
      {error && (
        <Alert severity="error" sx={{ mt: 1 }} onClose={() => setError(null)} data-testid="cohort-error">
          {error}
        </Alert>
      )}
      {collected && <CollectResult result={collected} onClose={() => setCollected(null)} />}
      <Collapse in={open} unmountOnExit>
        {status && (
          <Table size="small" sx={{ mt: 1 }} data-testid="cohort-slides">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Slide</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Tiles</TableCell>
                <TableCell>Why it failed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {status.slides.map((s) => (
                <TableRow key={s.index} data-testid="cohort-slide-row" data-state={s.state}>
                  <TableCell>{s.index}</TableCell>
                  <TableCell title={s.path}>{fileName(s.path)}</TableCell>
                  <TableCell>
                    <Chip size="small" color={STATE_COLOR[s.state]} label={s.state} />
                  </TableCell>
                  <TableCell>{s.tiles ?? ''}</TableCell>
                  <TableCell sx={{ color: 'error.main', wordBreak: 'break-word' }}>{s.error ?? ''}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Collapse>
    </Paper>
  );
}

function CollectResult({ result, onClose }: { result: CollectSummary; onClose: () => void }) {
  const inLibrary = result.slides.filter((s) => s.slideId !== null);
  return (
    <Alert severity={result.failed ? 'warning' : 'success'} sx={{ mt: 1 }} onClose={onClose} data-testid="cohort-collected">
      <Typography variant="body2" sx={{ mb: 0.5 }}>
        {result.imported} analysis(es) imported, {result.kept} already in the library, {result.failed} slide(s) not collected.
      </Typography>
      {inLibrary.map((s) => (
        <div key={s.index}>
          <Link href={href.viewer(s.slideId!)} data-testid="cohort-collected-slide" data-imported={s.imported ? 'true' : 'false'}>
            {fileName(s.path)}
          </Link>
          {s.imported ? ' (imported)' : ' (already there)'}
        </div>
      ))}
    </Alert>
  );
}
