/**
 * A running run's latest progress (epoch, step, ETA, phase), written by its worker a few times a
 * second: what a page opened mid-run shows first, and how the app follows a run another process
 * (the CLI) trains, which sends it no events.
 */
export const up = `
ALTER TABLE runs ADD COLUMN progress_json TEXT;
`;
