/**
 * Checks of a cross-validation before it starts, in the Training page's pre-flight shape: what
 * would make a fold empty of a class (fewer images, or slide/patient groups, of a class than
 * folds: a group never splits across folds), too few classes, a grid too large to fit in
 * reasonable time. The same checks stop `training.startGroup` and `tessella train --cv`.
 */
import type { GridPoint, SweepValues } from '../../../shared/contract/run-groups.js';
import type { HeadKind, PreflightFinding } from '../../../shared/contract/training.js';
import { datasetLabelledImages } from '../../datasets/folds.js';
import { datasetLabels } from '../../datasets/query.js';
import { DomainError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { productGrid } from './head-cv.js';

/** Heads fitted by one group at most (folds x seeds x grid points): beyond this a sweep is better split up. */
export const MAX_FITS = 600;

/** The sweep grid of a head: logreg sweeps C only; an MLP its learning rate, weight decay, epochs and width. */
export function sweepGrid(head: HeadKind, sweep: SweepValues): GridPoint[] {
  const allowed = head === 'logreg' ? ['c'] : ['lr', 'weightDecay', 'epochs', 'hidden'];
  const axes = (['c', 'lr', 'weightDecay', 'epochs', 'hidden'] as const).flatMap((k) => (sweep[k] ? [[k, sweep[k]!] as [string, number[]]] : []));
  const wrong = axes.find(([k]) => !allowed.includes(k));
  if (wrong) throw new DomainError('invalid-input', `a ${head} head cannot sweep ${wrong[0]}; sweepable: ${allowed.join(', ')}`);
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
    add('too-few-for-folds', `class "${labels[i]}" has ${what}, fewer than the ${plan.folds} folds: some folds would hold none of it`, `use at most ${Math.max(2, u)} folds, or label more "${labels[i]}" images`);
  }
  const fits = plan.folds * plan.repeats * plan.gridPoints;
  if (fits > MAX_FITS) add('too-many-fits', `${fits} heads to fit (${plan.folds} folds x ${plan.repeats} seeds x ${plan.gridPoints} settings), more than ${MAX_FITS}`, 'sweep fewer values or use fewer seeds');
  return findings;
}

/** Throws the first error the checks find, as one line. */
export function assertCrossValidationPlan(db: Db, plan: CvPlan): void {
  const error = preflightCrossValidation(db, plan)[0];
  if (error) throw new DomainError('invalid-input', `${error.message} (fix: ${error.fix})`, error.code);
}
