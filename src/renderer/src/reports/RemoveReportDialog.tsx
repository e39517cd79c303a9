/** Forgets a report; its PDF, HTML and CSV stay on disk unless the user asks for them to go too. */
import { useEffect, useState } from 'react';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import type { ReportSummary } from '@shared/contract/reports';
import { api } from '../api';
import { ConfirmRemoveDialog } from '../shell/ConfirmRemoveDialog';
import { baseName } from '../format';

export function RemoveReportDialog({ report, onClose }: { report: ReportSummary | null; onClose: (removed: boolean) => void }) {
  const [deleteFiles, setDeleteFiles] = useState(false);
  useEffect(() => setDeleteFiles(false), [report?.id]);
  const files = report ? [report.pdfPath, report.htmlPath, report.csvPath].filter((p): p is string => p !== null) : [];
  return (
    <ConfirmRemoveDialog
      open={report !== null}
      title="Remove report?"
      remove={() => api.call('reports.remove', { id: report!.id, deleteFiles })}
      onClose={onClose}
      confirmTestId="report-remove-confirm"
    >
      <strong>{report?.title}</strong> will be removed from the list.{' '}
      {files.length > 0 ? (
        <>
          Its files ({files.map(baseName).join(', ')}) stay where they are unless you tick the box.
          <FormControlLabel
            sx={{ display: 'flex', mt: 1 }}
            control={<Checkbox checked={deleteFiles} onChange={(e) => setDeleteFiles(e.target.checked)} data-testid="report-remove-files" />}
            label="Also delete the files"
          />
        </>
      ) : (
        'It has no files yet.'
      )}
    </ConfirmRemoveDialog>
  );
}
