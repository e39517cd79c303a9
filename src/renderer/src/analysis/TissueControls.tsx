/**
 * Tissue detection: show the mask over the slide and adjust it. Thresholds are Otsu's unless
 * fixed here (starting from the value Otsu chose); the same settings are used by new analyses.
 */
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import CircularProgress from '@mui/material/CircularProgress';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import Alert from '@mui/material/Alert';
import type { TissueParams } from '@shared/contract/analysis';
import { formatPercent } from './formatAnalysis';
import { PanelSlider } from './SliderField';
import { tissueMethods } from './tissueParams';
import type { TissueOverlay } from './useTissueOverlay';

function ThresholdField({
  label,
  hint,
  value,
  otsu,
  onChange,
  testId,
}: {
  label: string;
  hint: string;
  value: number | undefined;
  otsu: number | undefined;
  onChange: (v: number | undefined) => void;
  testId: string;
}) {
  const auto = value === undefined;
  return (
    <Box sx={{ mt: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <Typography variant="caption" color="text.secondary" sx={{ flex: 1 }}>
          {label}: {auto ? (otsu !== undefined ? `${otsu.toFixed(2)} (Otsu)` : 'Otsu') : value.toFixed(2)} · {hint}
        </Typography>
        <FormControlLabel
          control={<Checkbox size="small" checked={auto} onChange={(e) => onChange(e.target.checked ? undefined : (otsu ?? 0.5))} />}
          label={<Typography variant="caption">Auto</Typography>}
          sx={{ mr: 0 }}
        />
      </Box>
      <PanelSlider min={0} max={1} step={0.01} disabled={auto} value={value ?? otsu ?? 0.5} onChange={onChange} label={label} testId={testId} />
    </Box>
  );
}

export function TissueControls({ tissue, fluorescence = false }: { tissue: TissueOverlay; fluorescence?: boolean }) {
  const { params, result } = tissue;
  const set = (patch: Partial<TissueParams>) => tissue.setParams({ ...params, ...patch });
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center' }}>
        <FormControlLabel
          control={<Switch size="small" checked={tissue.enabled} onChange={(e) => tissue.setEnabled(e.target.checked)} data-testid="tissue-toggle" />}
          label={<Typography variant="body2">Show detected tissue</Typography>}
          sx={{ flex: 1 }}
        />
        {tissue.loading && <CircularProgress size={16} />}
      </Box>
      {tissue.enabled && result && (
        <Typography variant="caption" color="text.secondary" component="div" data-testid="tissue-stats">
          Tissue {formatPercent(result.tissueFraction)} of the slide{result.penFraction > 0 ? ` · pen ink ${formatPercent(result.penFraction)} (magenta)` : ''}
          {result.maskMpp ? ` · mask at ${result.maskMpp.toFixed(1)} µm/px` : ''}
        </Typography>
      )}
      {tissue.error && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {tissue.error}
        </Alert>
      )}
      {fluorescence && (
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 0.5 }} data-testid="tissue-fluorescence-note">
          Fluorescence slide: tissue is the signal over the dark background (its threshold is the grey level below); method, pen and glass settings do not apply.
        </Typography>
      )}
      <TextField
        select
        size="small"
        fullWidth
        label="Method"
        value={params.method}
        onChange={(e) => set({ method: e.target.value as TissueParams['method'] })}
        sx={{ mt: 1.5 }}
      >
        {tissueMethods.map((m) => (
          <MenuItem key={m.value} value={m.value}>
            {m.label}
          </MenuItem>
        ))}
      </TextField>
      {params.method !== 'grey' && (
        <ThresholdField
          label="Saturation"
          hint="above is tissue"
          value={params.saturationThreshold}
          otsu={result?.thresholds.saturation}
          onChange={(v) => set({ saturationThreshold: v })}
          testId="tissue-saturation"
        />
      )}
      {params.method !== 'saturation' && (
        <ThresholdField
          label="Grey level"
          hint="below is tissue"
          value={params.greyThreshold}
          otsu={result?.thresholds.grey}
          onChange={(v) => set({ greyThreshold: v })}
          testId="tissue-grey"
        />
      )}
      <TextField
        size="small"
        fullWidth
        type="number"
        label="Smallest tissue piece (µm²)"
        value={params.minAreaUm2}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isFinite(v) && v >= 0) set({ minAreaUm2: v });
        }}
        sx={{ mt: 1 }}
      />
      <Box sx={{ display: 'flex', flexWrap: 'wrap' }}>
        <FormControlLabel
          control={<Checkbox size="small" checked={params.fillHoles} onChange={(e) => set({ fillHoles: e.target.checked })} />}
          label={<Typography variant="caption">Fill small holes</Typography>}
        />
        <FormControlLabel
          control={<Checkbox size="small" checked={params.rejectPen} onChange={(e) => set({ rejectPen: e.target.checked })} />}
          label={<Typography variant="caption">Ignore pen ink</Typography>}
        />
        <FormControlLabel
          control={<Checkbox size="small" checked={params.rejectGlass} onChange={(e) => set({ rejectGlass: e.target.checked })} />}
          label={<Typography variant="caption">Ignore bright glass</Typography>}
        />
      </Box>
    </Box>
  );
}
