/**
 * The cohort folders a data home knows, kept as a JSON list in <home>/cohorts.json: a cohort lives
 * in its own folder (often on a cluster's shared file system), so the data home only remembers
 * where. `cohort run` records the folder it sets up; the Cohorts page can add one by path.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './manifest.js';

const KnownCohorts = z.object({ version: z.literal(1), dirs: z.array(z.string()) });

export const knownCohortsFile = (homeRoot: string) => join(homeRoot, 'cohorts.json');

export async function knownCohorts(homeRoot: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(knownCohortsFile(homeRoot), 'utf8');
  } catch {
    return [];
  }
  // A damaged list is started afresh rather than blocking the page: the folders themselves are untouched.
  try {
    return KnownCohorts.parse(JSON.parse(text)).dirs;
  } catch {
    return [];
  }
}

async function write(homeRoot: string, dirs: string[]): Promise<void> {
  await writeJsonAtomic(knownCohortsFile(homeRoot), { version: 1, dirs });
}

/** Adds the folder (absolute) to the list, newest first; true when it was not there. */
export async function rememberCohort(homeRoot: string, dir: string): Promise<boolean> {
  const abs = resolve(dir);
  const dirs = await knownCohorts(homeRoot);
  if (dirs.includes(abs)) return false;
  await write(homeRoot, [abs, ...dirs]);
  return true;
}

export async function forgetCohort(homeRoot: string, dir: string): Promise<boolean> {
  const abs = resolve(dir);
  const dirs = await knownCohorts(homeRoot);
  if (!dirs.includes(abs)) return false;
  await write(homeRoot, dirs.filter((d) => d !== abs));
  return true;
}
