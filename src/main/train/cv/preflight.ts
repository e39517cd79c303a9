/**
 * Checks of a cross-validation before it starts, in the Training page's pre-flight shape: what
 * would make a fold empty of a class (fewer images, or slide/patient groups, of a class than
 * folds: a group never splits across folds), too few classes, a grid too large to fit in
 * reasonable time, and (a warning) fine-tuning that will take long. The same errors stop
 * `training.startGroup` and `tessella train --cv`.
 */
import type { GridPoint, SweepValues } from '../../../shared/contract/run-groups.js';
import type { HeadKind, PreflightFinding, TrainMode } from '../../../shared/contract/training.js';
import { datasetLabelledImages } from '../../datasets/folds.js';
import { datasetLabels } from '../../datasets/query.js';
import { DomainError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { productGrid } from './head-cv.js';

/** Heads fitted by one group at most (folds x seeds x grid points): beyond this a sweep is better split up. */
export const MAX_FITS = 600;
/** Runs fine-tuned by one group at most: each is a whole training run. */
export const MAX_FINE_TUNES = 60;
/**
 * Images passed forward and back, all folds' runs together, beyond which a fine-tuning
 * cross-validation is worth a warning (on a CPU a ViT-B/16 passes a few images a second; full
 * fine-tuning costs about three times a last-k one).
 */
export const LONG_IMAGE_PASSES: Record<'last-k' | 'full', number> = { 'last-k': 20_000, full: 6_000 };

/** What a group sweeps: a logreg head C only; an MLP head its learning rate, weight decay, epochs and width; fine-tuning its learning rate, weight decay and epochs. */
export function sweepGrid(what: { mode: TrainMode; head: HeadKind }, sweep: SweepValues): GridPoint[] {
  const allowed = what.mode !== 'head' ? ['lr', 'weightDecay', 'epochs'] : what.head === 'logreg' ? ['c'] : ['lr', 'weightDecay', 'epochs', 'hidden'];
  const axes = (['c', 'lr', 'weightDecay', 'epochs', 'hidden'] as const).flatMap((k) => (sweep[k] ? [[k, sweep[k]!] as [string, number[]]] : []));
  const wrong = axes.find(([k]) => !allowed.includes(k));
  const who = what.mode === 'head' ? `a ${what.head} head` : `${what.mode} fine-tuning`;
  if (wrong) throw new DomainError('invalid-input', `${who} cannot sweep ${wrong[0]}; sweepable: ${allowed.join(', ')}`);
  try {
    return productGrid(axes);
  } catch (e) {
    throw new DomainError('invalid-input', `sweep: ${(e as Error).message}`);
  }
}

export interface CvPlan {
  datasetId: number;
  folds: number;
  repeats: number;
  gridPoints: number;
  /** Fine-tuning (one run per fold): its mode and each grid point's epochs. Absent: heads. */
  fineTune?: { mode: 'last-k' | 'full'; epochs: number[] };
}

export function preflightCrossValidation(db: Db, plan: CvPlan): PreflightFinding[] {
  const dataset = new DatasetsRepo(db).get(plan.datasetId);
  if (!dataset) throw new DomainError('not-found', `no dataset with id ${plan.datasetId}`);
  const findings: PreflightFinding[] = [];
  const add = (code: string, message: string, fix: string) => findings.push({ severity: 'error', code, message, fix });
  const labels = datasetLabels(db, dataset.id);
  const images = datasetLabelledImages(db, dataset.id);
  // what a fold takes whole: a slide/patient group, else a duplicate cluster, else one image
  const units = labels.map(() => new Set<string>());
  const counts = labels.map(() => 0);
  for (const im of images) {
    units[im.labelIndex]!.add(im.group !== null ? `g:${im.group}` : im.duplicateGroup !== null ? `d:${im.duplicateGroup}` : `i:${im.path}`);
    counts[im.labelIndex]!++;
  }
  const present = counts.filter((n) => n > 0).length;
  if (present < 2) add('too-few-classes', `dataset "${dataset.name}" has labelled images of ${present} class${present === 1 ? '' : 'es'}; cross-validation needs at least 2`, 'label images of another class');
  for (const [i, n] of counts.entries()) {
    const u = units[i]!.size;
    if (n === 0 || u >= plan.folds) continue;
    const what = u < n ? `${u} slide or patient group${u === 1 ? '' : 's'} (${n} images)` : `${n} image${n === 1 ? '' : 's'}`;
    // fine-tuning needs 3 folds at least: fewer units than that leave only labelling more
    const least = plan.fineTune ? 3 : 2;
    const fix = u >= least ? `use at most ${u} folds, or label more "${labels[i]}" images` : `label more "${labels[i]}" images`;
    add('too-few-for-folds', `class "${labels[i]}" has ${what}, fewer than the ${plan.folds} folds: some folds would hold none of it`, fix);
  }
  const fits = plan.folds * plan.repeats * plan.gridPoints;
  const fine = plan.fineTune;
  const most = fine ? MAX_FINE_TUNES : MAX_FITS;
  if (fits > most) add('too-many-fits', `${fits} ${fine ? 'runs to fine-tune' : 'heads to fit'} (${plan.folds} folds x ${plan.repeats} seeds x ${plan.gridPoints} settings), more than ${most}`, 'sweep fewer values or use fewer seeds');
  if (fine) {
    if (plan.folds < 3) add('too-few-folds', `fine-tuning needs at least 3 folds (one held out, one to choose on, the rest to fit), not ${plan.folds}`, 'use 3 folds or more');
    // each run fits on every fold but the held-out one and the one it chooses on
    const fitted = images.length * Math.max(0, plan.folds - 2) / plan.folds;
    const passes = Math.round(plan.folds * plan.repeats * fine.epochs.reduce((a, e) => a + e, 0) * fitted);
    if (passes > LONG_IMAGE_PASSES[fine.mode])
      findings.push({
        severity: 'warning',
        code: 'long-cross-validation',
        message: `${fits} ${fine.mode} fine-tunes pass about ${passes.toLocaleString('en-US')} images forward and back: likely hours on a CPU`,
        fix: 'use fewer folds, seeds or epochs, or cross-validate a head on a frozen backbone',
      });
  }
  return findings;
}

/** Throws the first error the checks find, as one line. */
export function assertCrossValidationPlan(db: Db, plan: CvPlan): void {
  const error = preflightCrossValidation(db, plan).find((f) => f.severity === 'error');
  if (error) throw new DomainError('invalid-input', `${error.message} (fix: ${error.fix})`, error.code);
}
