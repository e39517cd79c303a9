/**
 * One file from the Hub to disk: into `<file>.incomplete`, resumed with `Range: bytes=N-` after a
 * dropped connection (a few tries, backing off, counted afresh whenever bytes arrive, as
 * huggingface_hub's http_get does), then checked against what the Hub says the file is before it
 * takes its name. A file that fails the check is deleted: a second pull starts it clean.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../errors.js';
import { hubHttpError, type HubErrorContext } from './errors.js';
import { discard, header, hubRequest, NetworkError } from './http.js';

export const INCOMPLETE = '.incomplete';

/** What the Hub says the file is: its sha256 for LFS files, else its git blob sha1. */
export type Expected = { size: number; etag: string };

export interface DownloadOptions {
  url: string;
  headers: Record<string, string>;
  dest: string;
  /** Shown in messages: the file's name in the repo. */
  name: string;
  expected: Expected;
  errorContext: HubErrorContext;
  signal?: AbortSignal;
  /** Bytes written since the last call. */
  onBytes?(n: number): void;
  /** Failed tries in a row (no byte received) before giving up. */
  retries?: number;
  backoffMs?: number;
}

/** How an ETag is checked: 64 hex = sha256 of the content (LFS), 40 hex = git's blob sha1. */
export function etagKind(etag: string): 'sha256' | 'git-sha1' | null {
  if (/^[0-9a-f]{64}$/i.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/i.test(etag)) return 'git-sha1';
  return null;
}

/** sha256 of the file, or git's blob id: sha1("blob <size>\0" + content). */
export async function fileDigest(path: string, kind: 'sha256' | 'git-sha1', size: number): Promise<string> {
  const h = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') h.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

function cancelled(name: string): DomainError {
  return new DomainError('cancelled', `download of ${name} cancelled; the part fetched is kept and a new pull resumes it`);
}

/** Downloads (or finishes) one file; resolves once it is verified and in place. */
export async function downloadFile(o: DownloadOptions): Promise<void> {
  const partial = o.dest + INCOMPLETE;
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 250;
  let failures = 0;
  const fail = async (e: unknown) => {
    if (o.signal?.aborted) throw cancelled(o.name);
    if (++failures > retries) throw e;
    await sleep(Math.min(backoff * 2 ** (failures - 1), 8000), undefined, { signal: o.signal }).catch(() => {
      throw cancelled(o.name);
    });
  };

  for (;;) {
    const have = await sizeOf(partial);
    if (have > o.expected.size) {
      await rm(partial, { force: true });
      await fail(new DomainError('corrupt', `${o.name}: the Hub sent more bytes than it announced`, 'hub-size'));
      continue;
    }
    if (have === o.expected.size) break;
    let res;
    try {
      res = await hubRequest('GET', o.url, { headers: { ...o.headers, 'Accept-Encoding': 'identity', ...(have > 0 ? { Range: `bytes=${have}-` } : {}) }, signal: o.signal });
    } catch (e) {
      if (e instanceof NetworkError) {
        await fail(new DomainError('unavailable', `cannot reach the Hub at ${o.errorContext.endpoint} (downloading ${o.name})`, 'hub-unreachable'));
        continue;
      }
      if (o.signal?.aborted) throw cancelled(o.name);
      throw e;
    }
    if (res.status === 416) {
      // our part does not fit the file the server has: start it again
      discard(res.body);
      await rm(partial, { force: true });
      await fail(new DomainError('corrupt', `${o.name}: the server refused to resume the download`, 'hub-range'));
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      discard(res.body);
      await fail(hubHttpError(res.status, res.headers, o.errorContext));
      continue;
    }
    if (res.status !== 200 && res.status !== 206) {
      discard(res.body);
      throw hubHttpError(res.status, res.headers, { ...o.errorContext, file: o.name });
    }
    // A 200 to a ranged request is the whole file again; a 206 must start where we stopped.
    const from = res.status === 206 ? Number(/bytes (\d+)-/.exec(header(res.headers, 'content-range') ?? '')?.[1] ?? NaN) : 0;
    if (res.status === 206 && from !== have) {
      discard(res.body);
      await rm(partial, { force: true });
      await fail(new DomainError('corrupt', `${o.name}: the server resumed at the wrong offset`, 'hub-range'));
      continue;
    }
    let got = 0;
    let dropped: unknown = null;
    const out = createWriteStream(partial, { flags: from > 0 ? 'a' : 'w' });
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (o.signal?.aborted) break;
        got += chunk.length;
        o.onBytes?.(chunk.length);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } catch (e) {
      dropped = e;
    } finally {
      // What arrived before a drop is kept on disk: the next request resumes after it.
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      res.body.destroy();
    }
    if (o.signal?.aborted) throw cancelled(o.name);
    if (dropped) {
      // A connection dropped mid-file: bytes that arrived count as progress, so the tries start over.
      if (got > 0) failures = 0;
      await fail(new DomainError('unavailable', `the connection to the Hub dropped while downloading ${o.name}`, 'hub-dropped'));
      continue;
    }
    if (got > 0) failures = 0;
    // A body shorter than the file without an error: the loop asks for the rest.
    if (from + got < o.expected.size && got === 0) await fail(new DomainError('unavailable', `the Hub sent no bytes of ${o.name}`, 'hub-dropped'));
  }

  const kind = etagKind(o.expected.etag);
  if (kind) {
    const digest = await fileDigest(partial, kind, o.expected.size);
    if (digest !== o.expected.etag.toLowerCase()) {
      await rm(partial, { force: true });
      throw new DomainError('corrupt', `${o.name} failed verification (${kind === 'sha256' ? 'sha256' : 'git blob sha1'} does not match the Hub's); the download was removed`, 'hub-checksum');
    }
  }
  await rename(partial, o.dest);
}
