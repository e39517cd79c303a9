/**
 * The Training page: a form for a fine-tuning run (dataset, starting point, mode, schedule, and
 * tucked away the advanced settings and augmentation), and beside it the run being trained, live.
 */
import { useEffect, useMemo, useState } from 'react';
import type { PreflightFinding } from '@shared/contract/training';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import ListSubheader from '@mui/material/ListSubheader';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import type { HeadKind, TrainMode } from '@shared/contract/training';
import { api, errorMessage } from '../api';
import { href } from '../router';
import { baseName } from '../format';
import { AdvancedFields } from './AdvancedFields';
import { AugmentSection } from './AugmentSection';
import { HeadFields } from './HeadFields';
import { PreflightConfirm, PreflightPanel } from './PreflightPanel';
import { rememberDataset, rememberedDataset } from './rememberedDataset';
import { usePreflight } from './usePreflight';
import { LiveRunPanel } from './LiveRunPanel';
import { LiveGroupPanel } from './LiveGroupPanel';
import { CrossValidationFields } from './CrossValidationFields';
import { cvKind, cvPlan, cvPreview, initialCv, type CvForm } from './cvForm';
import { NumberField, SelectField } from './fields';
import { defaultLr, initialForm, isBackbone, suggestedMode, validateForm, type FieldErrors, type StartRef, type TrainForm } from './trainForm';
import { useActiveRun } from './useActiveRun';
import { useTrainingOptions } from './useTrainingOptions';

const modeHelp: Record<TrainMode, string> = {
  head: 'A new classifier on frozen features: fast, no augmentation.',
  'last-k': 'The last k blocks and the classifier train; the rest stays frozen.',
  full: 'Every weight trains: best results, slowest (hours on a CPU).',
};

function startHelp(start: StartRef): string {
  if (start.startsWith('arch:')) return 'Built-in architecture with untrained (random) weights.';
  if (isBackbone(start)) return 'A pretrained backbone used frozen: images are embedded once and a head trains on the embeddings. Pull more on the Models page.';
  if (start) return 'Pretrained weights of an imported model; its classifier is replaced when the classes differ.';
  return 'A foundation-model backbone, an imported model or a built-in architecture.';
}

export function TrainingPage() {
  const options = useTrainingOptions();
  const { runId, follow } = useActiveRun();
  const [form, setForm] = useState<TrainForm>(initialForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  const set = (patch: Partial<TrainForm>) => setForm((f) => ({ ...f, ...patch }));
  // a cross-validation instead of one run: heads on a frozen backbone, or last-k or full fine-tuning
  const [cv, setCv] = useState<CvForm>(initialCv);
  const [groupId, setGroupId] = useState<number | null>(null);
  const setCvPart = (patch: Partial<CvForm>) => setCv((c) => ({ ...c, ...patch }));

  // the dataset last trained on, if it is still there; never a guess (the newest may be half-labelled)
  const datasetList = options.datasets;
  useEffect(() => {
    const last = rememberedDataset();
    if (datasetList?.some((d) => String(d.id) === last)) setForm((f) => (f.datasetId ? f : { ...f, datasetId: last }));
  }, [datasetList]);

  const suggestion = useMemo(() => suggestedMode(form.start, options.cpuOnly === true), [form.start, options.cpuOnly]);
  // Pulled foundation models, and imported models without a classifier: both are embedders, listed
  // once, as backbones; only a model with a classifier can be fine-tuned as it is.
  const backbones = options.models.filter((m) => m.source || m.labels.length === 0);
  const finetunable = options.models.filter((m) => !backbones.includes(m));
  const headRun = isBackbone(form.start);
  const checkedInput = useMemo(() => (form.datasetId && form.start ? validateForm(form).input : null), [form]);
  // what the form would cross-validate, even before it is complete (the option shows from the mode alone)
  const cvOffered = cvKind({ backbone: headRun ? form.start : undefined, head: form.head, mode: form.mode });
  const crossValidate = cvOffered !== null && cv.on;
  const plan = useMemo(() => (crossValidate && checkedInput ? cvPlan(checkedInput, cv) : null), [crossValidate, checkedInput, cv]);
  const preflight = usePreflight('training.preflight', crossValidate ? null : checkedInput);
  const groupPreflight = usePreflight('training.groupPreflight', plan?.input ?? null);
  const [confirming, setConfirming] = useState<PreflightFinding[] | null>(null);
  useEffect(() => {
    setForm((f) => (!f.modeTouched && f.start ? { ...f, mode: suggestion.mode } : f));
  }, [suggestion.mode, form.start]);

  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [augmentOpen, setAugmentOpen] = useState(false);

  const start = async (confirmed = false) => {
    const checked = validateForm(form);
    setErrors(checked.errors ?? {});
    setStartError(null);
    if (!checked.input) {
      // a problem in a folded section must not stay out of sight
      if (Object.keys(checked.errors).some((k) => advancedFields.has(k))) setAdvancedOpen(true);
      if (checked.errors.stain) setAugmentOpen(true);
      return;
    }
    if (crossValidate) return startGroup(checked.input, confirmed);
    setStarting(true);
    try {
      if (!confirmed) {
        // asked afresh: the dataset may have changed since the form last checked
        const { findings } = await api.call('training.preflight', checked.input);
        const errors = findings.filter((f) => f.severity === 'error');
        if (errors.length) return setStartError(errors.map((f) => `${f.message} (fix: ${f.fix})`).join('; '));
        const warnings = findings.filter((f) => f.severity === 'warning');
        if (warnings.length) return setConfirming(warnings);
      }
      const run = await api.call('training.start', checked.input);
      rememberDataset(form.datasetId);
      setGroupId(null);
      follow(run.id);
    } catch (err) {
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  const startGroup = async (input: NonNullable<typeof checkedInput>, confirmed: boolean) => {
    const p = cvPlan(input, cv);
    if (!p?.input) return setStartError(`Check the cross-validation settings: ${Object.values(p?.errors ?? {})[0] ?? 'they are incomplete'}`);
    setStarting(true);
    try {
      // asked afresh: the dataset may have changed since the form last checked
      const { findings } = await api.call('training.groupPreflight', p.input);
      const errors = findings.filter((f) => f.severity === 'error');
      if (errors.length) return setStartError(errors.map((f) => `${f.message} (fix: ${f.fix})`).join('; '));
      // a long fine-tuning cross-validation is started only once the user has read how long
      const warnings = findings.filter((f) => f.severity === 'warning');
      if (warnings.length && !confirmed) return setConfirming(warnings);
      const group = await api.call('training.startGroup', p.input);
      rememberDataset(form.datasetId);
      setGroupId(group.id);
    } catch (err) {
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  const datasetId = form.datasetId ? Number(form.datasetId) : null;
  const findings = (crossValidate ? groupPreflight.report?.findings : preflight.report?.findings) ?? [];
  const preflightError = crossValidate ? groupPreflight.error : preflight.error;
  const blocked = findings.some((f) => f.severity === 'error');
  const noDatasets = options.datasets !== null && options.datasets.length === 0;
  const otherErrors = Object.entries(errors).filter(([k]) => !shownFields.has(k));

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 3 }} data-testid="training-page">
      <Box sx={{ mb: 2 }}>
        <Typography variant="h5" component="h1" sx={{ fontWeight: 600 }}>
          Training
        </Typography>
        <Typography variant="body2" color="text.secondary">
          Fine-tune a ViT or ResNet on an imported dataset. Runs are kept on the Runs page, where they can be compared, resumed and exported.
        </Typography>
      </Box>

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', lg: 'minmax(420px, 5fr) minmax(0, 7fr)' }, alignItems: 'start' }}>
        <Paper variant="outlined" sx={{ p: 2 }} component="form" onSubmit={(e) => (e.preventDefault(), void start())} noValidate data-testid="train-form">
          <Stack spacing={2}>
            {options.error && <Alert severity="error">{options.error}</Alert>}
            {noDatasets ? (
              <Alert severity="info" data-testid="train-no-datasets" action={<Button href={href.page('datasets')}>Datasets</Button>}>
                There are no datasets yet. Import a folder of labelled patches on the Datasets page first.
              </Alert>
            ) : (
              <SelectField
                label="Dataset"
                value={options.datasets ? form.datasetId : ''}
                options={(options.datasets ?? []).map((d) => ({ value: String(d.id), text: `${d.name} · ${d.images.toLocaleString('en-US')} images · ${d.labels.length} classes` }))}
                onChange={(v) => {
                  set({ datasetId: v });
                  rememberDataset(v);
                }}
                testId="train-dataset"
                error={errors.datasetId}
                helperText={form.datasetId ? undefined : 'Choose the dataset to train on.'}
                disabled={options.datasets === null}
              />
            )}

            <SelectField
              label="Start from"
              value={form.start}
              onChange={(v) => set({ start: v as StartRef })}
              testId="train-start-from"
              error={errors.start}
              helperText={startHelp(form.start)}
            >
              {backbones.length > 0 && <ListSubheader>Foundation-model backbones (frozen)</ListSubheader>}
              {backbones.map((m) => (
                <MenuItem key={`b${m.id}`} value={`backbone:${m.dir}`} data-value={`backbone:${m.dir}`}>
                  {m.name}
                  <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                    {m.source ? `Hub @${m.source.commit.slice(0, 8)}` : baseName(m.dir)}
                  </Typography>
                </MenuItem>
              ))}
              {finetunable.length > 0 && <ListSubheader>Imported models</ListSubheader>}
              {finetunable.map((m) => (
                <MenuItem key={m.id} value={`init:${m.dir}`} data-value={`init:${m.dir}`}>
                  {m.name}
                  <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                    {m.arch} · {baseName(m.dir)}
                  </Typography>
                </MenuItem>
              ))}
              <ListSubheader>Built-in architectures</ListSubheader>
              {options.builtins.map((b) => (
                <MenuItem key={b} value={`arch:${b}`} data-value={`arch:${b}`}>
                  {b}
                </MenuItem>
              ))}
            </SelectField>

            {isBackbone(form.start) && (
              <Box>
                <ToggleButtonGroup exclusive size="small" value={form.head} onChange={(_, v: HeadKind | null) => v && set({ head: v })} aria-label="Head">
                  <ToggleButton value="logreg" data-testid="train-head-logreg">
                    Logistic regression
                  </ToggleButton>
                  <ToggleButton value="mlp" data-testid="train-head-mlp">
                    MLP
                  </ToggleButton>
                </ToggleButtonGroup>
                <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 0.5 }} data-testid="train-head-help">
                  {form.head === 'logreg'
                    ? 'Linear probing, as most papers report: a regularisation sweep chosen on the validation split.'
                    : 'One hidden layer on the embeddings, with early stopping on the validation loss.'}{' '}
                  {suggestion.reason}
                </Typography>
              </Box>
            )}

            <Box sx={{ display: headRun ? 'none' : undefined }}>
              <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
                <ToggleButtonGroup
                  exclusive
                  size="small"
                  value={form.mode}
                  onChange={(_, v: TrainMode | null) => v && set({ mode: v, modeTouched: true })}
                  aria-label="What trains"
                >
                  <ToggleButton value="head" data-testid="train-mode-head">
                    Head
                  </ToggleButton>
                  <ToggleButton value="last-k" data-testid="train-mode-last-k">
                    Last k blocks
                  </ToggleButton>
                  <ToggleButton value="full" data-testid="train-mode-full">
                    Full
                  </ToggleButton>
                </ToggleButtonGroup>
                {form.mode === 'last-k' && (
                  <Box sx={{ width: 110 }}>
                    <NumberField label="k" value={form.lastK} onChange={(v) => set({ lastK: v })} testId="train-last-k" error={errors.lastK} min={1} max={200} step={1} />
                  </Box>
                )}
              </Stack>
              <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 0.5 }} data-testid="train-mode-help">
                {modeHelp[form.mode]}
              </Typography>
              {suggestion.reason && form.mode === suggestion.mode && (
                <Typography variant="caption" color="info.main" sx={{ display: 'block' }} data-testid="train-mode-reason">
                  {suggestion.reason}
                </Typography>
              )}
            </Box>

            {headRun && <HeadFields form={form} set={set} errors={errors} />}
            {headRun && cvOffered && <CrossValidationFields cv={cv} set={setCvPart} kind={cvOffered} errors={plan?.errors ?? {}} preview={plan ? cvPreview(plan, cv) : 'Complete the form above to see how many heads this fits.'} />}
            {!headRun && (
              <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: '1fr 1fr' }}>
                <NumberField label="Epochs" value={form.epochs} onChange={(v) => set({ epochs: v })} testId="train-epochs" error={errors.epochs} min={1} step={1} />
                <NumberField label="Batch size" value={form.batchSize} onChange={(v) => set({ batchSize: v })} testId="train-batch-size" error={errors.batchSize} min={1} step={1} />
                <NumberField
                  label="Learning rate"
                  value={form.lr}
                  onChange={(v) => set({ lr: v })}
                  placeholder={`default ${defaultLr(form.mode, form.optimizer)}`}
                  testId="train-lr"
                  error={errors.lr}
                  min={0}
                />
                <NumberField label="Seed" value={form.seed} onChange={(v) => set({ seed: v })} testId="train-seed" error={errors.seed} min={0} step={1} helperText="Weights, order, augmentation" />
              </Box>
            )}
            {!headRun && cvOffered && (
              <CrossValidationFields cv={cv} set={setCvPart} kind={cvOffered} errors={plan?.errors ?? {}} preview={plan ? cvPreview(plan, cv) : 'Complete the form above to see how many runs this fine-tunes.'} />
            )}
            <TextField
              size="small"
              label="Run name (optional)"
              value={form.name}
              onChange={(e) => set({ name: e.target.value })}
              error={!!errors.name}
              helperText={errors.name}
              fullWidth
              slotProps={{ htmlInput: { 'data-testid': 'train-name', maxLength: 200 } }}
            />

            <Box>
              <Accordion disableGutters variant="outlined" expanded={advancedOpen} onChange={(_, v) => setAdvancedOpen(v)} data-testid="train-advanced">
                <AccordionSummary expandIcon={<ExpandMoreIcon />} data-testid="train-advanced-toggle">
                  <Typography variant="subtitle2">Advanced</Typography>
                  <Typography variant="caption" color="text.secondary" sx={{ ml: 1, alignSelf: 'center' }}>
                    {headRun ? (form.head === 'logreg' ? 'metric choosing C, output folder' : 'best epoch, early stopping, output folder') : 'optimizer, schedule, regularisation, early stopping'}
                  </Typography>
                </AccordionSummary>
                <AccordionDetails>
                  <AdvancedFields form={form} set={set} errors={errors} head={headRun ? form.head : null} />
                </AccordionDetails>
              </Accordion>
              <Accordion disableGutters variant="outlined" expanded={augmentOpen} onChange={(_, v) => setAugmentOpen(v)} data-testid="train-augmentation">
                <AccordionSummary expandIcon={<ExpandMoreIcon />} data-testid="train-augmentation-toggle">
                  <Typography variant="subtitle2">Augmentation and stain normalisation</Typography>
                  <Typography variant="caption" color="text.secondary" sx={{ ml: 1, alignSelf: 'center' }}>
                    {form.mode === 'head' || headRun ? 'augmentation not used in head mode' : form.augmentOn ? 'on' : 'off'}
                    {form.stainOn ? ` · ${form.stain.method}` : ''}
                  </Typography>
                </AccordionSummary>
                <AccordionDetails>
                  <AugmentSection value={form} onChange={set} mode={headRun ? 'head' : form.mode} datasetId={datasetId} stainError={errors.stain} />
                </AccordionDetails>
              </Accordion>
            </Box>

            {otherErrors.length > 0 && (
              <Alert severity="error" data-testid="train-form-errors">
                {otherErrors.map(([k, m]) => (
                  <div key={k}>
                    {k}: {m}
                  </div>
                ))}
              </Alert>
            )}
            <PreflightPanel findings={findings} />
            {preflightError && (
              <Alert severity="warning" data-testid="train-preflight-failed">
                The pre-flight check could not run: {preflightError}
              </Alert>
            )}
            {startError && (
              <Alert severity="error" data-testid="train-error">
                {startError}
              </Alert>
            )}
            <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
              <Button
                type="submit"
                variant="contained"
                startIcon={starting ? <CircularProgress size={16} color="inherit" /> : <PlayArrowIcon />}
                disabled={starting || noDatasets || blocked}
                data-testid="train-start"
                sx={{ whiteSpace: 'nowrap', flexShrink: 0 }}
              >
                {crossValidate ? 'Start cross-validation' : 'Start training'}
              </Button>
              {runId !== null && (
                <Typography variant="caption" color="text.secondary">
                  A run started while another trains waits in the queue.
                </Typography>
              )}
            </Stack>
          </Stack>
        </Paper>

        <PreflightConfirm
          warnings={confirming}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void start(true);
          }}
        />
        <Box sx={{ position: { lg: 'sticky' }, top: 0 }}>
          {groupId !== null ? (
            <LiveGroupPanel key={groupId} groupId={groupId} />
          ) : runId !== null ? (
            <LiveRunPanel key={runId} runId={runId} />
          ) : (
            <Paper variant="outlined" sx={{ p: 4, textAlign: 'center', color: 'text.secondary' }} data-testid="live-empty">
              <Typography>No run is training. Start one and follow its progress and curves here.</Typography>
              <Button href={href.page('runs')} sx={{ mt: 1 }}>
                See all runs
              </Button>
            </Paper>
          )}
        </Box>
      </Box>
    </Box>
  );
}

const advancedFields = new Set(['weightDecay', 'momentum', 'accumulate', 'warmupEpochs', 'minLrRatio', 'labelSmoothing', 'maxGradNorm', 'patience', 'minDelta', 'out']);

/** Fields that show their own error; anything else the schema reports is listed above the Start button. */
const shownFields = new Set([
  'datasetId',
  'cs',
  'hidden',
  'start',
  'lastK',
  'epochs',
  'batchSize',
  'lr',
  'seed',
  'name',
  'weightDecay',
  'momentum',
  'accumulate',
  'warmupEpochs',
  'minLrRatio',
  'labelSmoothing',
  'maxGradNorm',
  'patience',
  'minDelta',
  'out',
  'stain',
]);
