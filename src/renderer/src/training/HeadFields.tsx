/**
 * Settings of a head trained on a frozen backbone's embeddings, only those the head uses: a
 * logistic regression takes a regularisation sweep, class balancing and a seed (no epochs,
 * batches or learning rate); an MLP takes its epochs, learning rate and width as well.
 */
import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import { NumberField, SelectField } from './fields';
import { DEFAULT_CS, DEFAULT_HIDDEN, defaultLr, type FieldErrors, type TrainForm } from './trainForm';

const balanceOptions = [
  { value: 'none', text: 'None' },
  { value: 'loss', text: 'Balanced (inverse class frequency)' },
];

export function HeadFields({ form, set, errors }: { form: TrainForm; set: (patch: Partial<TrainForm>) => void; errors: FieldErrors }) {
  const balance = (
    <SelectField
      label="Class balancing"
      value={form.balance === 'none' ? 'none' : 'loss'}
      options={balanceOptions}
      onChange={(v) => set({ balance: v as TrainForm['balance'] })}
      testId="train-head-balance"
      helperText="Weights rare classes up"
    />
  );
  const seed = <NumberField label="Seed" value={form.seed} onChange={(v) => set({ seed: v })} testId="train-seed" error={errors.seed} min={0} step={1} helperText={form.head === 'logreg' ? 'Solver start' : 'Weights and order'} />;
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: '1fr 1fr' }} data-testid={`train-head-fields-${form.head}`}>
      {form.head === 'logreg' ? (
        <TextField
          size="small"
          label="Regularisation sweep (C)"
          value={form.cs}
          onChange={(e) => set({ cs: e.target.value })}
          placeholder={DEFAULT_CS.join(', ')}
          error={!!errors.cs}
          helperText={errors.cs ?? 'Values of C tried; the best on validation is kept (larger: weaker)'}
          sx={{ gridColumn: '1 / -1' }}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'train-cs', spellCheck: false } }}
        />
      ) : (
        <>
          <NumberField label="Max epochs" value={form.epochs} onChange={(v) => set({ epochs: v })} testId="train-epochs" error={errors.epochs} min={1} step={1} helperText="Stops early on validation loss" />
          <NumberField label="Learning rate" value={form.lr} onChange={(v) => set({ lr: v })} placeholder={`default ${defaultLr('head', 'adamw')}`} testId="train-lr" error={errors.lr} min={0} />
          <NumberField label="Hidden units" value={form.hidden} onChange={(v) => set({ hidden: v })} placeholder={`default ${DEFAULT_HIDDEN}`} testId="train-hidden" error={errors.hidden} min={1} step={1} />
        </>
      )}
      {balance}
      {seed}
    </Box>
  );
}
