/**
 * Slide analyses keyed by slide + checkpoint content hash + resolved parameters, so a re-run
 * finds its stored tiles; the tile grid, accumulated inference time and the owner's pid and
 * heartbeat (a crashed run is told from a live one in another process by them). Models get a
 * stamp of their files' sizes and mtimes, so an unchanged checkpoint is not hashed again.
 */
export const up = `
ALTER TABLE analyses ADD COLUMN checkpoint_hash TEXT;
ALTER TABLE analyses ADD COLUMN params_key TEXT;
ALTER TABLE analyses ADD COLUMN grid_json TEXT;
ALTER TABLE analyses ADD COLUMN seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE analyses ADD COLUMN pid INTEGER;
ALTER TABLE analyses ADD COLUMN heartbeat_at TEXT;
ALTER TABLE analyses ADD COLUMN started_at TEXT;
CREATE UNIQUE INDEX analyses_key ON analyses(slide_id, checkpoint_hash, params_key);
CREATE INDEX analyses_queue ON analyses(status, queue_position);
ALTER TABLE predictions ADD COLUMN tissue REAL NOT NULL DEFAULT 1;
ALTER TABLE models ADD COLUMN files_stamp TEXT;
`;
