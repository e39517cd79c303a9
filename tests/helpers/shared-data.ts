/**
 * Tests read real data from ../shared (never copied into the repo). Where it is absent the
 * test is skipped with a message saying which file was missing: pass the path to needs()
 * (tests/helpers/needs.ts) as the describe/it options, which records the reason for the summary.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedRoot = resolve(repoRoot, '..', 'shared');

/** Absolute path of `rel` under ../shared, or null (with a console note) when it is not there. */
export function sharedPath(rel: string): string | null {
  const p = join(sharedRoot, rel);
  if (existsSync(p)) return p;
  console.warn(`[skip] ../shared/${rel} is absent; tests that need it are skipped`);
  return null;
}

export const SLIDES = {
  svs: 'data/slides/CMU-1-Small-Region.svs',
  ndpi: 'data/slides/slideio_test3-DAPI-2-387.ndpi',
  dicom: 'data/slides/pathml_small_dicom.dcm',
  ihc: 'data/images/skimage_ihc.png',
} as const;
