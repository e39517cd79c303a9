/**
 * Reads a label CSV: `path,label[,split][,group]`, with or without a header. With a header,
 * columns are found by name (common aliases accepted, plus an optional `mpp`) in any order;
 * without one they are positional. Relative paths are taken from `root`. Rows that cannot be
 * used are reported with their line number and left out. A row whose image lies outside `root`
 * (an absolute path elsewhere, `../..`) is left out unless allowed: a CSV from someone else must
 * not make Tessella read, hash and keep thumbnails of files anywhere on the machine unasked.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MAX_CLASS_NAME } from '../../shared/contract/datasets.js';
import { DomainError } from '../errors.js';
import { parseCsv } from './csv.js';
import { splitFromName, type ScanResult } from './scan-types.js';

const ALIASES = {
  path: ['path', 'file', 'filename', 'file_name', 'filepath', 'image', 'image_path', 'img'],
  label: ['label', 'class', 'class_name', 'target', 'category'],
  split: ['split', 'subset', 'set', 'partition'],
  group: ['group', 'slide', 'slide_id', 'patient', 'patient_id', 'case', 'case_id', 'subject'],
  mpp: ['mpp', 'microns_per_pixel', 'um_per_px'],
} as const;
type Column = keyof typeof ALIASES;

function headerColumns(cells: string[]): Partial<Record<Column, number>> | null {
  const names = cells.map((c) => c.trim().toLowerCase());
  const cols: Partial<Record<Column, number>> = {};
  for (const key of Object.keys(ALIASES) as Column[]) {
    const at = names.findIndex((n) => (ALIASES[key] as readonly string[]).includes(n));
    if (at >= 0) cols[key] = at;
  }
  return cols.path !== undefined && cols.label !== undefined ? cols : null;
}

/** A cell quoted in a problem when it reads as a short value; a binary file's bytes are not echoed. */
function shown(cell: string): string {
  // eslint-disable-next-line no-control-regex
  return cell.length <= 60 && !/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(cell) ? `"${cell}"` : `(${cell.length} characters, not shown)`;
}

export async function scanCsv(csvPath: string, root: string, opts: { allowOutside?: boolean } = {}): Promise<ScanResult> {
  const text = await readFile(csvPath, 'utf8');
  let rows;
  try {
    rows = parseCsv(text);
  } catch (e) {
    throw new DomainError('invalid-input', `${csvPath}: not a readable CSV (${(e as Error).message})`);
  }
  const result: ScanResult = { entries: [], problems: [], ignored: 0, outside: [] };
  if (rows.length === 0) return result;
  const header = headerColumns(rows[0].cells);
  const cols = header ?? { path: 0, label: 1, split: 2, group: 3 };
  const firstLine = new Map<string, { line: number; label: string }>();
  const at = (line: number) => `${csvPath}:${line}`;

  for (const { line, cells } of header ? rows.slice(1) : rows) {
    const get = (c: Column) => (cols[c] !== undefined ? (cells[cols[c]!] ?? '').trim() : '');
    const rawPath = get('path');
    const label = get('label');
    if (!rawPath) {
      result.problems.push({ path: at(line), reason: 'row has no path; left out' });
      continue;
    }
    // CSVs written on Windows use backslashes, which POSIX would read as part of a name
    const native = sep === '/' ? rawPath.replace(/\\/g, '/') : rawPath;
    const path = isAbsolute(native) ? resolve(native) : resolve(root, native);
    const rel = relative(root, path);
    const inside = rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
    if (!inside && !opts.allowOutside) {
      result.outside!.push(path);
      continue;
    }
    if (!label) {
      result.problems.push({ path, reason: `no label on line ${line}; left out` });
      continue;
    }
    if (label.length > MAX_CLASS_NAME) {
      result.problems.push({ path, reason: `the label on line ${line} is ${label.length} characters long; a class name has at most ${MAX_CLASS_NAME}; left out` });
      continue;
    }
    const rawSplit = get('split');
    const split = rawSplit ? splitFromName(rawSplit) : null;
    if (rawSplit && !split) {
      result.problems.push({ path, reason: `unknown split ${shown(rawSplit)} on line ${line} (use train, val or test, or leave it empty); left out` });
      continue;
    }
    const rawMpp = get('mpp');
    const mpp = rawMpp ? Number(rawMpp) : null;
    if (mpp !== null && !(Number.isFinite(mpp) && mpp > 0)) {
      result.problems.push({ path, reason: `mpp ${shown(rawMpp)} on line ${line} is not a positive number; left out` });
      continue;
    }
    const before = firstLine.get(path);
    if (before) {
      const how = before.label === label ? 'again' : `again with label ${shown(label)} (was ${shown(before.label)})`;
      result.problems.push({ path, reason: `listed ${how} on line ${line}; the row on line ${before.line} is used` });
      continue;
    }
    firstLine.set(path, { line, label });
    result.entries.push({
      path,
      rel: (inside ? rel : path).split(sep).join('/'),
      label,
      split,
      group: get('group') || null,
      mpp,
    });
  }
  return result;
}
