import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** package.json's version, found by walking up from this file (works from src/ and from out/). */
export function appVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'tessella') return (cached = String(pkg.version));
    } catch {
      /* not here; go up */
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
