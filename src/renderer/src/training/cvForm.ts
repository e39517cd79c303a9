/**
 * The Training page's cross-validation option: k folds, seeds and, for the head, values to sweep,
 * turned into a `training.startGroup` input from the same form a single run is started from, and
 * the number of heads that makes (folds x seeds x grid points) for the preview.
 */
// a relative path rather than @shared: the unit tests run this file under vitest, which has no such alias
import { StartGroupInput, type SweepValues } from '../../../shared/contract/run-groups';
import type { HeadKind, TrainConfigInput } from '../../../shared/contract/training';

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

/** The sweep fields a head takes. */
export function sweepFields(head: HeadKind): (keyof SweepValues & keyof CvForm)[] {
  return head === 'logreg' ? ['c'] : ['lr', 'weightDecay', 'epochs'];
}

function values(text: string): number[] | undefined {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.length ? parts.map(Number) : undefined;
}

export interface CvPlan {
  /** The call input, or null with a message per field (folds, repeats, sweep.<name>, or another setting's name). */
  input: StartGroupInput | null;
  errors: Record<string, string>;
  /** Folds x seeds x grid points, when the numbers parse. */
  fits: number | null;
  points: number | null;
}

/** The cross-validation a valid single-run input (with a backbone) and the option describe. */
export function cvPlan(run: TrainConfigInput, cv: CvForm): CvPlan {
  const head = run.head ?? 'logreg';
  const sweep: Record<string, number[]> = {};
  for (const k of sweepFields(head)) {
    const v = values(cv[k]);
    if (v) sweep[k] = v;
  }
  const raw = {
    datasetId: run.datasetId,
    backbone: run.backbone,
    head,
    folds: Number(cv.folds),
    repeats: Number(cv.repeats),
    seed: run.seed,
    monitor: run.monitor,
    balance: run.balance !== undefined && run.balance !== 'none',
    cs: run.cs,
    hidden: run.hidden,
    lr: run.lr,
    weightDecay: run.weightDecay,
    epochs: head === 'mlp' ? run.epochs : undefined,
    patience: run.patience ?? undefined,
    sweep,
    stain: run.stain ?? undefined,
    name: run.name,
  };
  for (const k of Object.keys(raw) as (keyof typeof raw)[]) if (raw[k] === undefined) delete raw[k];
  const parsed = StartGroupInput.safeParse(raw);
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [a, b] = issue.path;
      const field = a === 'sweep' && typeof b === 'string' ? `sweep.${b}` : typeof a === 'string' ? a : 'form';
      errors[field] ??= field === 'folds' ? `${FOLDS.min} to ${FOLDS.max} folds` : field === 'repeats' ? `${REPEATS.min} to ${REPEATS.max} seeds` : issue.message;
    }
  }
  const points = Object.values(sweep).every((v) => v.every(Number.isFinite)) ? Object.values(sweep).reduce((a, v) => a * v.length, 1) : null;
  const folds = Number(cv.folds);
  const repeats = Number(cv.repeats);
  const fits = points !== null && Number.isInteger(folds) && Number.isInteger(repeats) ? folds * repeats * points : null;
  return { input: parsed.success ? parsed.data : null, errors, fits, points };
}

/** "5 folds × 2 seeds × 3 settings = 30 heads fitted". */
export function cvPreview(plan: Pick<CvPlan, 'fits' | 'points'>, cv: CvForm): string {
  if (plan.fits === null || plan.points === null) return 'Give whole numbers of folds and seeds and numbers to sweep.';
  const s = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return `${s(Number(cv.folds), 'fold', 'folds')} × ${s(Number(cv.repeats), 'seed', 'seeds')} × ${s(plan.points, 'setting', 'settings')} = ${s(plan.fits, 'head', 'heads')} fitted`;
}
