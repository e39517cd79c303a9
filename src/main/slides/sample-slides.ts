/**
 * Sample slides offered on first run: files put in resources/sample/ (none ships by default). An
 * installer carries them under Electron's resourcesPath (electron-builder's extraResources); a
 * source checkout has them in its own resources/.
 */
import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { SLIDE_EXTENSIONS } from './open-slide.js';

export interface SampleSlide {
  name: string;
  path: string;
}

/** The folders a sample may be in, installer's first; TESSELLA_SAMPLE_DIR names another one instead. */
export function sampleDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.TESSELLA_SAMPLE_DIR) return [env.TESSELLA_SAMPLE_DIR];
  const dirs: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) dirs.push(join(resourcesPath, 'sample'));
  const root = packageRoot();
  if (root) dirs.push(join(root.dir, 'resources', 'sample'));
  return dirs;
}

/** Slide files in the first of `dirs` that has any, by name. */
export function sampleSlides(dirs: string[] = sampleDirs()): SampleSlide[] {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const found = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && SLIDE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => ({ name: e.name, path: join(dir, e.name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (found.length) return found;
  }
  return [];
}
