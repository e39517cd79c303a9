/**
 * The domain's error kinds. Services throw a `DomainError` saying *what kind* of failure it is;
 * each front door maps the kind on its own (HTTP status in serve.ts/dispatch.ts, the IPC error
 * body in index.ts, the exit code in the CLI), so rewording a message never changes a status.
 *
 * Messages name the problem and the file, never the file's contents: a line from a binary or a
 * private file must not end up in a log, a terminal or a browser.
 */
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

/** Any thrown value as a DomainError: errno errors get their kind, the rest is internal. */
export function toDomainError(e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  const errno = typeof err?.code === 'string' ? ERRNO_KIND[err.code] : undefined;
  if (errno) return new DomainError(errno.kind, err?.path ? `${errno.say}: ${err.path}` : errno.say);
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
