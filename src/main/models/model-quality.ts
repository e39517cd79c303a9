/**
 * A registered model's held-out quality, read from the Tessella training run it came from (its
 * final validation report, else test): dataset, balanced accuracy with its 95% interval, classes
 * and chance. Models imported from elsewhere have none.
 */
import type { ModelQuality } from '../../shared/contract/models.js';
import type { EvalReport, RunFinal } from '../../shared/contract/training.js';
import { notAboveChance } from '../../shared/model-quality.js';
import { trainingRunOf } from '../reports/model-card.js';
import type { ModelRow } from '../store/analysis-repo.js';
import type { Db } from '../store/db.js';

/** The quality record of one evaluation report; null when it has no images or classes. */
export function qualityOf(final: Pick<RunFinal, 'val' | 'test'>, dataset: string | null): ModelQuality | null {
  const split = final.val && final.val.n > 0 ? 'val' : final.test && final.test.n > 0 ? 'test' : null;
  if (!split) return null;
  const report = final[split] as EvalReport;
  const classes = report.labels;
  if (classes.length === 0) return null;
  const ci = report.ci.balancedAccuracy;
  return {
    dataset,
    valBalancedAccuracy: report.balancedAccuracy,
    ci: ci ? [ci[0], ci[1]] : null,
    valImages: report.n,
    split,
    classes,
    chance: 1 / classes.length,
    atChance: notAboveChance(report.balancedAccuracy, ci, classes.length),
  };
}

/** The model's quality from its training run; null when it was not trained here or the run has no final report. */
export function modelQuality(db: Db, model: Pick<ModelRow, 'id' | 'dir' | 'hash'>): ModelQuality | null {
  const runId = trainingRunOf(db, model as ModelRow);
  if (!runId) return null;
  const r = db.prepare('SELECT dataset_name, final_json FROM runs WHERE id = ?').get(runId) as { dataset_name: string | null; final_json: string | null } | undefined;
  if (!r?.final_json) return null;
  try {
    return qualityOf(JSON.parse(r.final_json) as RunFinal, r.dataset_name);
  } catch {
    // A final record that no longer parses only costs the picker its quality line.
    return null;
  }
}
