/**
 * The cross-validation just started from the Training page, live: which fold of how many, a Stop
 * button (Resume once it is cancelled or has failed), and when every fold is fitted the mean ± sd
 * per metric with the best setting marked.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { href } from '../router';
import { formatMeanSd } from '../runs/meanSd';
import { GroupState, paramsText, RunGroupsTable } from '../runs/RunGroupsTable';
import { baseName } from '../format';
import { useGroupActions } from '../runs/useGroupActions';
import { useRunGroups } from '../runs/useRunGroups';

export function LiveGroupPanel({ groupId }: { groupId: number }) {
  const { groups, live, error } = useRunGroups();
  const { cancel, resume, error: actionError } = useGroupActions();
  const g = groups?.find((x) => x.id === groupId) ?? null;
  const best = g && g.status === 'completed' ? g.points[g.best] : null;
  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="live-group" data-group-id={groupId} data-status={g?.status ?? ''}>
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', mb: 1.5 }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, flex: 1 }}>
          {g?.name ?? `${g?.kind === 'sweep' ? 'Sweep' : 'Cross-validation'} ${groupId}`}
        </Typography>
        <Button href={href.page('runs')} size="small">
          All runs
        </Button>
      </Stack>
      {g && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {g.backbone ? `${baseName(g.backbone)} + ${g.head}` : g.mode} on {g.datasetName ?? '—'} · {g.folds} folds × {g.repeats} seed{g.repeats === 1 ? '' : 's'}
          {g.total > g.folds * g.repeats ? ` × ${g.total / (g.folds * g.repeats)} settings` : ''}
        </Typography>
      )}
      {g && (
        <Box sx={{ mb: 1.5 }} data-testid="live-group-state">
          <GroupState g={g} live={live.get(g.id)} onCancel={cancel} onResume={resume} />
        </Box>
      )}
      {error && <Alert severity="error">{error}</Alert>}
      {actionError && <Alert severity="error">{actionError}</Alert>}
      {best && g && (
        <Typography variant="body2" sx={{ mb: 1.5 }} data-testid="live-group-summary">
          {g.points.length > 1 ? `Best setting (${paramsText(best.params)})` : 'Across folds'}: test accuracy {formatMeanSd('test_accuracy', best.metrics.test_accuracy)}, {g.monitor}{' '}
          {formatMeanSd(g.monitor, best.metrics[g.monitor])}
        </Typography>
      )}
      {g && g.status === 'completed' && <RunGroupsTable groups={[g]} live={live} compact />}
    </Paper>
  );
}
