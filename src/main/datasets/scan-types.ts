/** What the folder and CSV scanners hand to the importer: candidate images with their source facts. */
import { extname } from 'node:path';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface SourceEntry {
  /** Absolute path of the image file. */
  path: string;
  /** Path relative to the dataset root, '/'-separated: the stable key splits are seeded on. */
  rel: string;
  label: string;
  /** Split stated by the source (a train/val/test folder or a CSV column); null = to be assigned. */
  split: Split | null;
  /** Slide or patient the image came from, when the source says; a group never straddles splits. */
  group: string | null;
  /** Microns per pixel stated by the source (CSV column), else null. */
  mpp: number | null;
}

export interface ScanProblem {
  path: string;
  reason: string;
}

export interface ScanResult {
  entries: SourceEntry[];
  problems: ScanProblem[];
  /** Non-image files that were passed over (labels.csv, notes, OS litter). */
  ignored: number;
  /** Images a CSV names outside the dataset's folder, left out because that was not allowed. */
  outside?: string[];
  /** Class folders holding no image (path relative to the root, '/'-separated): no class is made for them. */
  emptyClasses?: string[];
}

/**
 * Extensions taken as images. BMP and GIF are included although sharp decodes only some of
 * them, so such files are reported as unreadable rather than silently skipped.
 */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp', '.bmp', '.gif']);

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

const SPLIT_NAMES: Record<string, Split> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  test: 'test',
  testing: 'test',
};

/** The split a folder name or CSV value stands for (case-insensitive), or null. */
export function splitFromName(name: string): Split | null {
  return SPLIT_NAMES[name.trim().toLowerCase()] ?? null;
}

/** Folders and files that are never data: hidden ones and archive-tool litter. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db' || name === 'desktop.ini';
}
