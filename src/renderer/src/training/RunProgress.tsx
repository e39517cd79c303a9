/** A run's progress bar with phase, epoch and step, time left and the latest loss and rate. */
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { RunDetail, TrainingProgress } from '@shared/contract/training';
import { formatEta, formatMetric, wallSeconds } from '../runs/formatRun';
import { formatDuration } from '../format';
import { liveStatus, messageFraction, progressFraction, statusLabel, subTaskLabel } from './liveProgress';

export function RunProgress({ run, progress }: { run: RunDetail | null; progress: TrainingProgress | null }) {
  const status = liveStatus(progress, run);
  const fraction = progressFraction(progress, run);
  const running = status === 'running';
  const phase = running && progress ? progress.phase : null;
  const featureFraction = phase === 'features' || phase === 'preparing' ? messageFraction(progress?.message) : null;
  const featureLabel = featureFraction !== null ? subTaskLabel(phase, progress?.message) : null;
  const epochs = progress?.epochs ?? run?.epochs ?? 0;
  const shownEpoch = running && progress && progress.epoch > 0 ? progress.epoch : (run?.epochsCompleted ?? 0);

  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 0.5, alignItems: 'baseline' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }} data-testid="live-phase">
          {statusLabel(status, phase, progress)}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }} data-testid="live-epoch">
          Epoch {shownEpoch} / {epochs}
          {running && progress && progress.steps > 0 && (phase === 'training' || phase === 'validating') ? ` · step ${progress.step} / ${progress.steps}` : ''}
          {running && progress?.message && phase !== 'training' ? ` · ${progress.message}` : ''}
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="live-eta">
          {running && phase === 'training' ? formatEta(progress?.etaSeconds) : status === 'completed' && run ? `finished in ${formatDuration(wallSeconds(run) ?? run.seconds)}` : ''}
        </Typography>
      </Stack>
      {featureLabel && (
        <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }} data-testid="live-run-bar-label">
          Whole run
        </Typography>
      )}
      <LinearProgress
        aria-label="Whole run"
        variant={fraction === null ? 'indeterminate' : 'determinate'}
        value={fraction === null ? undefined : fraction * 100}
        color={status === 'failed' ? 'error' : status === 'completed' ? 'success' : 'primary'}
        sx={{ height: 8, borderRadius: 1 }}
        data-testid="live-progress"
        data-fraction={fraction ?? ''}
      />
      {featureFraction !== null && (
        <>
          <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 0.5 }} data-testid="live-images-bar-label">
            {featureLabel}
          </Typography>
          <LinearProgress
            aria-label={featureLabel ?? 'Images'}
            variant="determinate"
            value={featureFraction * 100}
            color="secondary"
            sx={{ height: 3, borderRadius: 1 }}
            data-testid="live-images-progress"
          />
        </>
      )}
      {running && progress && (
        <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 0.5 }} data-testid="live-stats">
          {[
            progress.loss !== null ? `loss ${progress.loss.toFixed(4)}` : null,
            progress.lr !== null ? `lr ${progress.lr.toExponential(2)}` : null,
            // a head trains on embeddings computed once: its rate says nothing about the network's speed
            progress.imagesPerSecond !== null && run !== null && run.config.mode !== 'head' ? `${progress.imagesPerSecond.toFixed(1)} img/s` : null,
            progress.metrics.val_accuracy !== undefined ? `last val accuracy ${formatMetric('val_accuracy', progress.metrics.val_accuracy)}` : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </Typography>
      )}
    </Box>
  );
}
