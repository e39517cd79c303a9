/**
 * Cross-validations and sweeps (started on the Training page or with `tessella train --cv`),
 * under the runs, live: running ones with their fold count and a Stop button, finished ones with
 * mean ± sd per metric and the best grid point, cancelled or failed ones with a Resume button.
 * Nothing when there are none.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { RunGroupsTable } from './RunGroupsTable';
import { useGroupActions } from './useGroupActions';
import { useRunGroups } from './useRunGroups';

export function RunGroupsSection() {
  const { groups, live } = useRunGroups();
  const { cancel, resume, error: actionError } = useGroupActions();
  if (!groups?.length) return null;
  return (
    <Box sx={{ mt: 3 }} data-testid="run-groups">
      <Typography variant="h6" component="h2" sx={{ fontWeight: 600, mb: 1 }}>
        Cross-validation and sweeps
      </Typography>
      {actionError && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {actionError}
        </Alert>
      )}
      <RunGroupsTable groups={groups} live={live} onCancel={cancel} onResume={resume} />
    </Box>
  );
}
