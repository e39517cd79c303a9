/**
 * Several runs side by side: their validation accuracy and loss curves on one chart each (one
 * series per run), ROC and reliability on a held-out split, and their final metrics on the
 * validation and the test split in one table with the best value of each row marked.
 */
import { useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { CallOutput } from '@shared/api';
import { api, errorMessage } from '../api';
import { LineChart, type ChartSeries } from '../charts/LineChart';
import { seriesColor } from '../charts/palette';
import { href } from '../router';
import { DetailLoadState } from '../shell/DetailLoadState';
import { bestColumns, compareMetrics } from './compareRows';
import { formatMetric, monitorLabels, runTitle } from './formatRun';
import { RunStatusChip } from './RunStatusChip';
import { RunReportButton } from '../reports/RunReportButton';
import { CompareEvaluation } from './CompareEvaluation';

type Compared = CallOutput<'runs.compare'>['runs'];

const splitChoice = { val: 'Validation', train: 'Training' } as const;

export function CompareRunsPage({ runIds }: { runIds: number[] }) {
  const [runs, setRuns] = useState<Compared | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [split, setSplit] = useState<'val' | 'train'>('val');
  const key = runIds.join(',');

  useEffect(() => {
    const ids = key.split(',').map(Number);
    let live = true;
    setRuns(null);
    setError(null);
    api.call('runs.compare', { ids }).then(
      (r) => live && setRuns(r.runs),
      (err) => live && setError(errorMessage(err)),
    );
    // runs still training grow their curves; a progress event of one of them re-reads the comparison
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('training.progress', (p) => {
      if (!ids.includes(p.runId) || timer) return;
      timer = setTimeout(() => {
        timer = null;
        api.call('runs.compare', { ids }).then((r) => live && setRuns(r.runs), () => undefined);
      }, 1000);
    });
    return () => {
      live = false;
      off();
      if (timer) clearTimeout(timer);
    };
  }, [key]);

  if (error || !runs) {
    return <DetailLoadState error={error ? { message: error } : null} failed="Could not compare the runs" back={{ href: href.page('runs'), label: 'All runs' }} />;
  }

  const curveSeries = (metric: string): ChartSeries[] =>
    runs.map((r, i) => ({ id: String(r.id), label: runTitle(r), points: (r.curves[metric] ?? []).map((p) => ({ x: p.epoch, y: p.value })), color: seriesColor(i), markers: true }));
  const maxEpochs = Math.max(1, ...runs.map((r) => r.epochs));

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="compare-page">
      <Breadcrumbs sx={{ mb: 1 }}>
        <Link href={href.page('runs')} underline="hover" color="inherit">
          Runs
        </Link>
        <Typography color="text.primary">Compare {runs.length} runs</Typography>
      </Breadcrumbs>
      <Box sx={{ display: 'flex', alignItems: 'center', mb: 2, gap: 2 }}>
        <Typography variant="h5" component="h1" sx={{ fontWeight: 600, flex: 1 }}>
          Compare runs
        </Typography>
        <RunReportButton runIds={runs.map((r) => r.id)} />
        <ToggleButtonGroup exclusive size="small" value={split} onChange={(_, v: 'val' | 'train' | null) => v && setSplit(v)} aria-label="Curves of">
          {(['val', 'train'] as const).map((s) => (
            <ToggleButton key={s} value={s} data-testid={`compare-split-${s}`}>
              {splitChoice[s]} curves
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Box>

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' }, mb: 2 }}>
        <Paper variant="outlined" sx={{ p: 2 }}>
          <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
            {splitChoice[split]} accuracy
          </Typography>
          <LineChart
            series={curveSeries(`${split}_accuracy`)}
            xDomain={[0, maxEpochs]}
            yDomain={[0, 1]}
            integerX
            xLabel="epoch"
            height={280}
            testId="compare-accuracy-chart"
            formatY={(v) => `${(v * 100).toFixed(1)}%`}
          />
        </Paper>
        <Paper variant="outlined" sx={{ p: 2 }}>
          <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
            {splitChoice[split]} loss
          </Typography>
          <LineChart series={curveSeries(`${split}_loss`)} xDomain={[0, maxEpochs]} integerX xLabel="epoch" height={280} testId="compare-loss-chart" formatY={(v) => v.toFixed(4)} />
        </Paper>
      </Box>

      <CompareEvaluation runs={runs} />

      <Paper variant="outlined" sx={{ p: 2, overflowX: 'auto' }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
          Final metrics of the best checkpoints
        </Typography>
        <Table size="small" data-testid="compare-table">
          <TableHead>
            <TableRow>
              <TableCell />
              {runs.map((r, i) => (
                <TableCell key={r.id} align="right" data-testid="compare-run-column" data-run-id={r.id} sx={{ minWidth: 140, verticalAlign: 'top' }}>
                  <Box sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.75 }}>
                    <Box sx={{ width: 10, height: 10, borderRadius: '50%', bgcolor: seriesColor(i) }} />
                    <Link href={href.run(r.id)} sx={{ fontWeight: 600 }}>
                      {runTitle(r)}
                    </Link>
                  </Box>
                  <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                    {r.arch} · {r.mode} · {r.epochsCompleted}/{r.epochs} epochs
                  </Typography>
                  <RunStatusChip status={r.status} />
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            <TableRow>
              <TableCell sx={{ color: 'text.secondary' }}>Best epoch</TableCell>
              {runs.map((r) => (
                <TableCell key={r.id} align="right">
                  {r.bestEpoch === null ? '—' : `${r.bestEpoch} (${monitorLabels[r.monitor]} ${formatMetric(r.monitor, r.bestMetric)})`}
                </TableCell>
              ))}
            </TableRow>
            {(['val', 'test'] as const).map((sp) => (
              <SplitRows key={sp} runs={runs} split={sp} />
            ))}
            <TableRow>
              <TableCell colSpan={runs.length + 1} sx={{ fontWeight: 600, pt: 2 }}>
                Training
              </TableCell>
            </TableRow>
            {compareMetrics
              .filter((m) => timingKeys.has(m.key))
              .map((m) => (
                <MetricRow key={m.key} label={m.label} metric={m.key} values={runs.map((r) => r.final[m.key] ?? null)} runIds={runs.map((r) => r.id)} />
              ))}
          </TableBody>
        </Table>
      </Paper>
    </Box>
  );
}

const timingKeys = new Set(['seconds', 'imagesPerSecond']);

/** One metric across the runs, the best value(s) marked; the row is found by its data-metric (test rows: test_<metric>). */
function MetricRow({ label, metric, values, runIds }: { label: string; metric: string; values: (number | null)[]; runIds: number[] }) {
  const best = bestColumns(values, metric);
  return (
    <TableRow data-testid="compare-row" data-metric={metric}>
      <TableCell sx={{ color: 'text.secondary' }}>{label}</TableCell>
      {values.map((v, i) => (
        <TableCell
          key={runIds[i]}
          align="right"
          data-best={best.has(i) ? 'true' : undefined}
          sx={best.has(i) ? { fontWeight: 700, bgcolor: 'success.main', color: 'success.contrastText', borderRadius: 0 } : { fontVariantNumeric: 'tabular-nums' }}
        >
          {formatMetric(metric, v)}
        </TableCell>
      ))}
    </TableRow>
  );
}

/** The evaluation metrics of one split, under a heading row naming it and its image counts. */
function SplitRows({ runs, split }: { runs: Compared; split: 'val' | 'test' }) {
  const counts = runs.map((r) => r.splits[split]?.n ?? null);
  return (
    <>
      <TableRow data-testid="compare-split-heading" data-split={split}>
        <TableCell sx={{ fontWeight: 600, pt: 2 }}>{split === 'val' ? 'Validation split' : 'Test split'}</TableCell>
        {counts.map((n, i) => (
          <TableCell key={runs[i].id} align="right" sx={{ color: 'text.secondary', pt: 2 }}>
            {n === null ? 'not evaluated' : `${n} images`}
          </TableCell>
        ))}
      </TableRow>
      {compareMetrics
        .filter((m) => !timingKeys.has(m.key))
        .map((m) => (
          <MetricRow
            key={m.key}
            label={m.label}
            metric={split === 'val' ? m.key : `test_${m.key}`}
            values={runs.map((r) => r.splits[split]?.metrics[m.key] ?? null)}
            runIds={runs.map((r) => r.id)}
          />
        ))}
    </>
  );
}
