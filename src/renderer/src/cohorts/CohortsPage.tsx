/**
 * The Cohorts page: the cohort folders this data home knows (`tessella cohort run` records the
 * folder it sets up; others are added by path), each with its slides' states, and Collect, which
 * brings the done slides into the library with their analyses so the viewer shows their heatmaps.
 */
import { useCallback, useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import GroupWorkIcon from '@mui/icons-material/GroupWork';
import type { CohortEntry } from '@shared/contract/cohorts';
import { api, errorMessage } from '../api';
import { ListLoadState } from '../shell/ListLoadState';
import { PageHeader } from '../shell/PageHeader';
import { CohortCard } from './CohortCard';
import { RunCohortDialog, type StartedRun } from './RunCohortDialog';
import { useJobProgress } from '../datasets/useJobProgress';

export function CohortsPage() {
  const [cohorts, setCohorts] = useState<CohortEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [job, setJob] = useState<StartedRun | null>(null);
  const progress = useJobProgress(job?.jobId ?? null);

  const refresh = useCallback(() => {
    setError(null);
    api.call('cohorts.list', {}).then(setCohorts, (err) => setError(errorMessage(err)));
  }, []);
  useEffect(refresh, [refresh]);

  const add = () => {
    const dir = path.trim();
    if (!dir || adding) return;
    setAdding(true);
    setAddError(null);
    api.call('cohorts.add', { dir }).then(
      () => {
        setPath('');
        refresh();
      },
      (err) => setAddError(errorMessage(err)),
    ).finally(() => setAdding(false));
  };

  // Each finished slide changes the folder's counts; the end of the run too.
  const progressDone = progress?.done;
  const progressState = progress?.state;
  useEffect(() => {
    if (progressDone !== undefined) refresh();
  }, [progressDone, progressState, refresh]);

  const forget = (dir: string) => {
    api.call('cohorts.remove', { dir }).then(refresh, (err) => setError(errorMessage(err)));
  };

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="cohorts-page">
      <PageHeader title="Cohorts" subtitle="Slides scored by one model in a cohort folder, here or on a Slurm cluster, then collected into the library." wrap>
        <Button variant="outlined" onClick={() => setRunning(true)} data-testid="run-cohort-button">
          Run a cohort here
        </Button>
      </PageHeader>
      {job && (
        <Alert
          severity={progress?.state === 'failed' ? 'warning' : progress?.state === 'cancelled' ? 'info' : 'success'}
          sx={{ mb: 2 }}
          data-testid="cohort-run-progress"
          data-state={progress?.state ?? 'running'}
          onClose={progress && progress.state !== 'running' ? () => setJob(null) : undefined}
          action={
            (!progress || progress.state === 'running') && (
              <Button color="inherit" size="small" onClick={() => api.call('cohorts.cancelRun', { jobId: job.jobId }).catch((err) => setError(errorMessage(err)))} data-testid="cohort-run-cancel">
                Stop
              </Button>
            )
          }
        >
          {job.dir}: {progress?.done ?? 0} of {job.todo} slide(s) run{progress && progress.state !== 'running' ? ` (${progress.state}${progress.message ? `: ${progress.message}` : ''})` : ''}
          {(!progress || progress.state === 'running') && <LinearProgress variant={job.todo ? 'determinate' : 'indeterminate'} value={job.todo ? ((progress?.done ?? 0) / job.todo) * 100 : 0} sx={{ mt: 1 }} />}
        </Alert>
      )}
      <Stack
        direction="row"
        spacing={1}
        component="form"
        sx={{ mb: 2, alignItems: 'flex-start' }}
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <TextField
          size="small"
          label="Cohort folder"
          placeholder="/path/to/cohort (the folder holding manifest.json)"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          error={addError !== null}
          helperText={addError ?? ' '}
          sx={{ flex: 1, maxWidth: 720 }}
          slotProps={{ htmlInput: { 'data-testid': 'cohort-add-path' } }}
        />
        <Button type="submit" variant="contained" disabled={!path.trim() || adding} data-testid="cohort-add-submit">
          Add folder
        </Button>
      </Stack>
      <ListLoadState loading={cohorts === null && error === null} error={error} what="the cohorts" onRetry={refresh} />
      {cohorts && cohorts.length === 0 && (
        <Box sx={{ textAlign: 'center', color: 'text.secondary', py: 6 }} data-testid="cohorts-empty">
          <GroupWorkIcon sx={{ fontSize: 48, mb: 1 }} />
          <Typography>No cohorts yet.</Typography>
          <Typography variant="body2">
            Run one with <code>tessella cohort run SLIDES... --model M --out DIR</code>, or add an existing cohort folder above.
          </Typography>
        </Box>
      )}
      {cohorts?.map((c) => <CohortCard key={c.dir} cohort={c} onChanged={refresh} onForget={() => forget(c.dir)} />)}
      <RunCohortDialog
        open={running}
        onClose={(started) => {
          setRunning(false);
          if (started) {
            setJob(started);
            refresh();
          }
        }}
      />
    </Box>
  );
}
