/**
 * The Training page's cross-validation option: k folds, seeds and values to sweep, turned into a
 * `training.startGroup` input from the same form a single run is started from (heads on a frozen
 * backbone, or last-k or full fine-tuning: one run per fold), and what that costs for the
 * preview: heads fitted, or runs fine-tuned and their epochs.
 */
// a relative path rather than @shared: the unit tests run this file under vitest, which has no such alias
import { StartGroupInput, type SweepValues } from '../../../shared/contract/run-groups';
import type { HeadKind, TrainConfigInput, TrainMode } from '../../../shared/contract/training';

export interface CvForm {
  on: boolean;
  folds: string;
  repeats: string;
  /** Comma-separated values to sweep; empty: not swept. logreg sweeps C, an MLP the rest. */
  c: string;
  lr: string;
  weightDecay: string;
  epochs: string;
}

export const initialCv: CvForm = { on: false, folds: '5', repeats: '1', c: '', lr: '', weightDecay: '', epochs: '' };

export const FOLDS = { min: 2, max: 10 } as const;
export const REPEATS = { min: 1, max: 5 } as const;

/** What a cross-validation trains: a head on a frozen backbone, or each fold's run fine-tuned. */
export type CvKind = { mode: 'head'; head: HeadKind } | { mode: Exclude<TrainMode, 'head'> };

/** The kind a valid single-run input makes, or null when it cannot be cross-validated from the page (head mode on a model that is not a frozen backbone). */
export function cvKind(run: Pick<TrainConfigInput, 'backbone' | 'head' | 'mode'>): CvKind | null {
  if (run.backbone !== undefined) return { mode: 'head', head: run.head ?? 'logreg' };
  return run.mode === 'last-k' || run.mode === 'full' ? { mode: run.mode } : null;
}

/** The sweep fields a kind takes: a logistic regression C, an MLP and fine-tuning the learning rate, weight decay and epochs. */
export function sweepFields(kind: CvKind): (keyof SweepValues & keyof CvForm)[] {
  return kind.mode === 'head' && kind.head === 'logreg' ? ['c'] : ['lr', 'weightDecay', 'epochs'];
}

/** Settings of a single run that the group decides, or that belong to heads: left out of a fine-tuning group's `train`. */
const GROUP_DECIDES = ['name', 'fold', 'datasetId', 'data', 'backbone', 'head', 'precision', 'cs', 'hidden', 'mode', 'seed', 'monitor', 'out'] as const;

function values(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.length ? parts.map(Number) : undefined;
}

export interface CvPlan {
  kind: CvKind;
  /** The call input, or null with a message per field (folds, repeats, sweep.<name>, or another setting's name). */
  input: StartGroupInput | null;
  errors: Record<string, string>;
  /** Folds x seeds x grid points (heads fitted or runs fine-tuned), when the numbers parse. */
  fits: number | null;
  points: number | null;
  /** Fine-tuning: what each run trains, for the preview ("vit_tiny, last 1 block, ~5 epochs each"). */
  each: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function lastPart(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** What every fold's run of a fine-tuning group trains, and for about how long. */
function eachRun(run: TrainConfigInput, mode: 'last-k' | 'full', sweptEpochs: number[] | undefined): string {
  const model = run.arch ?? (run.init ? lastPart(run.init) : 'the model');
  const what = mode === 'last-k' ? `last ${plural(run.lastK ?? 2, 'block')}` : 'every weight';
  const epochs = sweptEpochs?.length ? sweptEpochs : [run.epochs ?? 10];
  const lo = Math.min(...epochs);
  const hi = Math.max(...epochs);
  // early stopping may end a run sooner: the epochs are a most, hence the ~
  const span = lo === hi ? plural(lo, 'epoch') : `${lo}–${hi} epochs`;
  return `${model}, ${what}, ~${span} each`;
}

/** The cross-validation a valid single-run input and the option describe; null when the input cannot be cross-validated (see cvKind). */
export function cvPlan(run: TrainConfigInput, cv: CvForm): CvPlan | null {
  const kind = cvKind(run);
  if (!kind) return null;
  const sweep: Record<string, number[]> = {};
  for (const k of sweepFields(kind)) {
    const v = values(cv[k]);
    if (v) sweep[k] = v;
  }
  const common = { datasetId: run.datasetId, folds: Number(cv.folds), repeats: Number(cv.repeats), seed: run.seed, monitor: run.monitor, sweep, name: run.name };
  let raw: Record<string, unknown>;
  if (kind.mode === 'head') {
    raw = {
      ...common,
      mode: 'head',
      backbone: run.backbone,
      head: kind.head,
      balance: run.balance !== undefined && run.balance !== 'none',
      cs: run.cs,
      hidden: run.hidden,
      lr: run.lr,
      weightDecay: run.weightDecay,
      epochs: kind.head === 'mlp' ? run.epochs : undefined,
      patience: run.patience ?? undefined,
      stain: run.stain ?? undefined,
    };
  } else {
    const train: Record<string, unknown> = { ...run };
    for (const k of GROUP_DECIDES) delete train[k];
    raw = { ...common, mode: kind.mode, train };
  }
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const parsed = StartGroupInput.safeParse(raw);
  const errors: Record<string, string> = {};
  const fineTune = kind.mode !== 'head';
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [a, b] = issue.path;
      const field = a === 'sweep' && typeof b === 'string' ? `sweep.${b}` : a === 'train' && typeof b === 'string' ? b : typeof a === 'string' ? a : 'form';
      errors[field] ??= field === 'folds' ? `${fineTune ? 3 : FOLDS.min} to ${FOLDS.max} folds` : field === 'repeats' ? `${REPEATS.min} to ${REPEATS.max} seeds` : issue.message;
    }
  }
  const points = Object.values(sweep).every((v) => v.every(Number.isFinite)) ? Object.values(sweep).reduce((a, v) => a * v.length, 1) : null;
  const folds = Number(cv.folds);
  const repeats = Number(cv.repeats);
  const fits = points !== null && Number.isInteger(folds) && Number.isInteger(repeats) ? folds * repeats * points : null;
  const each = kind.mode === 'head' ? null : eachRun(run, kind.mode, sweep.epochs);
  return { kind, input: parsed.success ? parsed.data : null, errors, fits, points, each };
}

/** "5 folds × 2 seeds × 3 settings = 30 heads fitted", or "3 folds × 1 seed = 3 fine-tunes of vit_tiny, last 1 block, ~5 epochs each". */
export function cvPreview(plan: Pick<CvPlan, 'fits' | 'points' | 'each'>, cv: CvForm): string {
  if (plan.fits === null || plan.points === null) return 'Give whole numbers of folds and seeds and numbers to sweep.';
  const factors = `${plural(Number(cv.folds), 'fold')} × ${plural(Number(cv.repeats), 'seed')}`;
  if (plan.each === null) return `${factors} × ${plural(plan.points, 'setting')} = ${plural(plan.fits, 'head')} fitted`;
  return `${factors}${plan.points > 1 ? ` × ${plural(plan.points, 'setting')}` : ''} = ${plural(plan.fits, 'fine-tune')} of ${plan.each}`;
}
