/** One row per report: what it is about, its state, size, and what can be done with it. */
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import StopIcon from '@mui/icons-material/Stop';
import type { ReportProgress, ReportSummary } from '@shared/contract/reports';
import { formatBytes, formatDate } from '../format';
import { isActive, kindColors, kindLabels } from './formatReport';
import { baseName } from '../format';
import { ReportFileActions } from './ReportFileActions';
import { ReportStatusCell } from './ReportStatusCell';

/** "CMU-1.svs · resnet_tiny", "3 runs", "120 slides · vit-b16" — what the title may not say. */
function subject(r: ReportSummary): string {
  const model = r.model ? baseName(r.model) : null;
  const what =
    r.kind === 'run'
      ? `${r.runIds.length} run${r.runIds.length === 1 ? '' : 's'} (#${r.runIds.join(', #')})`
      : `${r.slideIds.length} slide${r.slideIds.length === 1 ? '' : 's'}`;
  return [what, model].filter(Boolean).join(' · ');
}

export function ReportTable({
  reports,
  progress,
  onCancel,
  onRemove,
  onError,
}: {
  reports: ReportSummary[];
  progress: Map<number, ReportProgress>;
  onCancel: (r: ReportSummary) => void;
  onRemove: (r: ReportSummary) => void;
  onError: (message: string | null) => void;
}) {
  return (
    <TableContainer component={Paper} variant="outlined">
      <Table size="small" data-testid="report-table">
        <TableHead>
          <TableRow>
            <TableCell>Title</TableCell>
            <TableCell>Kind</TableCell>
            <TableCell>Status</TableCell>
            <TableCell align="right">Pages</TableCell>
            <TableCell align="right">Size</TableCell>
            <TableCell>Created</TableCell>
            <TableCell align="right">Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {reports.map((r) => (
            <TableRow key={r.id} hover data-testid="report-row" data-report-id={r.id} data-kind={r.kind} data-status={r.status}>
              <TableCell sx={{ maxWidth: 360 }}>
                <Typography variant="body2" sx={{ fontWeight: 600 }} noWrap title={r.title}>
                  {r.title}
                </Typography>
                <Typography variant="caption" color="text.secondary" noWrap component="div" title={r.pdfPath ?? undefined}>
                  {subject(r)}
                </Typography>
              </TableCell>
              <TableCell>
                <Chip size="small" variant="outlined" color={kindColors[r.kind]} label={kindLabels[r.kind]} />
              </TableCell>
              <TableCell>
                <ReportStatusCell report={r} progress={progress.get(r.id)} />
              </TableCell>
              <TableCell align="right">{r.pages ?? '—'}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {r.bytes !== null ? formatBytes(r.bytes) : '—'}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }} title={r.createdAt}>
                {formatDate(r.createdAt)}
              </TableCell>
              <TableCell align="right">
                <Box sx={{ display: 'flex', justifyContent: 'flex-end', whiteSpace: 'nowrap' }}>
                  <ReportFileActions report={r} compact onError={onError} />
                  {isActive(r) && (
                    <Tooltip title="Stop making this report">
                      <IconButton size="small" onClick={() => onCancel(r)} aria-label={`Cancel ${r.title}`} data-testid="report-cancel">
                        <StopIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                  )}
                  <Tooltip title="Remove">
                    <IconButton size="small" onClick={() => onRemove(r)} aria-label={`Remove ${r.title}`} data-testid="report-remove">
                      <DeleteOutlineIcon fontSize="small" />
                    </IconButton>
                  </Tooltip>
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
