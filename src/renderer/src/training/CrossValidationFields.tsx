/**
 * "Evaluate with cross-validation" for a head on a frozen backbone or for last-k or full
 * fine-tuning: k folds and seeds, and the values to sweep (C for a logistic regression; learning
 * rate, weight decay and epochs for an MLP or fine-tuning), with what that costs (heads fitted,
 * or runs fine-tuned and their epochs). Instead of one run, the Start button then starts a
 * cross-validation whose folds' mean ± sd, and best setting, show beside the form.
 */
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { NumberField } from './fields';
import { FOLDS, REPEATS, sweepFields, type CvForm, type CvKind } from './cvForm';

const SWEEP_LABELS: Record<ReturnType<typeof sweepFields>[number], { label: string; placeholder: string }> = {
  c: { label: 'Sweep C', placeholder: 'e.g. 0.1, 1, 10 (else chosen per fold)' },
  lr: { label: 'Sweep learning rate', placeholder: 'e.g. 0.0001, 0.001' },
  weightDecay: { label: 'Sweep weight decay', placeholder: 'e.g. 0.0001, 0.01' },
  epochs: { label: 'Sweep epochs', placeholder: 'e.g. 20, 50' },
};

export function CrossValidationFields({
  cv,
  set,
  kind,
  errors,
  preview,
}: {
  cv: CvForm;
  set: (patch: Partial<CvForm>) => void;
  kind: CvKind;
  errors: Record<string, string>;
  preview: string;
}) {
  const fineTune = kind.mode !== 'head';
  // a fine-tuned fold needs a third fold to choose its best epoch on
  const minFolds = fineTune ? 3 : FOLDS.min;
  const single = kind.mode === 'head' && kind.head === 'logreg';
  const others = Object.entries(errors).filter(([k]) => k !== 'folds' && k !== 'repeats' && !k.startsWith('sweep.'));
  return (
    <Box data-testid="train-cv">
      <FormControlLabel
        control={<Checkbox checked={cv.on} onChange={(e) => set({ on: e.target.checked })} slotProps={{ input: { 'data-testid': 'train-cv-toggle' } as object }} />}
        label="Evaluate with cross-validation"
      />
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: -0.5 }}>
        Every labelled image is held out once per seed (folds keep classes balanced and slides or patients together); reports mean ± sd per metric instead of training one model.
        {fineTune ? ' Each fold is a whole training run, one after the other.' : ''}
      </Typography>
      {cv.on && (
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: '1fr 1fr', mt: 1.5 }}>
          <NumberField label="Folds" value={cv.folds} onChange={(v) => set({ folds: v })} testId="train-cv-folds" error={errors.folds} min={minFolds} max={FOLDS.max} step={1} helperText={`${minFolds} to ${FOLDS.max}`} />
          <NumberField label="Seeds (repeats)" value={cv.repeats} onChange={(v) => set({ repeats: v })} testId="train-cv-repeats" error={errors.repeats} min={REPEATS.min} max={REPEATS.max} step={1} helperText="New folds each" />
          {sweepFields(kind).map((k) => (
            <TextField
              key={k}
              size="small"
              label={SWEEP_LABELS[k].label}
              value={cv[k]}
              onChange={(e) => set({ [k]: e.target.value })}
              placeholder={SWEEP_LABELS[k].placeholder}
              error={!!errors[`sweep.${k}`]}
              helperText={errors[`sweep.${k}`] ?? 'Comma-separated; empty: not swept'}
              sx={single ? { gridColumn: '1 / -1' } : undefined}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': `train-cv-sweep-${k}`, spellCheck: false } }}
            />
          ))}
          <Typography variant="body2" sx={{ gridColumn: '1 / -1', fontWeight: 600 }} data-testid="train-cv-preview">
            {preview}
          </Typography>
          {others.length > 0 && (
            <Typography variant="body2" color="error" sx={{ gridColumn: '1 / -1' }} data-testid="train-cv-errors">
              {others.map(([k, m]) => `${k}: ${m}`).join('; ')}
            </Typography>
          )}
        </Box>
      )}
    </Box>
  );
}
