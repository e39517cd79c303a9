/**
 * Runs a snippet of ESM in a fresh Node process with tsx's loader, so a test can measure what
 * one operation costs in memory (peak RSS) or run with a different environment, without the
 * test runner's own footprint in the numbers.
 */
import { spawnSync } from 'node:child_process';
import { repoRoot } from './shared-data.js';

/**
 * Run `code` (an ES module body; it may `await import()` repo .ts files by absolute path) and
 * parse the last line it prints as JSON.
 */
export function runChild<T>(code: string, env: Record<string, string> = {}): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`child exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
