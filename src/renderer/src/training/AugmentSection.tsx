/** Augmentation (flips, rotations, crop, colour and HED stain jitter) and stain normalisation settings, with a preview. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Stack from '@mui/material/Stack';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { AugmentConfig, StainConfig, TrainMode } from '@shared/contract/training';
import { AugmentPreview } from './AugmentPreview';
import { SliderField } from './fields';
import { defaultAugment } from './trainForm';

export interface AugmentState {
  augmentOn: boolean;
  augment: AugmentConfig;
  stainOn: boolean;
  stain: StainConfig;
}

function Toggle({ label, checked, onChange, testId, disabled }: { label: string; checked: boolean; onChange: (v: boolean) => void; testId: string; disabled?: boolean }) {
  return (
    <FormControlLabel
      control={<Switch size="small" checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} slotProps={{ input: { 'data-testid': testId } as object }} />}
      label={<Typography variant="body2">{label}</Typography>}
    />
  );
}

export function AugmentSection({
  value,
  onChange,
  mode,
  datasetId,
  stainError,
}: {
  value: AugmentState;
  onChange: (patch: Partial<AugmentState>) => void;
  mode: TrainMode;
  datasetId: number | null;
  stainError?: string;
}) {
  const a = value.augment;
  const set = (patch: Partial<AugmentConfig>) => onChange({ augment: { ...a, ...patch } });
  const off = !value.augmentOn;
  const crop = a.crop ?? defaultAugment.crop!;
  const hed = a.hed ?? defaultAugment.hed!;

  return (
    <Stack spacing={1.5}>
      {mode === 'head' && value.augmentOn && (
        <Alert severity="info" variant="outlined" data-testid="aug-head-note">
          Head mode trains on features computed once per image, so augmentation is not applied; stain normalisation is.
        </Alert>
      )}
      <Toggle label="Augment training images" checked={value.augmentOn} onChange={(v) => onChange({ augmentOn: v })} testId="aug-enabled" />
      <Stack direction="row" sx={{ flexWrap: 'wrap', columnGap: 1 }}>
        <Toggle label="Horizontal flip" checked={a.hflip} onChange={(v) => set({ hflip: v })} testId="aug-hflip" disabled={off} />
        <Toggle label="Vertical flip" checked={a.vflip} onChange={(v) => set({ vflip: v })} testId="aug-vflip" disabled={off} />
        <Toggle label="Rotate by 90°" checked={a.rot90} onChange={(v) => set({ rot90: v })} testId="aug-rot90" disabled={off} />
      </Stack>
      <Box>
        <Toggle label="Random resized crop" checked={a.crop !== null} onChange={(v) => set({ crop: v ? crop : null })} testId="aug-crop" disabled={off} />
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 3, pl: 1 }}>
          <SliderField label="Area" value={crop.scale as [number, number]} min={0.05} max={1} step={0.05} onChange={(v) => set({ crop: { ...crop, scale: v as [number, number] } })} testId="aug-crop-scale" disabled={off || a.crop === null} />
          <SliderField label="Aspect ratio" value={crop.ratio as [number, number]} min={0.5} max={2} step={0.05} onChange={(v) => set({ crop: { ...crop, ratio: v as [number, number] } })} testId="aug-crop-ratio" disabled={off || a.crop === null} />
        </Box>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 3, pl: 1 }}>
        <SliderField label="Brightness" value={a.brightness} min={0} max={1} step={0.01} onChange={(v) => set({ brightness: v as number })} testId="aug-brightness" disabled={off} />
        <SliderField label="Contrast" value={a.contrast} min={0} max={1} step={0.01} onChange={(v) => set({ contrast: v as number })} testId="aug-contrast" disabled={off} />
        <SliderField label="Saturation" value={a.saturation} min={0} max={1} step={0.01} onChange={(v) => set({ saturation: v as number })} testId="aug-saturation" disabled={off} />
        <SliderField label="Hue" value={a.hue} min={0} max={0.5} step={0.005} onChange={(v) => set({ hue: v as number })} testId="aug-hue" disabled={off} format={(v) => v.toFixed(3)} />
      </Box>
      <Box>
        <Toggle label="HED stain jitter" checked={a.hed !== null} onChange={(v) => set({ hed: v ? hed : null })} testId="aug-hed" disabled={off} />
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 3, pl: 1 }}>
          <SliderField label="Scale (σ)" value={hed.sigma} min={0} max={0.5} step={0.005} onChange={(v) => set({ hed: { ...hed, sigma: v as number } })} testId="aug-hed-sigma" disabled={off || a.hed === null} format={(v) => v.toFixed(3)} />
          <SliderField label="Shift (bias)" value={hed.bias} min={0} max={0.5} step={0.005} onChange={(v) => set({ hed: { ...hed, bias: v as number } })} testId="aug-hed-bias" disabled={off || a.hed === null} format={(v) => v.toFixed(3)} />
        </Box>
      </Box>

      <Box sx={{ borderTop: 1, borderColor: 'divider', pt: 1.5 }}>
        <Toggle label="Stain normalisation (stored with the model, applied at inference)" checked={value.stainOn} onChange={(v) => onChange({ stainOn: v })} testId="stain-enabled" />
        {value.stainOn && (
          <Stack direction="row" spacing={1.5} sx={{ mt: 1, alignItems: 'flex-start' }}>
            <ToggleButtonGroup
              exclusive
              size="small"
              value={value.stain.method}
              onChange={(_, v: StainConfig['method'] | null) => v && onChange({ stain: { ...value.stain, method: v } })}
              aria-label="Stain normalisation method"
            >
              <ToggleButton value="macenko" data-testid="stain-macenko">
                Macenko
              </ToggleButton>
              <ToggleButton value="reinhard" data-testid="stain-reinhard">
                Reinhard
              </ToggleButton>
            </ToggleButtonGroup>
            <TextField
              size="small"
              label="Reference image"
              placeholder="/data/reference_patch.png"
              value={value.stain.reference}
              onChange={(e) => onChange({ stain: { ...value.stain, reference: e.target.value } })}
              error={!!stainError}
              helperText={stainError ?? 'A well-stained patch whose colours every image is mapped to.'}
              fullWidth
              slotProps={{ htmlInput: { 'data-testid': 'stain-reference', spellCheck: false }, input: { sx: { fontFamily: 'monospace' } } }}
            />
          </Stack>
        )}
      </Box>

      <Box sx={{ borderTop: 1, borderColor: 'divider', pt: 1.5 }}>
        <AugmentPreview
          datasetId={datasetId}
          augment={value.augmentOn ? value.augment : null}
          stain={value.stainOn && value.stain.reference.trim() ? { method: value.stain.method, reference: value.stain.reference.trim() } : null}
        />
      </Box>
    </Stack>
  );
}
