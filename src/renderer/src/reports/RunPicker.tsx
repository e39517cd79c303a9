/** Training runs to report on: one, or several (up to the contract's 12) for a comparison. */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import type { RunSummary } from '@shared/contract/training';
import { api, errorMessage } from '../api';

export const maxRuns = 12;

export function runName(r: Pick<RunSummary, 'id' | 'name'>): string {
  return r.name?.trim() || `Run ${r.id}`;
}

function describeRun(r: RunSummary): string {
  const parts = [r.arch, r.datasetName ?? 'dataset removed', `${r.epochsCompleted}/${r.epochs} epochs`];
  if (r.bestMetric !== null) parts.push(`best ${r.monitor} ${r.bestMetric.toFixed(3)}`);
  if (r.status !== 'completed') parts.push(r.status);
  return parts.join(' · ');
}

export function useRuns() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    api.call('runs.list', {}).then(
      (list) => !stop && setRuns(list),
      (err) => !stop && setError(errorMessage(err)),
    );
    return () => {
      stop = true;
    };
  }, []);
  return { runs, error };
}

export function RunPicker({ runs, error, picked, onChange }: { runs: RunSummary[] | null; error: string | null; picked: number[]; onChange: (ids: number[]) => void }) {
  if (error) return <Alert severity="error">Could not list the training runs: {error}</Alert>;
  if (runs === null) return <Typography color="text.secondary">Loading runs…</Typography>;
  if (runs.length === 0) return <Typography color="text.secondary">No training runs yet. Train a model on the Training page first.</Typography>;
  const set = new Set(picked);
  const full = picked.length >= maxRuns;
  const toggle = (id: number) => onChange(set.has(id) ? picked.filter((p) => p !== id) : [...picked, id]);
  return (
    <Box>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 0.5 }}>
        {picked.length === 0
          ? 'Pick one run, or several to compare them.'
          : `${picked.length} run${picked.length === 1 ? '' : 's'} selected${picked.length > 1 ? ' — the report adds a comparison' : ''}${full ? ` (at most ${maxRuns})` : ''}`}
      </Typography>
      <List dense aria-label="Training runs" sx={{ maxHeight: 280, overflowY: 'auto', border: 1, borderColor: 'divider', borderRadius: 1 }} data-testid="report-run-list">
        {runs.map((r) => (
          <ListItemButton
            key={r.id}
            onClick={() => toggle(r.id)}
            disabled={full && !set.has(r.id)}
            sx={{ py: 0 }}
            data-testid="report-run-option"
            data-run-id={r.id}
          >
            <ListItemIcon sx={{ minWidth: 36 }}>
              <Checkbox size="small" edge="start" checked={set.has(r.id)} tabIndex={-1} disableRipple />
            </ListItemIcon>
            <ListItemText primary={runName(r)} secondary={describeRun(r)} slotProps={{ primary: { noWrap: true } }} />
          </ListItemButton>
        ))}
      </List>
    </Box>
  );
}
