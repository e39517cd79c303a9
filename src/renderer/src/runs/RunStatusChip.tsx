import Chip from '@mui/material/Chip';
import type { RunStatus } from '@shared/contract/training';
import { statusColors } from './formatRun';

/** A run's status as a coloured chip; `data-status` lets tests and styles read it without the text. */
export function RunStatusChip({ status, size = 'small' }: { status: RunStatus; size?: 'small' | 'medium' }) {
  return (
    <Chip
      label={status}
      color={statusColors[status]}
      size={size}
      variant={status === 'running' || status === 'completed' ? 'filled' : 'outlined'}
      data-testid="run-status"
      data-status={status}
      sx={{ textTransform: 'capitalize', fontWeight: 600 }}
    />
  );
}
