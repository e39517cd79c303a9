/** Form controls the Training form repeats: a labelled select, a number box and a labelled slider. */
import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import FormControl from '@mui/material/FormControl';
import FormHelperText from '@mui/material/FormHelperText';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Slider from '@mui/material/Slider';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

export interface Option {
  value: string;
  text: string;
}

export function SelectField({
  label,
  value,
  options,
  onChange,
  testId,
  error,
  helperText,
  disabled,
  children,
}: {
  label: string;
  value: string;
  options?: Option[];
  onChange: (v: string) => void;
  testId: string;
  error?: string;
  helperText?: ReactNode;
  disabled?: boolean;
  /** Menu items of one's own (grouped with ListSubheader); replaces `options`. */
  children?: ReactNode;
}) {
  const id = `train-${testId}`;
  return (
    <FormControl size="small" fullWidth disabled={disabled} error={!!error}>
      <InputLabel id={id}>{label}</InputLabel>
      <Select labelId={id} label={label} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {children ??
          options?.map((o) => (
            <MenuItem key={o.value} value={o.value} data-value={o.value}>
              {o.text}
            </MenuItem>
          ))}
      </Select>
      {(error || helperText) && <FormHelperText data-testid={error ? `${testId}-error` : undefined}>{error ?? helperText}</FormHelperText>}
    </FormControl>
  );
}

export function NumberField({
  label,
  value,
  onChange,
  testId,
  error,
  helperText,
  placeholder,
  step,
  min,
  max,
  disabled,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  testId: string;
  error?: string;
  helperText?: ReactNode;
  placeholder?: string;
  step?: number | 'any';
  min?: number;
  max?: number;
  disabled?: boolean;
}) {
  return (
    <TextField
      label={label}
      size="small"
      type="number"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={!!error}
      helperText={error ?? helperText}
      placeholder={placeholder}
      disabled={disabled}
      fullWidth
      slotProps={{
        inputLabel: placeholder ? { shrink: true } : undefined,
        htmlInput: { 'data-testid': testId, step: step ?? 'any', min, max },
        formHelperText: error ? ({ 'data-testid': `${testId}-error` } as object) : undefined,
      }}
    />
  );
}

export function SliderField({
  label,
  value,
  onChange,
  min,
  max,
  step,
  testId,
  disabled,
  format = (v) => v.toFixed(2),
}: {
  label: string;
  value: number | [number, number];
  onChange: (v: number | [number, number]) => void;
  min: number;
  max: number;
  step: number;
  testId: string;
  disabled?: boolean;
  format?: (v: number) => string;
}) {
  const shown = Array.isArray(value) ? `${format(value[0])} – ${format(value[1])}` : format(value);
  return (
    <Box>
      <Stack direction="row" sx={{ justifyContent: 'space-between' }}>
        <Typography variant="body2" color={disabled ? 'text.disabled' : 'text.primary'}>
          {label}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ fontVariantNumeric: 'tabular-nums' }} data-testid={`${testId}-value`}>
          {shown}
        </Typography>
      </Stack>
      <Slider
        size="small"
        value={value}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        onChange={(_, v) => onChange(Array.isArray(v) ? [v[0], v[1]] : v)}
        valueLabelDisplay="auto"
        valueLabelFormat={format}
        data-testid={testId}
        sx={{ mt: -0.5 }}
      />
    </Box>
  );
}
