/**
 * Cross-validations and sweeps as a table: per group and grid point the mean ± sd across folds
 * and seeds of the validation metric it was ranked on and of the held-out test fold's accuracy,
 * AUC and calibration error, the best point marked; a group still running shows which fold of
 * how many it is at and can be stopped; a cancelled or failed one (stopped, killed, crashed) can
 * be resumed, keeping the folds it finished.
 */
import { Fragment } from 'react';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { GroupProgress, RunGroupSummary } from '@shared/contract/run-groups';
import { baseName } from '../format';
import { formatDateTime } from './formatRun';
import { formatMeanSd } from './meanSd';
import { RunStatusChip } from './RunStatusChip';

export const paramsText = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k} = ${v}`).join(', ') || 'defaults';
const COLUMNS = ['test_accuracy', 'test_balanced_accuracy', 'test_auc', 'test_ece'] as const;
const HEADS: Record<(typeof COLUMNS)[number], string> = { test_accuracy: 'Test accuracy', test_balanced_accuracy: 'Test balanced acc.', test_auc: 'Test ROC AUC', test_ece: 'Test ECE' };

/** "Embedding images 40 / 90", "Fold 3 of 12", "Fold 2 of 3: run 7, epoch 4 of 10": where a running group is. */
export function groupProgressText(g: Pick<RunGroupSummary, 'done' | 'total'>, live: GroupProgress | undefined): string {
  if (live?.phase === 'embedding' && live.total > 0) return `Embedding images ${live.done} / ${live.total}`;
  if (live?.phase === 'folds') return `Fold ${live.done} of ${live.total} fitted`;
  if (live?.phase === 'training' && live.run) return `Fold ${live.done + 1} of ${live.total}: run ${live.run.id}, epoch ${live.run.epoch} of ${live.run.epochs}`;
  return g.done > 0 ? `Fold ${g.done} of ${g.total} fitted` : 'Starting';
}

export interface GroupActions {
  onCancel?: (id: number) => void;
  onResume?: (id: number) => void;
}

export function GroupState({ g, live, onCancel, onResume }: { g: RunGroupSummary; live?: GroupProgress } & GroupActions) {
  return (
    <>
      <RunStatusChip status={g.status} />
      {g.status === 'running' && (
        <>
          <Typography variant="caption" sx={{ display: 'block', mt: 0.5 }} data-testid="run-group-progress">
            {groupProgressText(g, live)}
          </Typography>
          <LinearProgress
            variant={live?.phase === 'folds' || live?.phase === 'training' || g.done > 0 ? 'determinate' : 'indeterminate'}
            value={live?.phase === 'folds' || live?.phase === 'training' ? (100 * live.done) / Math.max(1, live.total) : (100 * g.done) / Math.max(1, g.total)}
            sx={{ mt: 0.5, minWidth: 100 }}
          />
          {onCancel && (
            <Button size="small" color="warning" onClick={() => onCancel(g.id)} sx={{ mt: 0.5 }} data-testid="run-group-cancel">
              Stop
            </Button>
          )}
        </>
      )}
      {g.error && (
        <Typography variant="caption" color="error" sx={{ display: 'block', mt: 0.5, maxWidth: 240 }} data-testid="run-group-error">
          {g.error}
        </Typography>
      )}
      {onResume && (g.status === 'failed' || g.status === 'cancelled') && (
        <Button size="small" onClick={() => onResume(g.id)} sx={{ mt: 0.5, display: 'block' }} data-testid="run-group-resume">
          Resume
        </Button>
      )}
    </>
  );
}

/** `compact`: one group's settings and numbers only, for a narrow panel that names the group and shows its state itself. */
export function RunGroupsTable({ groups, live, onCancel, onResume, compact = false }: { groups: RunGroupSummary[]; live: Map<number, GroupProgress>; compact?: boolean } & GroupActions) {
  return (
    <Paper variant="outlined" sx={{ overflowX: 'auto' }}>
      <Table size="small">
        <TableHead>
          <TableRow>
            {!compact && (
              <>
                <TableCell>Group</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Model</TableCell>
                <TableCell>Dataset</TableCell>
                <TableCell>Folds × seeds</TableCell>
              </>
            )}
            <TableCell>Setting</TableCell>
            <TableCell align="right">Ranked on (mean ± sd)</TableCell>
            {COLUMNS.map((c) => (
              <TableCell key={c} align="right">
                {HEADS[c]}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {groups.map((g) => {
            // a group not completed has no numbers yet: one row with its state
            const points = g.points.length ? g.points : [null];
            return (
              <Fragment key={g.id}>
                {points.map((p, i) => (
                  <TableRow
                    key={i}
                    data-testid="run-group-point"
                    data-group-id={g.id}
                    data-status={g.status}
                    data-best={p && i === g.best ? 'true' : undefined}
                    sx={p && i === g.best && g.points.length > 1 ? { bgcolor: 'action.selected' } : undefined}
                  >
                    {i === 0 && !compact && (
                      <>
                        <TableCell rowSpan={points.length} sx={{ fontWeight: 600, verticalAlign: 'top' }}>
                          {g.name ?? `${g.kind === 'sweep' ? 'Sweep' : 'Cross-validation'} ${g.id}`}
                          <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                            {formatDateTime(g.createdAt)}
                          </Typography>
                        </TableCell>
                        <TableCell rowSpan={points.length} sx={{ verticalAlign: 'top' }} data-testid="run-group-state">
                          <GroupState g={g} live={live.get(g.id)} onCancel={onCancel} onResume={onResume} />
                        </TableCell>
                        <TableCell rowSpan={points.length} sx={{ verticalAlign: 'top' }}>
                          {g.backbone ? `${baseName(g.backbone)} + ${g.head}` : g.mode}
                        </TableCell>
                        <TableCell rowSpan={points.length} sx={{ verticalAlign: 'top' }}>
                          {g.datasetName ?? '—'}
                        </TableCell>
                        <TableCell rowSpan={points.length} sx={{ verticalAlign: 'top' }}>
                          {g.folds} × {g.repeats}
                        </TableCell>
                      </>
                    )}
                    {p ? (
                      <>
                        <TableCell>
                          {paramsText(p.params)}
                          {i === g.best && g.points.length > 1 ? ' (best)' : ''}
                        </TableCell>
                        <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                          {formatMeanSd(g.monitor, p.metrics[g.monitor])}
                          <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                            {g.monitor}
                          </Typography>
                        </TableCell>
                        {COLUMNS.map((c) => (
                          <TableCell key={c} align="right" sx={{ fontVariantNumeric: 'tabular-nums' }} data-metric={c}>
                            {formatMeanSd(c, p.metrics[c])}
                          </TableCell>
                        ))}
                      </>
                    ) : (
                      <TableCell colSpan={2 + COLUMNS.length} sx={{ color: 'text.secondary' }}>
                        {g.status === 'running' ? 'Mean ± sd when every fold is fitted' : 'No numbers: it did not finish'}
                      </TableCell>
                    )}
                  </TableRow>
                ))}
              </Fragment>
            );
          })}
        </TableBody>
      </Table>
    </Paper>
  );
}
