/** A report just started from a slide or a run: its progress, then its files, in the same dialog. */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import Typography from '@mui/material/Typography';
import { api, errorMessage } from '../api';
import { formatBytes } from '../format';
import { href } from '../router';
import { isActive } from './formatReport';
import { ReportFileActions } from './ReportFileActions';
import { ReportStatusCell } from './ReportStatusCell';
import { useReport } from './useReports';

export function ReportFollow({ reportId, onClose }: { reportId: number; onClose: () => void }) {
  const { report, progress, error } = useReport(reportId);
  const [actionError, setActionError] = useState<string | null>(null);

  const cancel = () => {
    setActionError(null);
    api.call('reports.cancel', { id: reportId }).catch((err) => setActionError(errorMessage(err)));
  };

  return (
    <>
      <DialogContent dividers data-testid="report-follow" data-report-id={reportId}>
        {report ? (
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
            <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
              {report.title}
            </Typography>
            <ReportStatusCell report={report} progress={progress ?? undefined} />
            {report.status === 'completed' && (
              <Typography variant="body2" color="text.secondary">
                {[report.pages !== null ? `${report.pages} page${report.pages === 1 ? '' : 's'}` : null, report.bytes !== null ? formatBytes(report.bytes) : null]
                  .filter(Boolean)
                  .join(' · ')}
              </Typography>
            )}
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
              <ReportFileActions report={report} compact={false} onError={setActionError} />
            </Box>
            {isActive(report) && (
              <Typography variant="caption" color="text.secondary">
                You can close this; the report is made in the background and listed on the Reports page.
              </Typography>
            )}
          </Box>
        ) : (
          !error && <Typography color="text.secondary">Starting…</Typography>
        )}
        {(error || actionError) && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {error ?? actionError}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {report && isActive(report) && (
          <Button color="warning" onClick={cancel} data-testid="report-follow-cancel">
            Stop
          </Button>
        )}
        <Box sx={{ flex: 1 }} />
        <Button href={href.page('reports')} onClick={onClose} data-testid="report-go-reports">
          Go to Reports
        </Button>
        <Button variant="outlined" onClick={onClose} autoFocus>
          Close
        </Button>
      </DialogActions>
    </>
  );
}
