/**
 * Cross-validations and sweeps (started on the Training page or with `tessella train --cv`),
 * under the runs, live: running ones with their fold count and a Stop button, finished ones with
 * mean ± sd per metric and the best grid point. Nothing when there are none.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { api, errorMessage } from '../api';
import { RunGroupsTable } from './RunGroupsTable';
import { useRunGroups } from './useRunGroups';

export function RunGroupsSection() {
  const { groups, live } = useRunGroups();
  const [cancelError, setCancelError] = useState<string | null>(null);
  if (!groups?.length) return null;
  const cancel = (id: number) => {
    setCancelError(null);
    api.call('runs.cancelGroup', { id }).catch((e) => setCancelError(errorMessage(e)));
  };
  return (
    <Box sx={{ mt: 3 }} data-testid="run-groups">
      <Typography variant="h6" component="h2" sx={{ fontWeight: 600, mb: 1 }}>
        Cross-validation and sweeps
      </Typography>
      {cancelError && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {cancelError}
        </Alert>
      )}
      <RunGroupsTable groups={groups} live={live} onCancel={cancel} />
    </Box>
  );
}
