import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Slider from '@mui/material/Slider';
import Typography from '@mui/material/Typography';
import { neutralAdjustments, isNeutral, type Adjustments } from './imageAdjustments';

const controls: { key: keyof Adjustments; label: string; min: number; max: number; step: number }[] = [
  { key: 'brightness', label: 'Brightness', min: 0.3, max: 2.5, step: 0.05 },
  { key: 'contrast', label: 'Contrast', min: 0.3, max: 2.5, step: 0.05 },
  { key: 'gamma', label: 'Gamma', min: 0.3, max: 3, step: 0.05 },
];

export function AdjustmentsPanel({ value, onChange }: { value: Adjustments; onChange: (next: Adjustments) => void }) {
  return (
    <Box sx={{ p: 2, width: 280 }} data-testid="adjustments-panel">
      <Typography variant="subtitle2" gutterBottom>
        Display adjustments
      </Typography>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 1 }}>
        Affect only what you see on screen, not the slide or any analysis.
      </Typography>
      {controls.map((c) => (
        <Box key={c.key} sx={{ mb: 1 }}>
          <Typography variant="body2" sx={{ display: 'flex', justifyContent: 'space-between' }}>
            <span>{c.label}</span>
            <Box component="span" sx={{ fontVariantNumeric: 'tabular-nums', color: 'text.secondary' }}>
              {value[c.key].toFixed(2)}
            </Box>
          </Typography>
          <Slider
            size="small"
            min={c.min}
            max={c.max}
            step={c.step}
            value={value[c.key]}
            marks={[{ value: 1 }]}
            onChange={(_, v) => onChange({ ...value, [c.key]: v as number })}
            slotProps={{ input: { 'aria-label': c.label } }}
            data-testid={`adjust-${c.key}`}
          />
        </Box>
      ))}
      <Button size="small" onClick={() => onChange(neutralAdjustments)} disabled={isNeutral(value)} data-testid="adjust-reset">
        Reset
      </Button>
    </Box>
  );
}
