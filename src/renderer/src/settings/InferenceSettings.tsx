/**
 * Settings > Inference: the onnxruntime provider (automatic, or a pin) with what engine.info says
 * was chosen and why, the precision analyses started from the app use, and whether training
 * runs on the GPU.
 */
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import Box from '@mui/material/Box';
import { PROVIDER_NAMES, type EngineSettings } from '@shared/contract/models';
import type { SettingsPatch } from '@shared/api';
import { selectTestId } from '../analysis/selectTestId';
import { useEngineStatus } from './useEngineStatus';

export function InferenceSettings({ engine, apply }: { engine: EngineSettings; apply: (patch: SettingsPatch) => void }) {
  const { status, error } = useEngineStatus(engine.provider);
  const choice = status?.onnx.choice;
  const stateOf = (name: string) => choice?.available.find((p) => p.name === name);

  return (
    <Box data-testid="settings-inference">
      <Typography variant="subtitle2" gutterBottom>
        Inference
      </Typography>
      <TextField
        select
        size="small"
        fullWidth
        label="Execution provider"
        value={engine.provider}
        onChange={(e) => apply({ engine: { provider: e.target.value as EngineSettings['provider'] } })}
        slotProps={selectTestId('settings-provider')}
      >
        <MenuItem value="auto" data-testid="settings-provider-auto">
          Automatic (the best available)
        </MenuItem>
        {PROVIDER_NAMES.map((name) => {
          const s = stateOf(name);
          return (
            <MenuItem key={name} value={name} data-testid={`settings-provider-${name}`}>
              {name}
              {s ? (s.usable ? '' : ` — not usable here: ${s.note}`) : ' — not in this build'}
            </MenuItem>
          );
        })}
      </TextField>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }} data-testid="settings-provider-chosen" data-provider={choice?.chosen ?? ''}>
        {choice ? `Runs on ${choice.chosen}: ${choice.reason}.` : error ? `Could not ask the engine: ${error}` : 'Asking the engine…'}
      </Typography>

      <Typography variant="subtitle2" sx={{ mt: 2 }} gutterBottom>
        Precision of new analyses
      </Typography>
      <ToggleButtonGroup
        exclusive
        size="small"
        value={engine.precision}
        onChange={(_, value: EngineSettings['precision'] | null) => value && apply({ engine: { precision: value } })}
        aria-label="Precision"
      >
        <ToggleButton value="fp32" data-testid="settings-precision-fp32">
          fp32
        </ToggleButton>
        <ToggleButton value="int8" data-testid="settings-precision-int8">
          int8
        </ToggleButton>
      </ToggleButtonGroup>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
        int8 quantises a ViT's layers (2-3x faster on the CPU) or a ResNet's convolutions (about fp32's speed on the CPU, a 4x smaller
        graph); both stay close to fp32 (check with <code>tessella model agreement</code>).
      </Typography>
      {status && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }} data-testid="settings-training-gpu">
          Training on the GPU: {status.training.gpu.inUse ? 'yes' : 'no'} ({status.training.gpu.reason}).
        </Typography>
      )}
    </Box>
  );
}
