/**
 * What a training run keeps beyond the planned columns: its name, the labels its outputs
 * follow, the dataset's name (the dataset may be removed later), the best epoch, the folder the
 * best checkpoint was copied to, accumulated training seconds, the final evaluation and the
 * images left out because they could not be read.
 */
export const up = `
ALTER TABLE runs ADD COLUMN name TEXT;
ALTER TABLE runs ADD COLUMN labels_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN dataset_name TEXT;
ALTER TABLE runs ADD COLUMN best_epoch INTEGER;
ALTER TABLE runs ADD COLUMN out_dir TEXT;
ALTER TABLE runs ADD COLUMN seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN final_json TEXT;
ALTER TABLE runs ADD COLUMN skipped_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX runs_status ON runs(status);
`;
