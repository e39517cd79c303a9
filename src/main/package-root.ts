import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { dir: string; version: string } | null | undefined;

/**
 * The folder of Tessella's package.json and its version, found by walking up from this file:
 * the same answer from src/main, from out/main and from a shared chunk below it.
 */
export function packageRoot(): { dir: string; version: string } | null {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'tessella') return (cached = { dir, version: String(pkg.version) });
    } catch {
      /* not here; go up */
    }
    dir = dirname(dir);
  }
  return (cached = null);
}
