/**
 * A small class-per-folder patch set cut from the LC25000 lung patches in ../shared: the first
 * few patches of each class, sorted by name so every run (and every filesystem) picks the same
 * ones. Tests that need the patches say so with needs(lung) before calling this.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedRoot } from './shared-data.js';

export const LUNG_CLASSES = ['lung_aca', 'lung_n', 'lung_scc'] as const;

const lungRoot = join(sharedRoot, 'data/patches/lc25000_lung');

/**
 * Copies the first patches of each class to `<dest>/<class>/` and returns `dest`. `perClass` is
 * one count for every class in `classes` (all three by default), or a count per named class.
 */
export function lungSubset(dest: string, perClass: number | Record<string, number>, classes: readonly string[] = LUNG_CLASSES): string {
  const counts = typeof perClass === 'number' ? Object.fromEntries(classes.map((c) => [c, perClass])) : perClass;
  for (const [cls, n] of Object.entries(counts)) {
    mkdirSync(join(dest, cls), { recursive: true });
    for (const f of readdirSync(join(lungRoot, cls)).filter((x) => x.endsWith('.jpeg')).sort().slice(0, n)) copyFileSync(join(lungRoot, cls, f), join(dest, cls, f));
  }
  return dest;
}
