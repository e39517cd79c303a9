/**
 * Cross-validations and sweeps (started with `tessella train --cv`), under the runs: per group
 * and grid point the mean ± sd across folds and seeds of the validation metric it was ranked on
 * and of the held-out test fold's accuracy, AUC and calibration error. Nothing when there are none.
 */
import { Fragment, useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { CallOutput } from '@shared/api';
import { api } from '../api';
import { baseName } from '../format';
import { formatDateTime } from './formatRun';
import { formatMeanSd } from './meanSd';

type Groups = CallOutput<'runs.groups'>;

const paramsText = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k} = ${v}`).join(', ') || 'defaults';
const COLUMNS = ['test_accuracy', 'test_balanced_accuracy', 'test_auc', 'test_ece'] as const;
const HEADS: Record<(typeof COLUMNS)[number], string> = { test_accuracy: 'Test accuracy', test_balanced_accuracy: 'Test balanced acc.', test_auc: 'Test ROC AUC', test_ece: 'Test ECE' };

export function RunGroupsSection() {
  const [groups, setGroups] = useState<Groups | null>(null);
  useEffect(() => {
    let live = true;
    api.call('runs.groups', {}).then(
      (g) => live && setGroups(g),
      () => live && setGroups([]),
    );
    return () => {
      live = false;
    };
  }, []);
  if (!groups?.length) return null;

  return (
    <Box sx={{ mt: 3 }} data-testid="run-groups">
      <Typography variant="h6" component="h2" sx={{ fontWeight: 600, mb: 1 }}>
        Cross-validation and sweeps
      </Typography>
      <Paper variant="outlined" sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Group</TableCell>
              <TableCell>Model</TableCell>
              <TableCell>Dataset</TableCell>
              <TableCell>Folds × seeds</TableCell>
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
            {groups.map((g) => (
              <Fragment key={g.id}>
                {g.points.map((p, i) => (
                  <TableRow key={i} data-testid="run-group-point" data-group-id={g.id} data-best={i === g.best ? 'true' : undefined} sx={i === g.best && g.points.length > 1 ? { bgcolor: 'action.selected' } : undefined}>
                    {i === 0 && (
                      <>
                        <TableCell rowSpan={g.points.length} sx={{ fontWeight: 600, verticalAlign: 'top' }}>
                          {g.name ?? `${g.kind === 'sweep' ? 'Sweep' : 'Cross-validation'} ${g.id}`}
                          <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                            {formatDateTime(g.createdAt)}
                          </Typography>
                        </TableCell>
                        <TableCell rowSpan={g.points.length} sx={{ verticalAlign: 'top' }}>
                          {g.backbone ? `${baseName(g.backbone)} + ${g.head}` : g.mode}
                        </TableCell>
                        <TableCell rowSpan={g.points.length} sx={{ verticalAlign: 'top' }}>
                          {g.datasetName ?? '—'}
                        </TableCell>
                        <TableCell rowSpan={g.points.length} sx={{ verticalAlign: 'top' }}>
                          {g.folds} × {g.repeats}
                        </TableCell>
                      </>
                    )}
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
                  </TableRow>
                ))}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      </Paper>
    </Box>
  );
}
