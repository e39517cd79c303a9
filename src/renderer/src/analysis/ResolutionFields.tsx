/** Tile resolution (µm/px or magnification, with the default explained), overlap and least tissue. */
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { formatPercent } from './formatAnalysis';
import type { RunSettings } from './runSettings';
import { SliderField } from './SliderField';

export function ResolutionFields({
  value,
  onChange,
  trainedMpp,
  testPrefix = 'analysis',
}: {
  value: RunSettings;
  onChange: (next: RunSettings) => void;
  /** The picked model's training resolution when the registry knows it. */
  trainedMpp: number | null;
  /** Test ids are `<prefix>-mpp`, `-overlap`, `-min-tissue`; the queue dialog can be open over the viewer's form. */
  testPrefix?: string;
}) {
  const fallback = trainedMpp ? `${trainedMpp} µm/px, the resolution the model was trained at` : "the model's training resolution when recorded, else 0.5 µm/px (≈20×)";
  return (
    <>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <TextField
          size="small"
          label="Tile resolution"
          placeholder="default"
          value={value.resolution}
          onChange={(e) => onChange({ ...value, resolution: e.target.value })}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': `${testPrefix}-mpp`, inputMode: 'decimal' } }}
        />
        <TextField
          select
          size="small"
          label="Unit"
          value={value.unit}
          onChange={(e) => onChange({ ...value, unit: e.target.value as RunSettings['unit'] })}
          sx={{ width: 130 }}
        >
          <MenuItem value="mpp">µm / pixel</MenuItem>
          <MenuItem value="magnification">× objective</MenuItem>
        </TextField>
      </Box>
      <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
        Empty uses {fallback}. Magnification converts as 10 µm ÷ magnification (20× = 0.5 µm/px).
      </Typography>
      <Box sx={{ mt: 1.5, px: 0.5 }}>
        <SliderField
          caption={`Overlap between neighbouring tiles: ${formatPercent(value.overlap)}`}
          min={0}
          max={0.75}
          step={0.05}
          value={value.overlap}
          onChange={(v) => onChange({ ...value, overlap: v })}
          label="Tile overlap"
          testId={`${testPrefix}-overlap`}
        />
        <SliderField
          caption={`Least tissue in a tile to classify it: ${formatPercent(value.minTissue)}`}
          min={0}
          max={1}
          step={0.05}
          value={value.minTissue}
          onChange={(v) => onChange({ ...value, minTissue: v })}
          label="Least tissue per tile"
          testId={`${testPrefix}-min-tissue`}
        />
      </Box>
    </>
  );
}
