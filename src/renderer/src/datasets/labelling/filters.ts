/** What the labelling grid shows: the user's filters and order, as the datasets.imageIds query takes them. */
import type { CallInput } from '@shared/api';

export interface LabelFilter {
  /** undefined: any; null: only unlabelled images. */
  label?: string | null;
  split?: 'train' | 'val' | 'test';
  predicted?: string;
  /** Confidence band in [0, 1]; [0, 1] means no bound. */
  confidence: [number, number];
  disagree: boolean;
  /** Only images in a duplicate group (copies, flips, rotations, re-encodings). */
  duplicates?: boolean;
  /** Only duplicate groups filed under more than one class. */
  conflicts?: boolean;
  order: 'path' | 'sample' | 'uncertainty';
}

export const defaultFilter: LabelFilter = { confidence: [0, 1], disagree: false, order: 'path' };

/** Prediction-based parts are dropped when there is no prediction set to read them from. */
export function filterQuery(datasetId: number, f: LabelFilter, modelHash: string | null): CallInput<'datasets.imageIds'> {
  const q: CallInput<'datasets.imageIds'> = { id: datasetId, order: f.order === 'uncertainty' && !modelHash ? 'path' : f.order };
  if (f.label !== undefined) q.label = f.label;
  if (f.split) q.split = f.split;
  if (f.duplicates) q.duplicates = true;
  if (f.conflicts) q.conflicts = true;
  if (modelHash) {
    q.modelHash = modelHash;
    if (f.predicted !== undefined) q.predicted = f.predicted;
    if (f.confidence[0] > 0) q.minConfidence = f.confidence[0];
    if (f.confidence[1] < 1) q.maxConfidence = f.confidence[1];
    if (f.disagree) q.disagree = true;
  }
  return q;
}

/** True when some filter narrows the list (for "no image matches" versus "the dataset is empty"). */
export function isFiltered(f: LabelFilter): boolean {
  return f.label !== undefined || !!f.split || f.predicted !== undefined || f.confidence[0] > 0 || f.confidence[1] < 1 || f.disagree || !!f.duplicates || !!f.conflicts;
}
