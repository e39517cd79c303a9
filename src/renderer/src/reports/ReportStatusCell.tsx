/** A report's state: a chip, and while it is being made a bar with what the server is doing. */
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { ReportProgress, ReportSummary } from '@shared/contract/reports';
import { describeProgress, isActive, progressPercent, statusColors, statusLabels } from './formatReport';

export function ReportStatusCell({ report, progress }: { report: ReportSummary; progress: ReportProgress | undefined }) {
  // A progress event can be newer than the row (the list refetch is still on its way).
  const status = progress && progress.reportId === report.id && isActive(report) ? progress.status : report.status;
  const active = status === 'queued' || status === 'running';
  const percent = progressPercent(progress);
  return (
    <Box sx={{ minWidth: 160 }} data-testid="report-status" data-status={status}>
      <Chip size="small" color={statusColors[status]} label={statusLabels[status]} title={report.error ?? undefined} />
      {active && (
        <Box sx={{ mt: 0.75 }} data-testid="report-progress" data-phase={progress?.phase ?? 'queued'}>
          <LinearProgress variant={percent === null ? 'indeterminate' : 'determinate'} value={percent ?? 0} />
          <Typography variant="caption" color="text.secondary" noWrap component="div">
            {progress ? describeProgress(progress) : 'Waiting to start'}
          </Typography>
        </Box>
      )}
      {status === 'failed' && report.error && (
        <Typography variant="caption" color="error" component="div" sx={{ mt: 0.5, maxWidth: 280, wordBreak: 'break-word' }}>
          {report.error}
        </Typography>
      )}
    </Box>
  );
}
