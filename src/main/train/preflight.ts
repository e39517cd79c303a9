/**
 * Pre-flight checks of a training request against its dataset, before any run exists: what would
 * make the run fail or quietly mean little (too few images of a class, no validation or test
 * split, a head on untrained features, a dataset smaller than one batch). Each finding says what
 * is wrong and how to fix it. Errors stop `training.start` and `tessella train`; warnings are
 * confirmed in the UI and printed on stderr by the CLI.
 */
import { existsSync } from 'node:fs';
import type { PreflightFinding, TrainConfig } from '../../shared/contract/training.js';
import { isBuiltinName } from '../ml/models/configs.js';
import { DomainError } from '../errors.js';
import type { Db } from '../store/db.js';
import { datasetLabels, datasetSplitImages } from '../datasets/query.js';

/** Fewer training images than this in a class: its recall is a guess and one image swings it. */
export const MIN_TRAIN_PER_CLASS = 5;

const RESPLIT = 're-import it with validation and test shares (Datasets page, or `tessella dataset import DIR --val 0.15 --test 0.15`)';

/** The parts of a configuration the checks read; a parsed TrainConfig fits. */
export type PreflightConfig = Pick<TrainConfig, 'mode' | 'batchSize' | 'accumulate'> & Partial<Pick<TrainConfig, 'arch' | 'init' | 'backbone' | 'head'>>;

export function preflightTraining(db: Db, datasetId: number, config: PreflightConfig): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const add = (severity: PreflightFinding['severity'], code: string, message: string, fix: string) => findings.push({ severity, code, message, fix });

  const labels = datasetLabels(db, datasetId);
  const count = (split: 'train' | 'val' | 'test') => {
    const perClass = labels.map(() => 0);
    for (const im of datasetSplitImages(db, datasetId, split)) perClass[im.labelIndex]!++;
    return perClass;
  };
  const train = count('train');
  const trainTotal = train.reduce((a, b) => a + b, 0);
  const valTotal = count('val').reduce((a, b) => a + b, 0);
  const testTotal = count('test').reduce((a, b) => a + b, 0);
  const trainedClasses = train.filter((n) => n > 0).length;

  if (trainTotal === 0) add('error', 'no-train-images', 'the dataset has no labelled training images', `label images, or ${RESPLIT}`);
  else if (trainedClasses < 2)
    add('error', 'too-few-classes', `only ${trainedClasses} class has training images; a classifier needs at least 2`, 'label images of another class, or import a folder with one subfolder per class');
  if (trainTotal > 0) {
    for (const [i, n] of train.entries()) {
      if (n >= MIN_TRAIN_PER_CLASS) continue;
      add(
        'warning',
        'few-class-images',
        n === 0 ? `class "${labels[i]}" has no training images: the model can never learn it` : `class "${labels[i]}" has only ${n} training image${n === 1 ? '' : 's'} (fewer than ${MIN_TRAIN_PER_CLASS})`,
        `label more "${labels[i]}" images, or remove the class`,
      );
    }
  }
  const logreg = config.backbone !== undefined && (config.head ?? 'logreg') === 'logreg';
  if (valTotal === 0)
    add(
      'warning',
      'no-val-split',
      logreg
        ? 'no validation split: the regularisation sweep cannot choose C (the middle value is kept) and no validation metrics are reported'
        : 'no validation split: the best epoch cannot be chosen, early stopping cannot work and no validation metrics are reported',
      RESPLIT,
    );
  if (testTotal === 0) add('warning', 'no-test-split', 'no test split: the run reports no held-out test metrics', RESPLIT);

  if (untrainedFeatures(config))
    add(
      'warning',
      'untrained-backbone',
      `head mode on ${config.backbone ?? config.arch}, a built-in architecture with random weights: the head learns from untrained features and scores near chance`,
      'start from a pretrained model (pull a backbone on the Models page, or import a checkpoint), or train the whole network (mode full)',
    );

  // heads on a backbone's embeddings take no batch size (logistic regression fits all at once)
  const batch = config.batchSize * config.accumulate;
  if (config.backbone === undefined && trainTotal > 0 && trainTotal < batch)
    add(
      'warning',
      'smaller-than-batch',
      `the dataset has ${trainTotal} training image${trainTotal === 1 ? '' : 's'}, fewer than one batch (${batch}): every epoch is a single partial step`,
      `lower the batch size to ${Math.max(1, Math.floor(trainTotal / 2))} or less, or add images`,
    );
  return findings;
}

/** Head mode whose frozen part is a built-in architecture's random initialisation. */
function untrainedFeatures(c: PreflightConfig): boolean {
  if (c.backbone !== undefined) return isBuiltinName(c.backbone) && !existsSync(c.backbone);
  return c.mode === 'head' && c.arch !== undefined && c.init === undefined;
}

/** Errors stop a run before it is created: the first one, with its fix, in one line. */
export function throwOnPreflightErrors(findings: PreflightFinding[], datasetName: string): void {
  const errors = findings.filter((f) => f.severity === 'error');
  if (!errors.length) return;
  throw new DomainError('invalid-input', `dataset "${datasetName}": ${errors.map((e) => `${e.message} (fix: ${e.fix})`).join('; ')}`, 'preflight');
}
