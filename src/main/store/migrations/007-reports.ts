/**
 * Reports become jobs: the table from 001 gains a status (a report waits on analyses and on
 * Chromium, so it is made in the background), the page size, what it covers (slides, runs,
 * model), the PDF's page count and size, and the pid of the process making it, so a report left
 * half-made by a process that died is told from one still being made elsewhere.
 */
export const up = `
ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled'));
ALTER TABLE reports ADD COLUMN error TEXT;
ALTER TABLE reports ADD COLUMN page_size TEXT NOT NULL DEFAULT 'A4' CHECK (page_size IN ('A4', 'Letter'));
ALTER TABLE reports ADD COLUMN slide_ids_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reports ADD COLUMN run_ids_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reports ADD COLUMN model TEXT;
ALTER TABLE reports ADD COLUMN pages INTEGER;
ALTER TABLE reports ADD COLUMN bytes INTEGER;
ALTER TABLE reports ADD COLUMN pid INTEGER;
ALTER TABLE reports ADD COLUMN finished_at TEXT;
CREATE INDEX reports_created ON reports(created_at);
`;
