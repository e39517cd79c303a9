/**
 * What a re-import needs to repeat the first one: the CSV it came from, the split ratios and the
 * dataset-wide mpp the user declared; each file's mtime so unchanged files are not re-read, and
 * the mpp the file itself states, so the effective mpp can be recomputed without reading it.
 */
export const up = `
ALTER TABLE datasets ADD COLUMN csv_path TEXT;
ALTER TABLE datasets ADD COLUMN splits_json TEXT NOT NULL DEFAULT '{"train":0.7,"val":0.15,"test":0.15}';
ALTER TABLE datasets ADD COLUMN mpp REAL;
ALTER TABLE images ADD COLUMN file_mtime_ms REAL;
ALTER TABLE images ADD COLUMN file_mpp REAL;
CREATE INDEX images_dataset_split ON images(dataset_id, split, label_id);
`;
