/**
 * The Reports page: every report made so far with its state and files, and the three ways to make
 * one (a slide, a cohort of slides, training runs). Slide and run reports can also be started
 * from the viewer's analysis panel and from the Runs page.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import AssessmentIcon from '@mui/icons-material/Assessment';
import type { ReportKind, ReportSummary } from '@shared/contract/reports';
import { api, errorMessage } from '../api';
import { NewReportDialog } from './NewReportDialog';
import { RemoveReportDialog } from './RemoveReportDialog';
import { ReportTable } from './ReportTable';
import { EmptyList } from '../shell/EmptyList';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';
import { useReports } from './useReports';

export function ReportsPage() {
  const { reports, progress, error, refresh } = useReports();
  const [making, setMaking] = useState<ReportKind | null>(null);
  // The last kind stays set while the dialog fades out, so its title does not flicker.
  const [lastKind, setLastKind] = useState<ReportKind>('slide');
  const [removing, setRemoving] = useState<ReportSummary | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const start = (kind: ReportKind) => {
    setLastKind(kind);
    setMaking(kind);
  };
  const cancel = (r: ReportSummary) => {
    setActionError(null);
    api.call('reports.cancel', { id: r.id }).then(refresh, (err) => setActionError(errorMessage(err)));
  };

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="reports-page">
      <PageHeader title="Reports" subtitle="PDF reports to hand to a colleague, with HTML and CSV beside them." wrap>
        <Button variant="contained" onClick={() => start('slide')} data-testid="new-slide-report">
          New slide report
        </Button>
        <Button variant="outlined" onClick={() => start('cohort')} data-testid="new-cohort-report">
          New cohort report
        </Button>
        <Button variant="outlined" onClick={() => start('run')} data-testid="new-run-report">
          New run report
        </Button>
      </PageHeader>

      {actionError && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setActionError(null)} data-testid="report-action-error">
          {actionError}
        </Alert>
      )}
      <ListLoadState loading={reports === null} error={error} what="the reports" onRetry={refresh} />
      {reports && reports.length === 0 && <EmptyReports />}
      {reports && reports.length > 0 && (
        <ReportTable reports={reports} progress={progress} onCancel={cancel} onRemove={setRemoving} onError={setActionError} />
      )}

      <NewReportDialog
        open={making !== null}
        kind={making ?? lastKind}
        follow={false}
        onClose={(created) => {
          setMaking(null);
          if (created) refresh();
        }}
      />
      <RemoveReportDialog
        report={removing}
        onClose={(removed) => {
          setRemoving(null);
          if (removed) refresh();
        }}
      />
    </Box>
  );
}

function EmptyReports() {
  return (
    <EmptyList testId="reports-empty" icon={AssessmentIcon} title="No reports yet">
      A slide report shows one slide scored by a model; a cohort report tabulates many slides; a run report sums up a
      training run or compares several. Start one with the buttons above, from a slide’s Analysis panel, or from a run.
    </EmptyList>
  );
}
