/**
 * One evaluation of a run's best checkpoint (validation or test split): headline metrics with
 * bootstrap 95% intervals, per-class precision/recall/F1/AUC, the confusion matrix, one-vs-rest
 * ROC curves and the reliability diagram.
 */
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { EvalReport } from '@shared/contract/training';
import { LineChart, type ChartSeries } from '../charts/LineChart';
import { ConfusionMatrix } from './ConfusionMatrix';
import { formatInterval } from './formatRun';

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`);
const diagonal: ChartSeries = { id: 'chance', label: 'chance', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], dashed: true, width: 1, reference: true };

export function EvalReportView({ report, split }: { report: EvalReport; split: 'val' | 'test' }) {
  const headline: [string, number | null, readonly [number, number] | null][] = [
    ['Accuracy', report.accuracy, report.ci.accuracy],
    ['Balanced accuracy', report.balancedAccuracy, report.ci.balancedAccuracy],
    ['Macro F1', report.macroF1, report.ci.macroF1],
    ['ROC AUC (macro)', report.auc, report.ci.auc],
  ];
  const roc: ChartSeries[] = [
    diagonal,
    ...Object.entries(report.curves.roc).map(([label, c]) => ({ id: label, label, points: c.fpr.map((x, i) => ({ x, y: c.tpr[i] })) })),
  ];
  const reliability: ChartSeries[] = [
    diagonal,
    {
      id: 'reliability',
      label: 'observed accuracy',
      points: report.curves.reliability.filter((b) => b.count > 0).map((b) => ({ x: b.confidence, y: b.accuracy })),
      markers: true,
    },
  ];

  return (
    <Box data-testid={`eval-${split}`} data-n={report.n}>
      <Box sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: { xs: '1fr 1fr', md: 'repeat(6, minmax(0, 1fr))' }, mb: 2 }}>
        {headline.map(([name, value, ci]) => (
          <Paper key={name} variant="outlined" sx={{ p: 1.25 }} data-testid="eval-metric" data-metric={name}>
            <Typography variant="caption" color="text.secondary">
              {name}
            </Typography>
            <Typography variant="h6" sx={{ fontWeight: 600, lineHeight: 1.3 }}>
              {pct(value)}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              {ci ? `95% CI ${formatInterval(ci)}` : 'no interval'}
            </Typography>
          </Paper>
        ))}
        <Paper variant="outlined" sx={{ p: 1.25 }}>
          <Typography variant="caption" color="text.secondary">
            Log loss · ECE
          </Typography>
          <Typography variant="h6" sx={{ fontWeight: 600, lineHeight: 1.3 }}>
            {report.logLoss.toFixed(3)}
          </Typography>
          <Typography variant="caption" color="text.secondary">
            calibration error {pct(report.ece)}
          </Typography>
        </Paper>
        <Paper variant="outlined" sx={{ p: 1.25 }}>
          <Typography variant="caption" color="text.secondary">
            Images
          </Typography>
          <Typography variant="h6" sx={{ fontWeight: 600, lineHeight: 1.3 }} data-testid="eval-n">
            {report.n}
          </Typography>
          <Typography variant="caption" color="text.secondary">
            {report.skipped.length ? `${report.skipped.length} unreadable left out` : `${report.ci.resamples} bootstrap resamples`}
          </Typography>
        </Paper>
      </Box>

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' }, mb: 2 }}>
        <Box>
          <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
            Per class
          </Typography>
          <Table size="small" data-testid="eval-per-class">
            <TableHead>
              <TableRow>
                <TableCell>Class</TableCell>
                <TableCell align="right">Precision</TableCell>
                <TableCell align="right">Recall</TableCell>
                <TableCell align="right">F1</TableCell>
                <TableCell align="right">AUC</TableCell>
                <TableCell align="right">Support</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.labels.map((label) => {
                const c = report.perClass[label];
                return (
                  <TableRow key={label} data-testid="eval-class-row" data-label={label}>
                    <TableCell>{label}</TableCell>
                    <TableCell align="right">{pct(c?.precision)}</TableCell>
                    <TableCell align="right">{pct(c?.recall)}</TableCell>
                    <TableCell align="right">{pct(c?.f1)}</TableCell>
                    <TableCell align="right">{c?.auc === null || c?.auc === undefined ? '—' : c.auc.toFixed(3)}</TableCell>
                    <TableCell align="right">{c?.support ?? 0}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </Box>
        <Box>
          <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
            Confusion matrix
          </Typography>
          <ConfusionMatrix labels={report.confusion.labels} matrix={report.confusion.matrix} testId={`confusion-${split}`} />
        </Box>
      </Box>

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' } }}>
        <Box>
          <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
            ROC, one class against the rest
          </Typography>
          <LineChart series={roc} xDomain={[0, 1]} yDomain={[0, 1]} xLabel="false positive rate" yLabel="true positive rate" height={260} testId={`roc-${split}`} formatY={(v) => v.toFixed(3)} formatX={(v) => v.toFixed(3)} />
        </Box>
        <Box>
          <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
            Reliability (confidence against accuracy)
          </Typography>
          <LineChart series={reliability} xDomain={[0, 1]} yDomain={[0, 1]} xLabel="confidence" yLabel="accuracy" height={260} testId={`reliability-${split}`} formatY={pct} formatX={pct} />
        </Box>
      </Box>
    </Box>
  );
}
