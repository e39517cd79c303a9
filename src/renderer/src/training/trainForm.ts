/**
 * The Training form's state and its way to a `training.start` input. Fields hold text while the
 * user types; defaults come from the contract's TrainConfig schema (parsed once from a minimal
 * config) and the input is checked with that same schema, so the form accepts exactly what the
 * server accepts and says why in the same words.
 */
// a relative path rather than @shared: the unit tests run this file under vitest, which has no such alias
import { AugmentConfig, BUILTIN_ARCHS, TrainConfig, type HeadKind, type StainConfig, type TrainConfigInput, type TrainMode } from '../../../shared/contract/training';

/** What the schema fills in when a field is left out. */
export const schemaDefaults = TrainConfig.parse({ datasetId: 1, arch: BUILTIN_ARCHS[0] });
export const defaultAugment: AugmentConfig = AugmentConfig.parse({});

/** Mirrors the server's defaults that depend on other fields (src/main/train/setup.ts resolveConfig). */
const DEFAULT_LR: Record<TrainMode, number> = { head: 1e-3, 'last-k': 3e-4, full: 1e-4 };
export function defaultLr(mode: TrainMode, optimizer: 'adamw' | 'sgd'): number {
  return DEFAULT_LR[mode] * (optimizer === 'sgd' ? 10 : 1);
}
/** Mirrors the server's logistic-regression sweep (src/main/train/heads/fit.ts DEFAULT_CS). */
export const DEFAULT_CS = [0.01, 0.1, 1, 10];
/** Mirrors the MLP head's hidden width (src/main/train/heads/mlp.ts). */
export const DEFAULT_HIDDEN = 128;

export function defaultWeightDecay(optimizer: 'adamw' | 'sgd'): number {
  return optimizer === 'sgd' ? 1e-4 : 0.05;
}

/**
 * `arch:<name>` for a built-in, `init:<folder>` for an imported checkpoint to fine-tune,
 * `backbone:<folder>` for a frozen (foundation-model) backbone whose cached embeddings a head trains on.
 */
export type StartRef = `arch:${string}` | `init:${string}` | `backbone:${string}` | '';

export const isBackbone = (start: StartRef): boolean => start.startsWith('backbone:');

export interface TrainForm {
  datasetId: string;
  start: StartRef;
  /** With a backbone start: the head trained on its embeddings. */
  head: HeadKind;
  /** logreg head: the C values swept, comma-separated; empty for the default sweep. */
  cs: string;
  /** mlp head: hidden units; empty for the default. */
  hidden: string;
  mode: TrainMode;
  /** True once the user picked a mode, so a new starting point no longer changes it. */
  modeTouched: boolean;
  lastK: string;
  epochs: string;
  batchSize: string;
  accumulate: string;
  optimizer: 'adamw' | 'sgd';
  lr: string;
  weightDecay: string;
  momentum: string;
  warmupEpochs: string;
  decay: 'cosine' | 'linear' | 'constant';
  minLrRatio: string;
  labelSmoothing: string;
  balance: 'none' | 'sampler' | 'loss';
  maxGradNorm: string;
  monitor: TrainConfig['monitor'];
  earlyStopping: boolean;
  patience: string;
  minDelta: string;
  seed: string;
  name: string;
  out: string;
  augmentOn: boolean;
  augment: AugmentConfig;
  stainOn: boolean;
  stain: StainConfig;
}

const d = schemaDefaults;

export const initialForm: TrainForm = {
  datasetId: '',
  start: '',
  head: 'logreg',
  cs: '',
  hidden: '',
  mode: d.mode,
  modeTouched: false,
  lastK: String(d.lastK),
  epochs: String(d.epochs),
  batchSize: String(d.batchSize),
  accumulate: String(d.accumulate),
  optimizer: d.optimizer,
  lr: '',
  weightDecay: '',
  momentum: String(d.momentum),
  warmupEpochs: String(d.warmupEpochs),
  decay: d.decay,
  minLrRatio: String(d.minLrRatio),
  labelSmoothing: String(d.labelSmoothing),
  balance: d.balance,
  maxGradNorm: '',
  monitor: d.monitor,
  earlyStopping: d.patience !== null,
  patience: String(d.patience ?? 3),
  minDelta: String(d.minDelta),
  seed: String(d.seed),
  name: '',
  out: '',
  augmentOn: d.augment !== null,
  augment: d.augment ?? defaultAugment,
  stainOn: d.stain !== null,
  stain: d.stain ?? { method: 'macenko', reference: '' },
};

/**
 * The mode to pre-select for a starting point: pretrained weights on a CPU-only machine are best
 * used frozen (a new head trains in minutes, the whole network would take hours); otherwise the
 * schema's default. Null: no suggestion, keep the schema default without a note.
 */
export function suggestedMode(start: StartRef, cpuOnly: boolean): { mode: TrainMode; reason: string | null } {
  if (isBackbone(start)) {
    return { mode: 'head', reason: 'A foundation-model backbone stays frozen: each image is embedded once (and cached), then the head trains on the embeddings in seconds.' };
  }
  if (start.startsWith('init:') && cpuOnly) {
    return { mode: 'head', reason: 'Head suggested: this machine trains on the CPU only, and a new classifier on frozen pretrained features trains in minutes.' };
  }
  return { mode: d.mode, reason: null };
}

/** Text to number: empty is "not given", anything else must parse (NaN lets the schema say why). */
function num(text: string): number | undefined {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
}

/** The call input the form describes; not yet validated. */
export function toInput(f: TrainForm): Record<string, unknown> {
  const input: Record<string, unknown> = {
    mode: f.mode,
    epochs: num(f.epochs),
    batchSize: num(f.batchSize),
    accumulate: num(f.accumulate),
    optimizer: f.optimizer,
    lr: num(f.lr),
    weightDecay: num(f.weightDecay),
    warmupEpochs: num(f.warmupEpochs),
    decay: f.decay,
    minLrRatio: num(f.minLrRatio),
    labelSmoothing: num(f.labelSmoothing),
    balance: f.balance,
    maxGradNorm: num(f.maxGradNorm) ?? null,
    monitor: f.monitor,
    patience: f.earlyStopping ? (num(f.patience) ?? null) : null,
    minDelta: f.earlyStopping ? num(f.minDelta) : undefined,
    seed: num(f.seed),
    augment: f.augmentOn ? f.augment : null,
    stain: f.stainOn ? { method: f.stain.method, reference: f.stain.reference.trim() } : null,
  };
  if (f.datasetId) input.datasetId = Number(f.datasetId);
  if (f.start.startsWith('arch:')) input.arch = f.start.slice(5);
  else if (f.start.startsWith('init:')) input.init = f.start.slice(5);
  else if (isBackbone(f.start)) {
    input.backbone = f.start.slice('backbone:'.length);
    input.head = f.head;
    input.mode = 'head';
    // what a head on embeddings does not use is left out, so the stored config does not claim it
    delete input.batchSize;
    delete input.accumulate;
    if (f.head === 'logreg') {
      delete input.epochs;
      delete input.lr;
      if (f.cs.trim()) input.cs = f.cs.split(/[\s,;]+/).filter(Boolean).map(Number);
    } else if (f.hidden.trim()) input.hidden = num(f.hidden);
  }
  // head mode trains on features computed once: nothing to augment
  if (input.mode === 'head') input.augment = null;
  if (f.mode === 'last-k') input.lastK = num(f.lastK);
  if (f.optimizer === 'sgd') input.momentum = num(f.momentum);
  if (f.name.trim()) input.name = f.name.trim();
  if (f.out.trim()) input.out = f.out.trim();
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
  return input;
}

/** Which form field an issue's path points at, so its message shows under that field. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [head] = path;
  if (head === 'arch' || head === 'init' || head === 'backbone') return 'start';
  if (head === 'datasetId' || head === 'data') return 'datasetId';
  return typeof head === 'string' ? head : 'form';
}

export type FieldErrors = Record<string, string>;

/** The form checked against TrainConfig: the input to send, or a message per field. */
export function validateForm(f: TrainForm): { input: TrainConfigInput; errors: null } | { input: null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!f.datasetId) errors.datasetId = 'Choose a dataset.';
  if (!f.start) errors.start = 'Choose an architecture or an imported model to start from.';
  if (f.stainOn && !f.stain.reference.trim()) errors.stain = 'Give the path of a reference image for the stain normalisation.';
  const input = toInput(f);
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOf(issue.path);
      // refinements on the whole config carry no path; they are about the dataset or the starting point
      if (field === 'form' && /datasetId|data folder/.test(issue.message)) errors.datasetId ??= 'Choose a dataset.';
      else if (field === 'form' && /arch|init|backbone/.test(issue.message)) errors.start ??= 'Choose an architecture or an imported model to start from.';
      else errors[field] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0) return { input: null, errors };
  return { input: input as TrainConfigInput, errors: null };
}
