/** Runs the real `tessella` command in a child process, as a user or script would. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './shared-data.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tessella(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * As `tessella`, without blocking this process: for tests whose CLI talks to a server the test
 * itself runs (a stand-in Hub), which a synchronous spawn would starve.
 */
export function tessellaAsync(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
