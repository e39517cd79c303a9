/**
 * A run group is written when it starts, not only when it ends, so that the Runs page lists a
 * cross-validation while it runs: its state, how many folds are done of how many, the process
 * that runs it (to tell a live one from one whose process died) and, when it failed, why.
 * Groups made before this were written at their end: they are completed.
 */
export const up = `
ALTER TABLE run_groups ADD COLUMN status TEXT NOT NULL DEFAULT 'completed' CHECK (status IN ('running', 'completed', 'cancelled', 'failed'));
ALTER TABLE run_groups ADD COLUMN error TEXT;
ALTER TABLE run_groups ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_groups ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_groups ADD COLUMN pid INTEGER;
`;
