/**
 * The run being trained, live: status, phase, a progress bar with epoch, step and time left,
 * the latest loss and rate, and the loss and accuracy curves as they grow. Also shown for a run
 * that just ended, with its outcome and a way to open it on the Runs page.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import StopIcon from '@mui/icons-material/Stop';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import { api, errorMessage } from '../api';
import { href } from '../router';
import { formatMetric, monitorLabels, runTitle, stoppable } from '../runs/formatRun';
import { RunCurves } from '../runs/RunCurves';
import { RunStatusChip } from '../runs/RunStatusChip';
import { useRunLive } from '../runs/useRunLive';
import { liveStatus } from './liveProgress';
import { RunProgress } from './RunProgress';

export function LiveRunPanel({ runId }: { runId: number }) {
  const { run, metrics, progress, error } = useRunLive(runId);
  const [cancelError, setCancelError] = useState<string | null>(null);
  // from the click until the worker confirms (the run leaves running): the worker finishes its pass first
  const [requested, setRequested] = useState(false);
  const status = liveStatus(progress, run);
  const running = status === 'running';
  const underWay = status !== null && stoppable(status);
  useEffect(() => {
    if (!underWay) setRequested(false);
  }, [underWay]);
  const cancelling = underWay && (requested || progress?.cancelling === true);

  const cancel = async () => {
    setRequested(true);
    setCancelError(null);
    try {
      await api.call('runs.cancel', { id: runId });
    } catch (err) {
      setRequested(false);
      setCancelError(errorMessage(err));
    }
  };

  if (error && !run) return <Alert severity={error.notFound ? 'warning' : 'error'}>{error.notFound ? `Run ${runId} no longer exists.` : error.message}</Alert>;

  const epochs = progress?.epochs ?? run?.epochs ?? 0;
  const val = run?.final?.val ?? null;

  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="live-run" data-run-id={runId} data-status={status ?? ''}>
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', mb: 1.5 }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, flex: 1, minWidth: 0 }} noWrap>
          {run ? runTitle(run) : `Run ${runId}`}
        </Typography>
        {status && <RunStatusChip status={status} />}
        {status && stoppable(status) && (
          <Button
            size="small"
            color="error"
            variant="outlined"
            startIcon={cancelling ? <CircularProgress size={14} color="inherit" /> : <StopIcon />}
            onClick={cancel}
            disabled={cancelling}
            data-testid="train-cancel"
            data-cancelling={cancelling}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </Button>
        )}
        <Button size="small" href={href.run(runId)} endIcon={<OpenInNewIcon fontSize="small" />} data-testid="live-open-run">
          Open in Runs
        </Button>
      </Stack>

      {cancelError && (
        <Alert severity="error" sx={{ mb: 1.5 }}>
          {cancelError}
        </Alert>
      )}
      {run?.error && status === 'failed' && (
        <Alert severity="error" sx={{ mb: 1.5 }} data-testid="live-error">
          {run.error}
        </Alert>
      )}

      <Box sx={{ mb: 2 }}>
        <RunProgress run={run} progress={cancelling && progress ? { ...progress, cancelling: true } : progress} />
      </Box>

      <RunCurves
        metrics={metrics}
        epochs={epochs}
        live={running && progress && progress.steps > 0 ? { epoch: progress.epoch, steps: progress.steps } : null}
        testIdPrefix="live"
        height={220}
      />

      {status === 'completed' && run && (
        <Alert severity="success" sx={{ mt: 2 }} data-testid="live-summary">
          Best epoch {run.bestEpoch ?? '—'} ({monitorLabels[run.monitor]} {formatMetric(run.monitor, run.bestMetric)}).
          {val ? ` Validation accuracy ${formatMetric('accuracy', val.accuracy)}, macro F1 ${formatMetric('f1', val.macroF1)} on ${val.n} images.` : ''}
        </Alert>
      )}
    </Paper>
  );
}
