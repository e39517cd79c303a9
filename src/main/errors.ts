/**
 * The domain's error kinds. Services throw a `DomainError` saying *what kind* of failure it is;
 * each front door maps the kind on its own (HTTP status in serve.ts/dispatch.ts, the IPC error
 * body in index.ts, the exit code in the CLI), so rewording a message never changes a status.
 *
 * Messages name the problem and the file, never the file's contents: a line from a binary or a
 * private file must not end up in a log, a terminal or a browser.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export const ERROR_KINDS = [
  /** The caller gave something malformed or out of range. */
  'invalid-input',
  'not-found',
  /** The request clashes with the current state (a name taken, a run already running). */
  'conflict',
  /** A format or feature Tessella does not handle. */
  'unsupported',
  /** A file of a known format whose contents are broken. */
  'corrupt',
  /** Over a limit (pixels, body size, vertices). */
  'too-large',
  'forbidden',
  'unauthorized',
  /** Something the machine lacks right now (a native library, a browser, a peer process). */
  'unavailable',
  /** The disk is full or a quota is reached. */
  'no-space',
  'cancelled',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class DomainError extends Error {
  /**
   * @param kind what hosts map to a status or exit code
   * @param code a finer name the UI may act on (`needs-mpp`, `invalid-geojson`); the kind when absent
   */
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code: string = kind,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (message: string, code?: string): DomainError => new DomainError('invalid-input', message, code);
export const notFound = (message: string, code?: string): DomainError => new DomainError('not-found', message, code);
export const conflict = (message: string, code?: string): DomainError => new DomainError('conflict', message, code);
export const unsupported = (message: string, code?: string): DomainError => new DomainError('unsupported', message, code);
export const tooLarge = (message: string, code?: string): DomainError => new DomainError('too-large', message, code);
export const forbidden = (message: string, code?: string): DomainError => new DomainError('forbidden', message, code);

/**
 * SQLite says SQLITE_FULL when a write finds the disk full, but a full disk during its journal
 * or shared-memory set-up surfaces as an I/O error (SQLITE_IOERR_*): that one counts only when
 * the database's file system has (next to) nothing left.
 */
function sqliteOutOfSpace(code: string, database: string | undefined): boolean {
  if (code === 'SQLITE_FULL') return true;
  return code.startsWith('SQLITE_IOERR') && database !== undefined && outOfSpace(dirname(database));
}

/**
 * Whether the file system holding `dir` has (next to) nothing left: for libraries that report
 * a failed write without an errno (SQLite's I/O errors, libvips), checked right after the failure.
 */
export function outOfSpace(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < 1 << 20;
  } catch {
    return false;
  }
}

/** errno codes that have a kind of their own; everything else is internal. */
const ERRNO_KIND: Record<string, { kind: ErrorKind; say: string }> = {
  ENOENT: { kind: 'not-found', say: 'no such file or folder' },
  EACCES: { kind: 'forbidden', say: 'permission denied' },
  EPERM: { kind: 'forbidden', say: 'permission denied' },
  ENOTDIR: { kind: 'invalid-input', say: 'not a folder' },
  EISDIR: { kind: 'invalid-input', say: 'is a folder, not a file' },
  ENOSPC: { kind: 'no-space', say: 'no space left on the device' },
  EDQUOT: { kind: 'no-space', say: 'disk quota exceeded' },
  EROFS: { kind: 'forbidden', say: 'read-only file system' },
  EMFILE: { kind: 'unavailable', say: 'too many open files' },
};

/**
 * Any thrown value as a DomainError: errno errors get their kind, the rest is internal.
 * `database`: the SQLite file the caller works on, named when SQLite reports the disk full;
 * `field`: how the caller's user knows a schema path (the CLI says `--min-tissue` for minTissue).
 */
export function toDomainError(e: unknown, where: { database?: string; field?: FieldName } = {}): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof z.ZodError) return new DomainError('invalid-input', describeZodIssues(e.issues, where.field));
  const err = e as NodeJS.ErrnoException | undefined;
  const errno = typeof err?.code === 'string' ? ERRNO_KIND[err.code] : undefined;
  if (errno) return new DomainError(errno.kind, err?.path ? `${errno.say}: ${err.path}` : errno.say);
  if (typeof err?.code === 'string' && sqliteOutOfSpace(err.code, where.database)) {
    return new DomainError('no-space', where.database ? `no space left on the device: ${where.database}` : 'no space left on the device (the database is full)');
  }
  const message = err instanceof Error ? err.message : String(e);
  return new DomainError('internal', oneLine(message));
}

/**
 * A message fit for one line of a terminal: the first line, control bytes replaced, at most
 * `max` characters. Used by every host before an error reaches the user.
 */
export function oneLine(message: string, max = 400): string {
  // eslint-disable-next-line no-control-regex
  const first = (message.split(/\r?\n/, 1)[0] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return first.length > max ? first.slice(0, max - 1) + '…' : first;
}

/** Names a schema path for the user; the dotted path by default. */
export type FieldName = (path: readonly PropertyKey[]) => string;

const dotted: FieldName = (path) => path.map(String).join('.');

function bound(n: unknown): string {
  return typeof n === 'bigint' || typeof n === 'number' ? String(n) : n instanceof Date ? n.toISOString() : String(n);
}

/** What one zod issue asks for, in words ("must be at most 64"), never the value that failed. */
function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big': {
      const max = bound(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint' || issue.origin === 'date') return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return `must have at most ${max} items`;
    }
    case 'too_small': {
      const min = bound(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint' || issue.origin === 'date') return issue.inclusive ? `must be at least ${min}` : `must be more than ${min}`;
      if (issue.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
      return min === '1' ? 'must not be empty' : `must have at least ${min} items`;
    }
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be an integer';
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${bound(issue.divisor)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    default:
      return oneLine(issue.message);
  }
}

/** A zod failure as one readable line: "--mpp: must be at most 64; overlap: must be at least 0". */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], field: FieldName = dotted): string {
  const parts = issues.slice(0, 5).map((i) => (i.path.length ? `${field(i.path)}: ${issueText(i)}` : issueText(i)));
  if (issues.length > 5) parts.push(`and ${issues.length - 5} more`);
  return oneLine(parts.join('; ') || 'invalid input');
}

/**
 * What JSON.parse found wrong, without the text: V8 quotes a snippet of it ("Unexpected token
 * 'r', "root:x:0:0"... is not valid JSON"), and the text may be any file. Says where (position,
 * and line and column when `text` is given) when V8 does.
 */
export function describeJsonSyntaxError(e: unknown, text?: string): string {
  const message = e instanceof Error ? e.message : '';
  const pos = /at position (\d+)/.exec(message);
  let what = 'unexpected character';
  if (/^Unexpected end of JSON input/.test(message)) what = 'the text ends too early';
  else if (pos && !/^Unexpected token/.test(message)) {
    const words = message.slice(0, pos.index).replace(/\s*(in JSON\s*)?$/, '');
    if (words && !/["\\\u0000-\u001f\u007f-\u009f]/.test(words) && words.length <= 80) what = words;
  }
  if (!pos) return what;
  const at = Number(pos[1]);
  if (text === undefined) return `${what} at position ${at}`;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `${what} at position ${at} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** JSON.parse of a file's text: a syntax error is `corrupt`, naming the file and never quoting it. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError('corrupt', `${file}: not valid JSON (${describeJsonSyntaxError(e, text)})`);
  }
}
