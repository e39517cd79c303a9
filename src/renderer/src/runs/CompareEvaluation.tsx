/**
 * The compared runs' best checkpoints on a held-out split (validation or test): one ROC chart for
 * a chosen class against the rest and one reliability diagram, each with a line per run in the
 * run's colour, so calibration and ranking can be read side by side, not only accuracy.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { CallOutput } from '@shared/api';
import { LineChart, type ChartSeries } from '../charts/LineChart';
import { seriesColor } from '../charts/palette';
import { runTitle } from './formatRun';

type Compared = CallOutput<'runs.compare'>['runs'];

const splitNames = { val: 'Validation', test: 'Test' } as const;
const diagonal: ChartSeries = { id: 'chance', label: 'chance', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], dashed: true, width: 1, reference: true };
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function CompareEvaluation({ runs }: { runs: Compared }) {
  const [split, setSplit] = useState<'val' | 'test'>(runs.some((r) => r.splits.test) ? 'test' : 'val');
  const classes = [...new Set(runs.flatMap((r) => Object.keys(r.splits[split]?.roc ?? {})))];
  const [picked, setPicked] = useState<string | null>(null);
  const cls = picked !== null && classes.includes(picked) ? picked : (classes[0] ?? null);
  const roc: ChartSeries[] = [
    diagonal,
    ...runs.flatMap((r, i) => {
      const c = cls !== null ? r.splits[split]?.roc[cls] : undefined;
      return c ? [{ id: String(r.id), label: runTitle(r), color: seriesColor(i), points: c.fpr.map((x, j) => ({ x, y: c.tpr[j] })) }] : [];
    }),
  ];
  const reliability: ChartSeries[] = [
    diagonal,
    ...runs.flatMap((r, i) => {
      const bins = r.splits[split]?.reliability.filter((b) => b.count > 0);
      return bins?.length ? [{ id: String(r.id), label: runTitle(r), color: seriesColor(i), markers: true, points: bins.map((b) => ({ x: b.confidence, y: b.accuracy })) }] : [];
    }),
  ];
  const missing = runs.filter((r) => !r.splits[split]).map(runTitle);

  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid="compare-evaluation" data-split={split}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1, flexWrap: 'wrap' }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, flex: 1 }}>
          {splitNames[split]} split: ROC and calibration of the best checkpoints
        </Typography>
        {classes.length > 0 && (
          <TextField select size="small" label="Class against the rest" value={cls ?? ''} onChange={(e) => setPicked(e.target.value)} sx={{ minWidth: 200 }} data-testid="compare-roc-class">
            {classes.map((c) => (
              <MenuItem key={c} value={c}>
                {c}
              </MenuItem>
            ))}
          </TextField>
        )}
        <ToggleButtonGroup exclusive size="small" value={split} onChange={(_, v: 'val' | 'test' | null) => v && setSplit(v)} aria-label="Evaluation split">
          {(['val', 'test'] as const).map((s) => (
            <ToggleButton key={s} value={s} data-testid={`compare-eval-${s}`}>
              {splitNames[s]}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Box>
      {missing.length > 0 && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          No {splitNames[split].toLowerCase()} evaluation for {missing.join(', ')}.
        </Typography>
      )}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
        <LineChart series={roc} xDomain={[0, 1]} yDomain={[0, 1]} xLabel="false positive rate" yLabel="true positive rate" height={260} testId="compare-roc-chart" formatY={(v) => v.toFixed(3)} formatX={(v) => v.toFixed(3)} />
        <LineChart series={reliability} xDomain={[0, 1]} yDomain={[0, 1]} xLabel="confidence" yLabel="accuracy" height={260} testId="compare-reliability-chart" formatY={pct} formatX={pct} />
      </Box>
    </Paper>
  );
}
