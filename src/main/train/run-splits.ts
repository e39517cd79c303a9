/**
 * The images of a run's train, val or test split: the dataset's own split, or for a run that is
 * one fold of a cross-validation (config.fold), the folds of folds.ts — fold `index` held out as
 * test, the next fold as validation, the rest for training.
 */
import type { ResolvedTrainConfig } from '../../shared/contract/training.js';
import { assignFolds, datasetLabelledImages } from '../datasets/folds.js';
import { datasetSplitImages } from '../datasets/query.js';
import type { Split } from '../datasets/scan-types.js';
import type { Db } from '../store/db.js';

export function runSplitImages(db: Db, datasetId: number, config: Pick<ResolvedTrainConfig, 'fold'>, split: Split): { path: string; labelIndex: number }[] {
  const fold = config.fold;
  if (!fold) return datasetSplitImages(db, datasetId, split);
  const images = datasetLabelledImages(db, datasetId);
  const folds = assignFolds(
    images.map((i) => ({ key: i.path, label: i.labelIndex, group: i.group, cluster: i.duplicateGroup ?? -1 })),
    fold.k,
    fold.seed,
  );
  const val = (fold.index + 1) % fold.k;
  const want = (f: number) => (split === 'test' ? f === fold.index : split === 'val' ? f === val : f !== fold.index && f !== val);
  return images.filter((_, i) => want(folds[i])).map((i) => ({ path: i.path, labelIndex: i.labelIndex }));
}
