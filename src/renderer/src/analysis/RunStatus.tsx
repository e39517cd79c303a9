/**
 * The analysis shown on the slide: which one (a slide can have several, newest first), its
 * status, a progress bar with rate and ETA from the progress events, and cancel / resume / remove.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import ReplayIcon from '@mui/icons-material/Replay';
import StopIcon from '@mui/icons-material/Stop';
import { formatDate } from '../format';
import { canResume, describeAnalysis, formatCount, formatEta, isActive, statusColors, statusLabels } from './formatAnalysis';
import type { SlideAnalyses } from './useSlideAnalyses';
import { selectTestId } from './selectTestId';
import { EngineLine } from './EngineLine';
import { useSettings } from '../settings/SettingsContext';
import { useEngineStatus } from '../settings/useEngineStatus';

export function RunStatus({ runs }: { runs: SlideAnalyses }) {
  const [confirming, setConfirming] = useState<number | null>(null);
  const { settings } = useSettings();
  const engine = useEngineStatus(settings.engine.provider).status?.onnx.choice;
  const a = runs.current;
  if (!a) return null;
  // What it ran on when recorded (an analysis from before providers were recorded ran on cpu); else what it would run on now.
  const ranOn = a.summary ? (a.summary.provider ?? 'cpu') : (engine?.chosen ?? null);
  const live = runs.progress?.analysisId === a.id ? runs.progress : null;
  const done = live?.done ?? a.done;
  const total = live?.total ?? a.total;
  const fraction = total ? done / total : 0;
  const eta = formatEta(live?.etaSeconds);
  const rate = live?.tilesPerSecond ?? a.summary?.tilesPerSecond ?? null;

  return (
    <Box>
      {runs.analyses && runs.analyses.length > 1 && (
        <TextField
          select
          size="small"
          fullWidth
          label="Analysis shown"
          value={a.id}
          onChange={(e) => runs.select(Number(e.target.value))}
          sx={{ mb: 1 }}
          slotProps={selectTestId('analysis-select')}
        >
          {runs.analyses.map((x) => (
            <MenuItem key={x.id} value={x.id}>
              {describeAnalysis(x)} · {statusLabels[x.status].toLowerCase()} · {formatDate(x.createdAt)}
            </MenuItem>
          ))}
        </TextField>
      )}
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Chip size="small" color={statusColors[a.status]} label={statusLabels[a.status]} data-testid="analysis-status" data-status={a.status} />
        <Typography variant="body2" noWrap sx={{ flex: 1, minWidth: 0 }} title={a.model.dir}>
          {runs.analyses && runs.analyses.length > 1 ? '' : describeAnalysis(a)}
        </Typography>
      </Box>
      <EngineLine
        testId="analysis-run-engine"
        ran={!!a.summary}
        provider={ranOn}
        precision={a.params.precision}
        reason={a.summary ? null : engine?.reason}
        fallback={a.summary ? (a.summary.providerNote ?? null) : null}
      />
      {(isActive(a) || a.status === 'completed' || total !== null) && (
        <Box sx={{ mt: 1 }} data-testid="analysis-progress" data-done={done} data-total={total ?? ''}>
          <LinearProgress
            variant={a.status === 'queued' || (a.status === 'running' && total === null) ? 'indeterminate' : 'determinate'}
            value={Math.min(100, fraction * 100)}
            color={a.status === 'completed' ? 'success' : 'primary'}
          />
          <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
            {a.status === 'queued'
              ? a.queuePosition
                ? `Waiting, ${a.queuePosition} in the queue`
                : 'Waiting in the queue'
              : total === null
                ? (live?.message ?? 'Finding tissue and planning tiles…')
                : `${formatCount(done)} of ${formatCount(total)} tiles`}
            {a.status === 'running' && rate ? ` · ${rate.toFixed(rate >= 10 ? 0 : 1)} tiles/s` : ''}
            {a.status === 'running' && eta ? ` · about ${eta} left` : ''}
            {a.status === 'completed' && a.summary ? ` in ${formatEta(a.summary.seconds) ?? '0 s'}` : ''}
          </Typography>
        </Box>
      )}
      {a.error && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {a.error}
        </Alert>
      )}
      {runs.error && (
        <Alert severity="error" sx={{ mt: 1 }} data-testid="analysis-error">
          {runs.error}
        </Alert>
      )}
      {runs.tilesError && (
        <Alert severity="warning" sx={{ mt: 1 }}>
          Could not load the tile predictions: {runs.tilesError}
        </Alert>
      )}
      {runs.tiles?.truncated && (
        <Alert severity="info" sx={{ mt: 1 }}>
          Showing {formatCount(runs.tiles.count)} of {formatCount(runs.tiles.total)} tiles.
        </Alert>
      )}
      <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
        {isActive(a) && (
          <Button size="small" variant="outlined" color="warning" startIcon={<StopIcon />} onClick={() => void runs.cancel()} disabled={runs.busy} data-testid="analysis-cancel">
            Cancel
          </Button>
        )}
        {canResume(a) && (
          <Button size="small" variant="outlined" startIcon={<ReplayIcon />} onClick={() => void runs.resume()} disabled={runs.busy} data-testid="analysis-resume">
            Resume
          </Button>
        )}
        <Box sx={{ flex: 1 }} />
        {confirming === a.id ? (
          <>
            <Button size="small" color="error" onClick={() => void runs.remove().then(() => setConfirming(null))} disabled={runs.busy} data-testid="analysis-remove-confirm">
              Delete with its tiles
            </Button>
            <Button size="small" color="inherit" onClick={() => setConfirming(null)}>
              Keep
            </Button>
          </>
        ) : (
          <Button size="small" color="inherit" startIcon={<DeleteOutlineIcon />} onClick={() => setConfirming(a.id)} disabled={runs.busy} data-testid="analysis-remove">
            Remove
          </Button>
        )}
      </Box>
    </Box>
  );
}
