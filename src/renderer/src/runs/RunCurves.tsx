/** A run's loss and accuracy curves side by side, on a shared epoch axis. */
import { useMemo } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { MetricPoint } from '@shared/contract/training';
import { LineChart } from '../charts/LineChart';
import { accuracySeries, lossSeries } from './curves';

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

export function RunCurves({
  metrics,
  epochs,
  live,
  testIdPrefix,
  height = 240,
}: {
  metrics: MetricPoint[];
  /** The run's planned epochs: the x axis spans them all, so a live run fills it from the left. */
  epochs: number;
  live?: { epoch: number; steps: number } | null;
  testIdPrefix: string;
  height?: number;
}) {
  const liveEpoch = live?.epoch;
  const liveSteps = live?.steps;
  const loss = useMemo(
    () => lossSeries(metrics, liveEpoch !== undefined && liveSteps !== undefined ? { epoch: liveEpoch, steps: liveSteps } : null),
    [metrics, liveEpoch, liveSteps],
  );
  const accuracy = useMemo(() => accuracySeries(metrics), [metrics]);
  const xDomain = [0, Math.max(1, epochs)] as const;
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
      <Box>
        <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
          Loss
        </Typography>
        <LineChart series={loss} xDomain={xDomain} integerX xLabel="epoch" height={height} testId={`${testIdPrefix}-loss-chart`} ariaLabel="Loss by epoch" formatY={(v) => v.toFixed(4)} formatX={(x) => (Number.isInteger(x) ? String(x) : x.toFixed(2))} />
      </Box>
      <Box>
        <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
          Accuracy
        </Typography>
        <LineChart
          series={accuracy}
          xDomain={xDomain}
          yDomain={[0, 1]}
          integerX
          xLabel="epoch"
          height={height}
          testId={`${testIdPrefix}-accuracy-chart`}
          ariaLabel="Accuracy by epoch"
          formatY={percent}
          emptyText="Accuracy appears after the first epoch"
        />
      </Box>
    </Box>
  );
}
