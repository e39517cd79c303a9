/**
 * What training reads of a dataset: its class names in label-index order, and the images of a
 * split with their label index. Images without a label are left out.
 */
import type { Db } from '../store/db.js';
import type { Split } from './scan-types.js';

/** Class names; a model trained on the dataset has its outputs in this order. */
export function datasetLabels(db: Db, datasetId: number): string[] {
  return (db.prepare('SELECT name FROM labels WHERE dataset_id = ? ORDER BY position, id').all(datasetId) as { name: string }[]).map((r) => r.name);
}

/** Images of one split, by path, with the index of their label in datasetLabels(). */
export function datasetSplitImages(db: Db, datasetId: number, split: Split): { path: string; labelIndex: number }[] {
  const index = new Map(
    (db.prepare('SELECT id FROM labels WHERE dataset_id = ? ORDER BY position, id').all(datasetId) as { id: number }[]).map((r, i) => [r.id, i]),
  );
  const rows = db
    .prepare('SELECT path, label_id AS labelId FROM images WHERE dataset_id = ? AND split = ? AND label_id IS NOT NULL ORDER BY path')
    .all(datasetId, split) as { path: string; labelId: number }[];
  return rows.map((r) => ({ path: r.path, labelIndex: index.get(r.labelId)! }));
}
