/**
 * The slide-level label: tile predictions aggregated by mean probability, majority vote or the
 * mean of each class's top-k tiles, with a threshold below which the slide stays unlabelled,
 * plus the area fraction per class.
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { AggregateMethod, Analysis } from '@shared/contract/analysis';
import { ClassFractions } from './ClassFractions';
import { formatPercent } from './formatAnalysis';
import { defaultLabelOptions, useSlideLabel, type LabelOptions } from './useSlideLabel';
import { selectTestId } from './selectTestId';
import { SliderField } from './SliderField';

const methods: { value: AggregateMethod; label: string; hint: string }[] = [
  { value: 'mean', label: 'Mean probability', hint: 'average of every tissue tile’s probabilities' },
  { value: 'majority', label: 'Majority vote', hint: 'share of tiles each class wins' },
  { value: 'topk', label: 'Top-k tiles', hint: 'mean of each class’s most probable tiles' },
];

export function SlideLabelSection({ analysis, version }: { analysis: Analysis; version: number }) {
  const [options, setOptions] = useState<LabelOptions>(defaultLabelOptions);
  const { label, error } = useSlideLabel(analysis.id, options, version);
  const labels = analysis.model.labels;
  const set = (patch: Partial<LabelOptions>) => setOptions((o) => ({ ...o, ...patch }));
  const shown = label ?? analysis.summary;
  const hint = methods.find((m) => m.value === options.method)?.hint;

  return (
    <Box>
      <Box data-testid="slide-label" data-label={shown?.slideLabel ?? ''} sx={{ display: 'flex', alignItems: 'baseline', gap: 1 }}>
        <Typography variant="h6" component="div" sx={{ fontWeight: 600 }}>
          {shown ? (shown.slideLabel ?? 'No label') : '—'}
        </Typography>
        {shown && shown.slideLabel && (
          <Typography variant="body2" color="text.secondary">
            {options.method === 'majority' ? 'vote share' : 'score'} {shown.confidence.toFixed(3)}
          </Typography>
        )}
      </Box>
      {shown && !shown.slideLabel && (
        <Typography variant="caption" color="text.secondary" component="div">
          {shown.tissueTiles === 0 ? 'No tissue tiles were classified.' : `No class reached the threshold ${options.threshold.toFixed(2)}.`}
        </Typography>
      )}
      {shown && (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mb: 1 }}>
          {labels.map((l) => `${l} ${(shown.scores[l] ?? 0).toFixed(3)}`).join(' · ')}
        </Typography>
      )}
      <Box sx={{ display: 'flex', gap: 1 }}>
        <TextField
          select
          size="small"
          label="Aggregation"
          value={options.method}
          onChange={(e) => set({ method: e.target.value as AggregateMethod })}
          sx={{ flex: 1 }}
          slotProps={selectTestId('slide-label-method')}
        >
          {methods.map((m) => (
            <MenuItem key={m.value} value={m.value}>
              {m.label}
            </MenuItem>
          ))}
        </TextField>
        {options.method === 'topk' && (
          <TextField
            size="small"
            type="number"
            label="k"
            value={options.topK}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isFinite(v) && v > 0) set({ topK: v });
            }}
            helperText={options.topK < 1 ? `${formatPercent(options.topK)} of tiles` : 'tiles'}
            sx={{ width: 90 }}
            slotProps={{ htmlInput: { step: options.topK < 1 ? 0.05 : 1, min: 0.01 } }}
          />
        )}
      </Box>
      <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
        {hint}
      </Typography>
      <Box sx={{ display: 'flex', gap: 1, mt: 1, alignItems: 'center' }}>
        <TextField
          select
          size="small"
          label="Positive class"
          value={options.positiveClass ?? ''}
          onChange={(e) => set({ positiveClass: e.target.value || null })}
          sx={{ flex: 1 }}
          slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
        >
          <MenuItem value="">None (highest score wins)</MenuItem>
          {labels.map((l) => (
            <MenuItem key={l} value={l}>
              {l}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <Box sx={{ px: 0.5, mt: 1 }}>
        <SliderField
          caption={`Threshold: ${options.threshold.toFixed(2)}`}
          min={0}
          max={1}
          step={0.01}
          value={options.threshold}
          onChange={(v) => set({ threshold: v })}
          label="Slide label threshold"
          testId="slide-label-threshold"
        />
      </Box>
      {error && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {error}
        </Alert>
      )}
      {shown && <ClassFractions labels={labels} fractions={shown.classFractions} tissueTiles={shown.tissueTiles} />}
    </Box>
  );
}
