/** "Report" in the viewer's analysis panel: a PDF of this slide as the analysis shown scored it. */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import AssessmentIcon from '@mui/icons-material/Assessment';
import type { AnalysisParamsInput } from '@shared/contract/analysis';
import { NewReportDialog } from './NewReportDialog';

export function SlideReportButton({ slideId, model, params }: { slideId: number; model: string; params: AnalysisParamsInput }) {
  const [open, setOpen] = useState(false);
  return (
    <Box sx={{ mt: 1 }}>
      <Button size="small" variant="outlined" startIcon={<AssessmentIcon />} onClick={() => setOpen(true)} data-testid="slide-report-button">
        Report
      </Button>
      <NewReportDialog open={open} kind="slide" prefill={{ slideIds: [slideId], model, params }} follow onClose={() => setOpen(false)} />
    </Box>
  );
}
