/**
 * Electron runs a different Node ABI than plain Node, so better-sqlite3 needs its own build there.
 * scripts/postinstall.mjs puts one here when it can; without it the default binding is tried.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../renderer-dist.js';

export function electronNativeBinding(): string | undefined {
  const p = join(repoRoot(), 'node_modules', '.tessella-electron', 'better_sqlite3.node');
  return existsSync(p) ? p : undefined;
}
