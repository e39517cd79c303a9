/**
 * Run groups: a cross-validation or sweep kept as one row (its folds' numbers and the mean ± sd
 * summaries as JSON: head-mode folds are fitted in seconds and are not runs of their own), and
 * the runs a full-training cross-validation trains, one per fold, pointing at their group.
 */
export const up = `
CREATE TABLE run_groups (
  id            INTEGER PRIMARY KEY,
  name          TEXT,
  kind          TEXT NOT NULL CHECK (kind IN ('cv', 'sweep')),
  mode          TEXT NOT NULL CHECK (mode IN ('head', 'last-k', 'full')),
  head          TEXT,
  backbone      TEXT,
  dataset_id    INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  dataset_name  TEXT,
  folds         INTEGER NOT NULL,
  repeats       INTEGER NOT NULL,
  seed          INTEGER NOT NULL,
  monitor       TEXT NOT NULL,
  config_json   TEXT NOT NULL,
  points_json   TEXT NOT NULL,
  best          INTEGER NOT NULL,
  results_json  TEXT NOT NULL,
  pooled_json   TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
ALTER TABLE runs ADD COLUMN group_id INTEGER REFERENCES run_groups(id) ON DELETE SET NULL;
`;
