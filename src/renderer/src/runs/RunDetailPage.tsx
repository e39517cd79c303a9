/**
 * One run: what it trained (configuration, dataset, backend), how long it took, its curves, and
 * the best checkpoint's final evaluation on the validation and test splits. Follows the run live
 * while it trains.
 */
import { useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import type { RunDetail } from '@shared/contract/training';
import { href, navigate } from '../router';
import { DetailLoadState } from '../shell/DetailLoadState';
import { RunProgress } from '../training/RunProgress';
import { liveStatus } from '../training/liveProgress';
import { ConfigTable } from './ConfigTable';
import { DeleteRunDialog } from './DeleteRunDialog';
import { EvalReportView } from './EvalReportView';
import { ExportRunDialog } from './ExportRunDialog';
import { formatDateTime, formatMetric, monitorLabels, runTitle, stoppable, wallSeconds } from './formatRun';
import { baseName, formatDuration } from '../format';
import { RunActionButtons } from './RunActionButtons';
import { RunReportButton } from '../reports/RunReportButton';
import { RunCurves } from './RunCurves';
import { RunStatusChip } from './RunStatusChip';
import { useRunLive } from './useRunLive';

export function RunDetailPage({ runId }: { runId: number }) {
  const { run, metrics, progress, error, refresh } = useRunLive(runId);
  const [exporting, setExporting] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  if (!run) {
    return (
      <DetailLoadState
        error={error}
        failed="Could not load the run"
        missing={`There is no run ${runId}; it may have been deleted.`}
        back={{ href: href.page('runs'), label: 'All runs' }}
        testId="run-missing"
      />
    );
  }

  const status = liveStatus(progress, run) ?? run.status;
  const shown = { ...run, status };
  const running = stoppable(status);

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="run-detail" data-run-id={run.id} data-status={status}>
      <Breadcrumbs sx={{ mb: 1 }}>
        <Link href={href.page('runs')} underline="hover" color="inherit">
          Runs
        </Link>
        <Typography color="text.primary">{runTitle(run)}</Typography>
      </Breadcrumbs>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mb: 2 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }}>
            <Typography variant="h5" component="h1" sx={{ fontWeight: 600 }} noWrap>
              {runTitle(run)}
            </Typography>
            <RunStatusChip status={status} size="medium" />
          </Stack>
          <Typography variant="body2" color="text.secondary">
            Run {run.id} · {run.arch}
            {run.init ? ` from ${baseName(run.init)}` : ''} · {run.mode}
            {run.mode === 'last-k' ? ` (k = ${run.config.lastK})` : ''} · {run.labels.length} classes
          </Typography>
        </Box>
        <RunReportButton runIds={[run.id]} />
        <RunActionButtons run={shown} onChanged={refresh} onError={setActionError} onExport={() => setExporting(true)} onDelete={() => setDeleting(true)} showOpen={false} />
      </Stack>

      {actionError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setActionError(null)}>
          {actionError}
        </Alert>
      )}
      {run.error && status === 'failed' && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="run-error">
          {run.error}
        </Alert>
      )}
      {running && (
        <Paper variant="outlined" sx={{ p: 2, mb: 2 }}>
          <RunProgress run={run} progress={progress} />
        </Paper>
      )}

      <Facts run={run} />

      <Section title="Curves">
        <RunCurves metrics={metrics} epochs={run.epochs} live={running && progress && progress.steps > 0 ? { epoch: progress.epoch, steps: progress.steps } : null} testIdPrefix="run" />
      </Section>

      <FinalEvaluation run={run} />

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
        <Section title="Configuration">
          <ConfigTable config={run.config} />
        </Section>
        <Section title={`Skipped images (${run.skipped.length})`}>
          {run.skipped.length === 0 ? (
            <Typography variant="body2" color="text.secondary" data-testid="run-skipped">
              Every image of the dataset was read.
            </Typography>
          ) : (
            <Box component="ul" sx={{ m: 0, pl: 2, maxHeight: 240, overflow: 'auto' }} data-testid="run-skipped">
              {run.skipped.map((s) => (
                <Typography component="li" key={s.path} variant="body2" sx={{ wordBreak: 'break-all' }}>
                  <span style={{ fontFamily: 'monospace' }}>{s.path}</span>: {s.reason}
                </Typography>
              ))}
            </Box>
          )}
        </Section>
      </Box>

      <ExportRunDialog run={exporting ? run : null} onClose={() => setExporting(false)} />
      <DeleteRunDialog
        run={deleting ? run : null}
        onClose={(deleted) => {
          setDeleting(false);
          if (deleted) navigate(href.page('runs'));
        }}
      />
    </Box>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }}>
      <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

/**
 * Images per second through the network. A head-mode run trains on embeddings computed once, so
 * its training rate says nothing of the network: the backbone's embedding rate is what counts.
 */
function throughput(run: RunDetail): string {
  if (run.config.mode === 'head') {
    const e = run.final?.embeddings;
    if (e && e.computed > 0 && e.seconds > 0) return `${(e.computed / e.seconds).toFixed(1)} images/s embedded`;
    return e ? 'embeddings from the cache' : '—';
  }
  return run.final?.imagesPerSecond ? `${run.final.imagesPerSecond.toFixed(1)} images/s` : '—';
}

function Facts({ run }: { run: RunDetail }) {
  const facts: [string, ReactNode][] = [
    ['Dataset', run.datasetId !== null ? <Link href={href.dataset(run.datasetId)}>{run.datasetName}</Link> : (run.datasetName ?? 'removed')],
    ['Classes', run.labels.join(', ')],
    ['Backend', run.backend ?? '—'],
    ['Epochs', `${run.epochsCompleted} of ${run.epochs}${run.final?.stoppedEarly ? ' (stopped early)' : ''}`],
    ['Best', run.bestMetric !== null ? `${formatMetric(run.monitor, run.bestMetric)} ${monitorLabels[run.monitor]} at epoch ${run.bestEpoch}` : '—'],
    ['Training time', `${formatDuration(run.seconds)}${wallSeconds(run) !== null ? ` (${formatDuration(wallSeconds(run))} start to finish)` : ''}`],
    ['Throughput', throughput(run)],
    ['Created', formatDateTime(run.createdAt)],
    ['Started', formatDateTime(run.startedAt)],
    ['Finished', formatDateTime(run.finishedAt)],
    ['Best checkpoint', run.outDir ?? run.bestDir ?? '—'],
  ];
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid="run-facts">
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: 'repeat(3, minmax(0, 1fr))' }, columnGap: 3, rowGap: 1 }}>
        {facts.map(([k, v]) => (
          <Box key={k} sx={{ minWidth: 0 }} data-testid="run-fact" data-fact={k}>
            <Typography variant="caption" color="text.secondary">
              {k}
            </Typography>
            <Typography variant="body2" sx={{ wordBreak: 'break-word', fontFamily: k === 'Best checkpoint' ? 'monospace' : undefined, fontSize: k === 'Best checkpoint' ? 12 : undefined }}>
              {v}
            </Typography>
          </Box>
        ))}
      </Box>
    </Paper>
  );
}

function FinalEvaluation({ run }: { run: RunDetail }) {
  const reports = ([['val', run.final?.val ?? null], ['test', run.final?.test ?? null]] as const).filter(([, r]) => r !== null);
  const [tab, setTab] = useState<'val' | 'test'>(reports[0]?.[0] ?? 'val');
  if (!run.final) {
    return (
      <Section title="Final evaluation">
        <Typography variant="body2" color="text.secondary" data-testid="run-no-final">
          The best checkpoint is scored on the validation and test splits when the run completes.
        </Typography>
      </Section>
    );
  }
  if (reports.length === 0) {
    return (
      <Section title="Final evaluation">
        <Typography variant="body2" color="text.secondary">
          The dataset has no validation or test images, so there is nothing to score the model on.
        </Typography>
      </Section>
    );
  }
  const current = reports.find(([s]) => s === tab) ?? reports[0];
  return (
    <Section title="Final evaluation of the best checkpoint">
      <Tabs value={current[0]} onChange={(_, v) => setTab(v)} sx={{ mb: 2, minHeight: 36 }}>
        {reports.map(([s, r]) => (
          <Tab key={s} value={s} label={`${s === 'val' ? 'Validation' : 'Test'} (${r!.n})`} data-testid={`eval-tab-${s}`} sx={{ minHeight: 36 }} />
        ))}
      </Tabs>
      <EvalReportView key={current[0]} report={current[1]!} split={current[0]} />
    </Section>
  );
}
