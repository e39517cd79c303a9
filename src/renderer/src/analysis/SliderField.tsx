/**
 * A small slider with its caption above it, as the analysis panels lay them out: the caption
 * says what the value is now, the slider has an aria label and a test id. `PanelSlider` alone is
 * for rows that build their own caption (a threshold with an Auto box, say).
 */
import type { ReactNode } from 'react';
import Slider from '@mui/material/Slider';
import Typography from '@mui/material/Typography';

type SliderProps = {
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (value: number) => void;
  /** The slider's aria-label. */
  label: string;
  testId: string;
  disabled?: boolean;
};

export function PanelSlider({ min, max, step, value, onChange, label, testId, disabled }: SliderProps) {
  return (
    <Slider
      size="small"
      min={min}
      max={max}
      step={step}
      disabled={disabled}
      value={value}
      onChange={(_e, v) => onChange(v as number)}
      aria-label={label}
      data-testid={testId}
    />
  );
}

export function SliderField({ caption, ...slider }: SliderProps & { caption: ReactNode }) {
  return (
    <>
      <Typography variant="caption" color="text.secondary">
        {caption}
      </Typography>
      <PanelSlider {...slider} />
    </>
  );
}
