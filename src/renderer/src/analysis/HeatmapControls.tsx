/** How the tiles are drawn: class probability through a colour map or predicted labels, opacity, threshold, legend. */
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { classColor } from './classColors';
import { colormapNames, cssGradient, type ColormapName } from './colormaps';
import { formatPercent } from './formatAnalysis';
import type { HeatmapMode, HeatmapStyle } from './heatmapStyle';
import { selectTestId } from './selectTestId';
import { SliderField } from './SliderField';

export function HeatmapControls({
  labels,
  style,
  onChange,
  hiddenBy,
}: {
  labels: string[];
  style: HeatmapStyle;
  onChange: (patch: Partial<HeatmapStyle>) => void;
  /** What hides the heatmap for now (an explanation), if anything. */
  hiddenBy: string | null;
}) {
  return (
    <Box>
      <FormControlLabel
        control={<Switch size="small" checked={style.visible} onChange={(e) => onChange({ visible: e.target.checked })} data-testid="heatmap-visible" />}
        label={<Typography variant="body2">Show on the slide (O)</Typography>}
      />
      {hiddenBy && (
        <Typography variant="caption" color="text.secondary" component="div">
          Hidden while {hiddenBy} is shown.
        </Typography>
      )}
      <ToggleButtonGroup
        size="small"
        exclusive
        fullWidth
        value={style.mode}
        onChange={(_e, v: HeatmapMode | null) => v && onChange({ mode: v })}
        aria-label="What the tiles show"
        sx={{ mt: 1 }}
      >
        <ToggleButton value="probability" data-testid="heatmap-mode-probability" sx={{ py: 0.25, textTransform: 'none' }}>
          Class probability
        </ToggleButton>
        <ToggleButton value="label" data-testid="heatmap-mode-label" sx={{ py: 0.25, textTransform: 'none' }}>
          Predicted label
        </ToggleButton>
      </ToggleButtonGroup>
      <Box sx={{ display: 'flex', gap: 1, mt: 1.5 }}>
        <TextField
          select
          size="small"
          label="Class"
          value={Math.min(style.classIndex, Math.max(0, labels.length - 1))}
          onChange={(e) => onChange({ classIndex: Number(e.target.value) })}
          disabled={style.mode !== 'probability' || labels.length === 0}
          sx={{ flex: 1 }}
          slotProps={selectTestId('heatmap-class')}
        >
          {labels.map((name, i) => (
            <MenuItem key={name} value={i}>
              {name}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label="Colour map"
          value={style.colormap}
          onChange={(e) => onChange({ colormap: e.target.value as ColormapName })}
          disabled={style.mode !== 'probability'}
          sx={{ flex: 1 }}
          slotProps={selectTestId('heatmap-colormap')}
        >
          {colormapNames.map((c) => (
            <MenuItem key={c.name} value={c.name}>
              {c.label}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <Box sx={{ mt: 1.5 }}>
        {style.mode === 'probability' ? (
          <>
            <Box sx={{ height: 10, borderRadius: 0.5, background: cssGradient(style.colormap), position: 'relative' }}>
              {style.threshold > 0 && (
                <Box
                  title="Threshold: tiles below are not drawn"
                  sx={{ position: 'absolute', left: 0, top: 0, bottom: 0, width: `${style.threshold * 100}%`, bgcolor: 'background.paper', opacity: 0.75 }}
                />
              )}
            </Box>
            <Box sx={{ display: 'flex', justifyContent: 'space-between' }}>
              <Typography variant="caption" color="text.secondary">
                0
              </Typography>
              <Typography variant="caption" color="text.secondary">
                P({labels[style.classIndex] ?? 'class'})
              </Typography>
              <Typography variant="caption" color="text.secondary">
                1
              </Typography>
            </Box>
          </>
        ) : (
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
            {labels.map((name, i) => (
              <Box key={name} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                <Box sx={{ width: 12, height: 12, borderRadius: '2px', bgcolor: classColor(i) }} />
                <Typography variant="caption">{name}</Typography>
              </Box>
            ))}
          </Box>
        )}
      </Box>
      <FormControlLabel
        sx={{ mt: 0.5 }}
        control={<Switch size="small" checked={style.smooth} onChange={(e) => onChange({ smooth: e.target.checked })} data-testid="heatmap-smooth" />}
        label={<Typography variant="body2">Smooth (blend neighbouring tiles)</Typography>}
      />
      <Box sx={{ px: 0.5, mt: 1 }}>
        <SliderField
          caption={`Opacity: ${formatPercent(style.opacity)}`}
          min={0}
          max={1}
          step={0.05}
          value={style.opacity}
          onChange={(v) => onChange({ opacity: v })}
          label="Heatmap opacity"
          testId="heatmap-opacity"
        />
        <SliderField
          caption={`${style.mode === 'probability' ? 'Hide tiles with probability below' : 'Hide tiles whose winning probability is below'} ${style.threshold.toFixed(2)}`}
          min={0}
          max={1}
          step={0.01}
          value={style.threshold}
          onChange={(v) => onChange({ threshold: v })}
          label="Heatmap threshold"
          testId="heatmap-threshold"
        />
      </Box>
    </Box>
  );
}
