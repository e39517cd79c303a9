/** "Report" for one training run, or a comparison of several; mounted by the Runs page. */
import { useState } from 'react';
import Button from '@mui/material/Button';
import AssessmentIcon from '@mui/icons-material/Assessment';
import { NewReportDialog } from './NewReportDialog';
import { maxRuns } from './RunPicker';

export function RunReportButton({ runIds, size = 'small' }: { runIds: number[]; size?: 'small' | 'medium' }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size={size} variant="outlined" startIcon={<AssessmentIcon />} onClick={() => setOpen(true)} disabled={runIds.length === 0} data-testid="run-report-button">
        {runIds.length > 1 ? 'Comparison report' : 'Report'}
      </Button>
      <NewReportDialog open={open} kind="run" prefill={{ runIds: runIds.slice(0, maxRuns) }} follow onClose={() => setOpen(false)} />
    </>
  );
}
