/** Where the built renderer lives, and building it when a source checkout has none yet. */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

export function repoRoot(): string {
  const root = packageRoot();
  if (!root) throw new Error('cannot find the Tessella package folder (package.json) above the running code');
  return root.dir;
}

export function rendererDir(): string {
  return join(repoRoot(), 'out', 'renderer');
}

/** Builds the renderer once if it is missing (a fresh clone whose postinstall build was skipped). */
export function ensureRendererBuilt(log: (line: string) => void): string {
  const dir = rendererDir();
  if (existsSync(join(dir, 'index.html'))) return dir;
  log('Building the user interface (first run only)...');
  const bin = join(repoRoot(), 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const r = spawnSync(process.execPath, [bin, 'build'], { cwd: repoRoot(), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(join(dir, 'index.html'))) {
    throw new Error(`could not build the user interface: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
  }
  return dir;
}
