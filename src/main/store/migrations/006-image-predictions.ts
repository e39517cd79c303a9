/**
 * Model predictions on dataset images, as labelling suggestions. One row per image and checkpoint
 * (by content hash), so predictions from several models live side by side and a rerun of the
 * same model replaces its own rows. Confidence and margin are columns, not just inside the
 * probabilities, so "least certain first" and confidence filters are index-backed queries.
 *
 * prediction_sets says which model a hash was and in what class order its probabilities are
 * stored (the dataset's classes when it ran; label_index indexes labels_json).
 */
export const up = `
CREATE TABLE image_predictions (
  image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  model_hash   TEXT NOT NULL,
  -- Float32Array of per-class probabilities, in prediction_sets.labels_json order
  probs        BLOB NOT NULL,
  label_index  INTEGER NOT NULL,
  confidence   REAL NOT NULL,
  margin       REAL NOT NULL,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (image_id, model_hash)
) WITHOUT ROWID;
CREATE INDEX image_predictions_margin ON image_predictions(model_hash, margin);

CREATE TABLE prediction_sets (
  dataset_id   INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  model_hash   TEXT NOT NULL,
  model        TEXT NOT NULL,
  labels_json  TEXT NOT NULL,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (dataset_id, model_hash)
);
`;
