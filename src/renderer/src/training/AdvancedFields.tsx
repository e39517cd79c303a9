/** The Training form's less-travelled settings: optimiser details, schedule shape, regularisation, early stopping, output. */
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { MonitorMetric, type HeadKind } from '@shared/contract/training';
import { monitorLabels } from '../runs/formatRun';
import { NumberField, SelectField } from './fields';
import { defaultWeightDecay, type FieldErrors, type TrainForm } from './trainForm';

/** `head`: a head on a backbone's embeddings, which has no optimizer or schedule to set (a logistic regression no epochs either). */
export function AdvancedFields({ form, set, errors, head = null }: { form: TrainForm; set: (patch: Partial<TrainForm>) => void; errors: FieldErrors; head?: HeadKind | null }) {
  const grid = { display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr', xl: '1fr 1fr 1fr' } } as const;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Box sx={{ ...grid, display: head ? 'none' : 'grid' }}>
        <SelectField
          label="Optimizer"
          value={form.optimizer}
          options={[
            { value: 'adamw', text: 'AdamW' },
            { value: 'sgd', text: 'SGD with momentum' },
          ]}
          onChange={(v) => set({ optimizer: v as TrainForm['optimizer'] })}
          testId="train-optimizer"
        />
        <NumberField
          label="Weight decay"
          value={form.weightDecay}
          onChange={(v) => set({ weightDecay: v })}
          placeholder={`${defaultWeightDecay(form.optimizer)} (default)`}
          testId="train-weight-decay"
          error={errors.weightDecay}
          min={0}
          max={10}
        />
        {form.optimizer === 'sgd' && (
          <NumberField label="Momentum" value={form.momentum} onChange={(v) => set({ momentum: v })} testId="train-momentum" error={errors.momentum} min={0} max={0.9999} step={0.01} />
        )}
        <NumberField label="Accumulate batches" value={form.accumulate} onChange={(v) => set({ accumulate: v })} testId="train-accumulate" error={errors.accumulate} helperText="Batches per optimizer step" min={1} step={1} />
        <NumberField label="Warmup epochs" value={form.warmupEpochs} onChange={(v) => set({ warmupEpochs: v })} testId="train-warmup" error={errors.warmupEpochs} min={0} step={0.5} helperText="Linear warmup, may be fractional" />
        <SelectField
          label="Decay"
          value={form.decay}
          options={[
            { value: 'cosine', text: 'Cosine' },
            { value: 'linear', text: 'Linear' },
            { value: 'constant', text: 'Constant' },
          ]}
          onChange={(v) => set({ decay: v as TrainForm['decay'] })}
          testId="train-decay"
        />
        <NumberField label="Final lr ratio" value={form.minLrRatio} onChange={(v) => set({ minLrRatio: v })} testId="train-min-lr-ratio" error={errors.minLrRatio} min={0} max={1} step={0.01} helperText="Decay ends at this × lr" />
        <NumberField label="Label smoothing" value={form.labelSmoothing} onChange={(v) => set({ labelSmoothing: v })} testId="train-label-smoothing" error={errors.labelSmoothing} min={0} max={0.5} step={0.05} />
        <SelectField
          label="Class balance"
          value={form.balance}
          options={[
            { value: 'none', text: 'None' },
            { value: 'sampler', text: 'Balanced sampling' },
            { value: 'loss', text: 'Loss weights (inverse frequency)' },
          ]}
          onChange={(v) => set({ balance: v as TrainForm['balance'] })}
          testId="train-balance"
        />
        <NumberField label="Max gradient norm" value={form.maxGradNorm} onChange={(v) => set({ maxGradNorm: v })} placeholder="no clipping" testId="train-max-grad-norm" error={errors.maxGradNorm} min={0} />
      </Box>

      <Box>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>
          {head === 'logreg' ? 'Choosing C' : 'Best checkpoint and early stopping'}
        </Typography>
        <Box sx={grid}>
          <SelectField
            label="Monitor"
            value={form.monitor}
            options={MonitorMetric.options.map((m) => ({ value: m, text: monitorLabels[m] }))}
            onChange={(v) => set({ monitor: v as TrainForm['monitor'] })}
            testId="train-monitor"
            helperText={head === 'logreg' ? 'Picks the C of the sweep' : 'Picks the best epoch'}
          />
          {head !== 'logreg' && <FormControlLabel
            control={<Switch checked={form.earlyStopping} onChange={(e) => set({ earlyStopping: e.target.checked })} slotProps={{ input: { 'data-testid': 'train-early-stopping' } as object }} />}
            label="Stop early"
          />}
          {head !== 'logreg' && form.earlyStopping && (
            <NumberField label="Patience (epochs)" value={form.patience} onChange={(v) => set({ patience: v })} testId="train-patience" error={errors.patience} min={1} step={1} />
          )}
          {head !== 'logreg' && form.earlyStopping && (
            <NumberField label="Min improvement" value={form.minDelta} onChange={(v) => set({ minDelta: v })} testId="train-min-delta" error={errors.minDelta} min={0} step={0.001} />
          )}
        </Box>
      </Box>

      <TextField
        size="small"
        label="Copy the best checkpoint to (optional)"
        placeholder="/models/lung-vit"
        value={form.out}
        onChange={(e) => set({ out: e.target.value })}
        error={!!errors.out}
        helperText={errors.out ?? 'A HuggingFace folder written when the run ends; a run can also be exported later from the Runs page.'}
        fullWidth
        slotProps={{ htmlInput: { 'data-testid': 'train-out', spellCheck: false }, input: { sx: { fontFamily: 'monospace' } } }}
      />
    </Box>
  );
}
