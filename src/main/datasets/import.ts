/**
 * Imports (or re-imports) a dataset: scan the source, read every new or changed image, flag
 * duplicates, assign splits, then write everything in one transaction — so a cancelled or
 * failed import leaves the dataset exactly as it was.
 *
 * A re-import (same name, same source) keeps each image that is still there with its row id,
 * label and split; new images join the split of any duplicate or group they belong to, or are
 * placed to keep the class proportions; images gone from the source are dropped. Files whose
 * size and mtime are unchanged are not read again.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ImportSummary } from '../../shared/contract/datasets.js';
import { DomainError, oneLine } from '../errors.js';
import type { Db } from '../store/db.js';
import { DatasetsRepo, nameTaken, type DatasetSource, type StoredImage } from '../store/datasets-repo.js';
import { findDuplicates, labelConflicts } from './duplicates.js';
import { isDihedralHash } from './hashing.js';
import { describeFailure, ImageProblem, readImageFacts } from './image-facts.js';
import { scanCsv } from './scan-csv.js';
import { scanFolder } from './scan-folder.js';
import type { ScanProblem, SourceEntry } from './scan-types.js';
import { assignSplits, DEFAULT_RATIOS, normaliseRatios, type SplitItem, type SplitRatios } from './split.js';

export interface ImportOptions {
  /** The folder, or with csv the CSV file. */
  path: string;
  name: string;
  csv?: boolean;
  /** Where a CSV's relative paths start (default: the CSV's folder). */
  root?: string;
  /** Take CSV rows whose image lies outside `root` (otherwise left out and listed in the summary). */
  allowOutside?: boolean;
  seed?: number;
  splits?: SplitRatios;
  /** mpp for images whose CSV row and file do not state one. */
  mpp?: number;
}

export interface ImportProgress {
  phase: 'scan' | 'read' | 'duplicates' | 'split' | 'save';
  done: number;
  total: number;
}

export interface ImportHooks {
  onProgress?(p: ImportProgress): void;
  signal?: AbortSignal;
}

/** Facts of one usable image, from the file or (unchanged since last time) from its stored row. */
interface Candidate {
  entry: SourceEntry;
  stored: StoredImage | null;
  fileSize: number;
  mtimeMs: number;
  contentHash: string;
  /** The dihedral hash (all 8 orientations), stored in the phash column. */
  phash: string;
  width: number;
  height: number;
  fileMpp: number | null;
  status: 'added' | 'changed' | 'unchanged';
}

/** Rows outside the folder the summary names; the count says how many more there are. */
const OUTSIDE_LISTED = 5;

const READ_CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()));

async function forEachPooled<T>(items: T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      await fn(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function readCandidate(entry: SourceEntry, stored: StoredImage | null): Promise<Candidate> {
  let s;
  try {
    s = await stat(entry.path);
  } catch (e) {
    throw new ImageProblem(describeFailure(e));
  }
  // a hash from before orientations were hashed is recomputed once
  if (stored && isDihedralHash(stored.phash) && stored.fileSize === s.size && stored.mtimeMs === s.mtimeMs) {
    return { entry, stored, fileSize: s.size, mtimeMs: s.mtimeMs, contentHash: stored.contentHash, phash: stored.phash, width: stored.width, height: stored.height, fileMpp: stored.fileMpp, status: 'unchanged' };
  }
  const f = await readImageFacts(entry.path);
  const same = stored !== null && stored.contentHash === f.sha256;
  return { entry, stored, fileSize: f.size, mtimeMs: f.mtimeMs, contentHash: f.sha256, phash: f.dihedral, width: f.width, height: f.height, fileMpp: f.mpp, status: stored ? (same ? 'unchanged' : 'changed') : 'added' };
}

export async function importDataset(db: Db, opts: ImportOptions, hooks: ImportHooks = {}): Promise<ImportSummary> {
  const { signal, onProgress } = hooks;
  const repo = new DatasetsRepo(db);
  const name = opts.name.trim();
  const source: DatasetSource = opts.csv ? 'csv' : 'folder';
  const csvPath = opts.csv ? resolve(opts.path) : null;
  const root = csvPath ? resolve(opts.root ?? dirname(csvPath)) : resolve(opts.path);

  if (csvPath) {
    const s = await stat(csvPath).catch(() => null);
    if (!s) throw new DomainError('not-found', `${csvPath}: no such CSV file`);
    if (s.isDirectory()) throw new DomainError('invalid-input', `${csvPath} is a folder; with csv the path must be the CSV file`);
  } else {
    const s = await stat(root).catch(() => null);
    if (!s) throw new DomainError('not-found', `${root}: no such folder`);
    if (!s.isDirectory()) throw new DomainError('invalid-input', `${root} is a file, not a folder; a CSV of path,label[,split][,group] is imported as a CSV`);
  }
  const existing = repo.byName(name);
  if (existing && (existing.source !== source || existing.root !== root || existing.csvPath !== csvPath)) {
    const from = existing.csvPath ?? existing.root ?? 'another source';
    throw new DomainError('conflict', `a dataset named "${name}" already exists, imported from ${from}; choose another name or remove it first`);
  }
  const seed = opts.seed ?? existing?.seed ?? 0;
  const ratios = normaliseRatios(opts.splits ?? existing?.ratios ?? DEFAULT_RATIOS);
  const datasetMpp = opts.mpp ?? existing?.mpp ?? null;
  const version = existing ? repo.version(existing.id) : null;

  onProgress?.({ phase: 'scan', done: 0, total: 0 });
  const scan = csvPath ? await scanCsv(csvPath, root, { allowOutside: opts.allowOutside }) : await scanFolder(root, signal);
  signal?.throwIfAborted();
  const problems: ScanProblem[] = [...scan.problems];
  const storedByPath = new Map((existing ? repo.storedImages(existing.id) : []).map((s) => [s.path, s]));

  const candidates: Candidate[] = [];
  let done = 0;
  const total = scan.entries.length;
  onProgress?.({ phase: 'read', done, total });
  await forEachPooled(
    scan.entries,
    READ_CONCURRENCY,
    async (entry) => {
      try {
        candidates.push(await readCandidate(entry, storedByPath.get(entry.path) ?? null));
      } catch (e) {
        if (!(e instanceof ImageProblem)) throw e;
        problems.push({ path: entry.path, reason: `${e.reason}; left out` });
      }
      onProgress?.({ phase: 'read', done: ++done, total });
    },
    signal,
  );
  if (candidates.length === 0) {
    const where = csvPath ?? root;
    // A CSV row's path is its cell, which may be any line of any file (a /etc/passwd given as CSV):
    // it is named only when it is a file that exists (a real image that failed to read).
    const outside = scan.outside?.length ? `; ${scan.outside.length} row(s) name an image outside ${root}, left out unless allowed (allowOutside, --allow-outside)` : '';
    const first = problems[0];
    const firstText = first && (!csvPath || first.path.startsWith(`${csvPath}:`) || existsSync(first.path)) ? `${first.path}: ${first.reason}` : first?.reason;
    throw new DomainError('invalid-input', oneLine(`no readable images in ${where}${csvPath ? '' : ' (expected one folder per class)'}${first ? `; ${problems.length} problem(s), first: ${firstText}` : ''}${outside}${existing ? '; the dataset was left as it was' : ''}`));
  }
  // everything downstream is ordered by key, so the outcome never depends on read order
  candidates.sort((a, b) => (a.entry.rel < b.entry.rel ? -1 : a.entry.rel > b.entry.rel ? 1 : 0));

  onProgress?.({ phase: 'duplicates', done: 0, total: candidates.length });
  const dups = await findDuplicates(
    candidates.map((c) => ({ sha256: c.contentHash, phash: c.phash })),
    { signal },
  );

  // A label set in Tessella (grid, accepted suggestion) wins over the source's on a re-import.
  const labelNames = new Map((existing ? repo.labels(existing.id) : []).map((l) => [l.id, l.name]));
  const edited = (c: Candidate) => !!c.stored?.labelEdited;
  const labelOf = (c: Candidate): string | null =>
    edited(c) ? (c.stored!.labelId === null ? null : (labelNames.get(c.stored!.labelId) ?? c.entry.label)) : c.entry.label;
  const labels = candidates.map(labelOf);
  const conflicts = labelConflicts(dups.cluster, labels);
  for (const { image, first } of conflicts.images) {
    problems.push({
      path: candidates[image].entry.path,
      reason: `same picture (or a flipped, rotated or re-encoded copy) as ${candidates[first].entry.path}, labelled "${labels[first] ?? 'unlabelled'}" there and "${labels[image] ?? 'unlabelled'}" here; kept, check the labels`,
    });
  }

  onProgress?.({ phase: 'split', done: 0, total: candidates.length });
  const items: SplitItem[] = candidates.map((c, i) => {
    const kept = c.stored && !c.stored.splitGiven ? c.stored.split : null;
    return {
      key: c.entry.rel,
      label: labels[i] ?? '',
      group: c.entry.group ?? (c.stored?.sourceSlideId != null ? `slide:${c.stored.sourceSlideId}` : null),
      cluster: dups.cluster[i],
      split: c.entry.split ?? kept,
      given: c.entry.split !== null,
    };
  });
  const { splits, moved } = assignSplits(items, ratios, seed);
  signal?.throwIfAborted();

  onProgress?.({ phase: 'save', done: 0, total: candidates.length });
  const keptPaths = new Set(candidates.map((c) => c.entry.path));
  const removed = [...storedByPath.values()].filter((s) => !keptPaths.has(s.path));
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const id = db.transaction(() => {
    if (existing && repo.version(existing.id) !== version) {
      throw new DomainError('conflict', `dataset "${name}" changed while it was being imported; run the import again`);
    }
    // Another import (another window, a CLI) may have created the name since the check above.
    if (!existing && repo.byName(name)) throw nameTaken(name);
    const datasetId = existing?.id ?? repo.create({ name, source, root, csvPath, seed, ratios, mpp: datasetMpp });
    if (existing) repo.updateSettings(datasetId, { root, csvPath, seed, ratios, mpp: datasetMpp });
    for (const s of removed) repo.deleteImage(s.id);
    const labelIds = new Map<string, number>();
    for (const label of [...new Set(labels.filter((l): l is string => l !== null))].sort()) labelIds.set(label, repo.ensureLabel(datasetId, label));
    // a duplicate always points at an earlier candidate, so its id is known by the time it is written
    const ids: number[] = [];
    candidates.forEach((c, i) => {
      const write = {
        path: c.entry.path,
        fileSize: c.fileSize,
        mtimeMs: c.mtimeMs,
        contentHash: c.contentHash,
        phash: c.phash,
        width: c.width,
        height: c.height,
        labelId: labels[i] === null ? null : labelIds.get(labels[i])!,
        split: splits[i],
        splitGiven: items[i].given,
        group: c.entry.group,
        mpp: c.entry.mpp ?? c.fileMpp ?? datasetMpp,
        fileMpp: c.fileMpp,
        duplicateOf: dups.duplicateOf[i] >= 0 ? ids[dups.duplicateOf[i]] : null,
      };
      if (c.stored) repo.updateImage(c.stored.id, write);
      ids.push(c.stored ? c.stored.id : repo.insertImage(datasetId, write));
    });
    repo.replaceErrors(datasetId, problems);
    repo.pruneLabels(datasetId);
    return datasetId;
  }).immediate();

  const classes: Record<string, number> = {};
  for (const l of labels) if (l !== null) classes[l] = (classes[l] ?? 0) + 1;
  const sizes = { train: 0, val: 0, test: 0 };
  for (const s of splits) sizes[s]++;
  const count = (status: Candidate['status']) => candidates.filter((c) => c.status === status).length;
  return {
    id,
    name,
    images: candidates.length,
    classes,
    splits: sizes,
    errors: problems,
    duplicates: { exact: dups.exact, near: dups.near, conflicts: conflicts.groups },
    emptyClasses: scan.emptyClasses ?? [],
    added: count('added'),
    removed: removed.length,
    changed: count('changed'),
    unchanged: count('unchanged'),
    splitChanges: moved.length,
    ignored: scan.ignored,
    editedLabelsKept: candidates.filter((c, i) => edited(c) && labels[i] !== c.entry.label).length,
    outside: { count: scan.outside?.length ?? 0, first: (scan.outside ?? []).slice(0, OUTSIDE_LISTED) },
  };
}
