/**
 * The schema for the whole mission, planned up front so later features fill tables rather
 * than reshape them. Paths are stored absolute; JSON columns hold what is read whole.
 */
export const up = `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE slides (
  id              INTEGER PRIMARY KEY,
  path            TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL,
  content_hash    TEXT NOT NULL,
  file_size       INTEGER NOT NULL,
  format          TEXT NOT NULL,
  vendor          TEXT,
  reader          TEXT NOT NULL,
  width           INTEGER NOT NULL,
  height          INTEGER NOT NULL,
  levels_json     TEXT NOT NULL,
  mpp_x           REAL,
  mpp_y           REAL,
  -- set by the user where the file has no mpp; wins over the file's value
  mpp_override    REAL,
  objective_power REAL,
  properties_json TEXT NOT NULL,
  associated_json TEXT NOT NULL,
  added_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE datasets (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  root        TEXT,
  source      TEXT NOT NULL CHECK (source IN ('folder', 'csv', 'extracted')),
  seed        INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE labels (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  color       TEXT NOT NULL DEFAULT '#888888',
  position    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (dataset_id, name)
);

CREATE TABLE images (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  path          TEXT NOT NULL,
  file_size     INTEGER NOT NULL,
  content_hash  TEXT NOT NULL,
  phash         TEXT,
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  label_id      INTEGER REFERENCES labels(id) ON DELETE SET NULL,
  split         TEXT CHECK (split IN ('train', 'val', 'test')),
  split_given   INTEGER NOT NULL DEFAULT 0,
  group_key     TEXT,
  mpp           REAL,
  duplicate_of  INTEGER REFERENCES images(id) ON DELETE SET NULL,
  source_slide_id INTEGER REFERENCES slides(id) ON DELETE SET NULL,
  source_x      INTEGER,
  source_y      INTEGER,
  updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (dataset_id, path)
);
CREATE INDEX images_dataset_label ON images(dataset_id, label_id);
CREATE INDEX images_hash ON images(content_hash);

CREATE TABLE import_errors (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  path        TEXT NOT NULL,
  reason      TEXT NOT NULL
);

CREATE TABLE annotation_classes (
  id     INTEGER PRIMARY KEY,
  name   TEXT NOT NULL UNIQUE,
  color  TEXT NOT NULL
);

CREATE TABLE annotations (
  id             INTEGER PRIMARY KEY,
  slide_id       INTEGER NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  uuid           TEXT NOT NULL,
  object_type    TEXT NOT NULL DEFAULT 'annotation',
  class_id       INTEGER REFERENCES annotation_classes(id) ON DELETE SET NULL,
  name           TEXT,
  color          TEXT,
  locked         INTEGER NOT NULL DEFAULT 0,
  geometry_json  TEXT NOT NULL,
  -- bounding box in level-0 pixels, for viewport queries
  min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL,
  measurements_json TEXT,
  -- properties we do not interpret, written back on export untouched
  extra_json     TEXT,
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  UNIQUE (slide_id, uuid)
);
CREATE INDEX annotations_bbox ON annotations(slide_id, min_x, min_y);

CREATE TABLE models (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  arch          TEXT NOT NULL,
  dir           TEXT NOT NULL UNIQUE,
  checkpoint_hash TEXT NOT NULL,
  labels_json   TEXT NOT NULL,
  input_size    INTEGER NOT NULL,
  trained_mpp   REAL,
  run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  arch          TEXT NOT NULL,
  init          TEXT,
  mode          TEXT NOT NULL CHECK (mode IN ('head', 'last-k', 'full')),
  config_json   TEXT NOT NULL,
  backend       TEXT,
  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  error         TEXT,
  pid           INTEGER,
  heartbeat_at  TEXT,
  epochs        INTEGER NOT NULL,
  epochs_completed INTEGER NOT NULL DEFAULT 0,
  best_metric   REAL,
  best_dir      TEXT,
  last_dir      TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  started_at    TEXT,
  finished_at   TEXT
);

CREATE TABLE run_metrics (
  id       INTEGER PRIMARY KEY,
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch    INTEGER NOT NULL,
  -- NULL for per-epoch rows
  step     INTEGER,
  split    TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
  name     TEXT NOT NULL,
  value    REAL NOT NULL,
  at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE UNIQUE INDEX run_metrics_once ON run_metrics(run_id, epoch, IFNULL(step, -1), split, name);

CREATE TABLE analyses (
  id            INTEGER PRIMARY KEY,
  slide_id      INTEGER NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  params_json   TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  tiles_total   INTEGER,
  tiles_done    INTEGER NOT NULL DEFAULT 0,
  summary_json  TEXT,
  error         TEXT,
  queue_position INTEGER,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  finished_at   TEXT
);

CREATE TABLE predictions (
  analysis_id   INTEGER NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  x             INTEGER NOT NULL,
  y             INTEGER NOT NULL,
  w             INTEGER NOT NULL,
  h             INTEGER NOT NULL,
  label_index   INTEGER NOT NULL,
  -- Float32Array of per-class probabilities
  probs         BLOB NOT NULL,
  PRIMARY KEY (analysis_id, x, y)
) WITHOUT ROWID;

CREATE TABLE reports (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('slide', 'run', 'cohort')),
  title       TEXT NOT NULL,
  pdf_path    TEXT,
  html_path   TEXT,
  csv_path    TEXT,
  params_json TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
`;
