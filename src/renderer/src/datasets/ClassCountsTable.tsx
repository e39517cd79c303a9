/** Images per class and split, with the totals row a reader checks the import against. */
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { DatasetDetail } from '@shared/contract/datasets';
import { SPLITS, splitNames } from './splitColors';

const n = (v: number) => v.toLocaleString('en-US');

export function ClassCountsTable({ detail }: { detail: DatasetDetail }) {
  const totals = { train: 0, val: 0, test: 0, total: 0 };
  for (const c of detail.classes) {
    totals.train += c.train;
    totals.val += c.val;
    totals.test += c.test;
    totals.total += c.total;
  }
  return (
    <Table size="small" data-testid="dataset-class-table">
      <TableHead>
        <TableRow>
          <TableCell>Class</TableCell>
          {SPLITS.map((s) => (
            <TableCell key={s} align="right">
              {splitNames[s]}
            </TableCell>
          ))}
          <TableCell align="right">Total</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {detail.classes.map((c) => (
          <TableRow key={c.label} data-testid="dataset-class-row" data-label={c.label}>
            <TableCell>
              <Box component="span" sx={{ display: 'inline-block', width: 10, height: 10, borderRadius: '2px', bgcolor: c.color, mr: 1 }} />
              {c.label}
            </TableCell>
            {SPLITS.map((s) => (
              <TableCell key={s} align="right" data-split={s}>
                {n(c[s])}
              </TableCell>
            ))}
            <TableCell align="right" sx={{ fontWeight: 600 }} data-testid="dataset-class-total">
              {n(c.total)}
            </TableCell>
          </TableRow>
        ))}
        <TableRow>
          <TableCell sx={{ fontWeight: 600 }}>All classes</TableCell>
          {SPLITS.map((s) => (
            <TableCell key={s} align="right" sx={{ fontWeight: 600 }}>
              {n(totals[s])}
            </TableCell>
          ))}
          <TableCell align="right" sx={{ fontWeight: 600 }}>
            {n(totals.total)}
          </TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}
