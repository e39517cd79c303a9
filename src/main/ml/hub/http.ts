/**
 * The few HTTP requests the Hub client makes, on node:http(s) so a download streams to disk and
 * a dropped connection surfaces as an error we can resume from. Redirects are followed by hand:
 * huggingface_hub sends the token to the Hub and to a same-host redirect (a renamed repo) but
 * never to another host (the CDN's URL is signed), and we do the same.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface HubResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after the redirects followed. */
  url: string;
  body: IncomingMessage;
}

/** A request that never got an HTTP answer (refused, unreachable, reset, timed out). */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
  ) {
    super(`${code} (${url})`);
    this.name = 'NetworkError';
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** 'all': follow every redirect; 'same-host': only those to the same host and port (what a HEAD for metadata does); 'none'. */
  redirects?: 'all' | 'same-host' | 'none';
  /** No byte for this long while connecting or reading: the request fails. */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 10;

/** host:port, default ports made explicit, as huggingface_hub compares `netloc`s. */
export function netloc(u: URL): string {
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

function once(method: string, url: URL, headers: Record<string, string>, opts: RequestOptions): Promise<IncomingMessage> {
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!lib) return Promise.reject(new NetworkError(url.href, 'unsupported protocol'));
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, signal: opts.signal, timeout: opts.timeoutMs ?? 30_000 });
    req.on('response', (res) => {
      res.setTimeout(opts.timeoutMs ?? 30_000, () => res.destroy(Object.assign(new Error('read timed out'), { code: 'ETIMEDOUT' })));
      resolve(res);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') reject(e);
      else reject(new NetworkError(url.href, e.code ?? e.message));
    });
    req.end();
  });
}

/** Drains a response we will not read, so its socket is released. */
export function discard(res: IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

export async function hubRequest(method: 'GET' | 'HEAD', url: string, opts: RequestOptions = {}): Promise<HubResponse> {
  let current = new URL(url);
  const headers = { ...(opts.headers ?? {}) };
  const mode = opts.redirects ?? 'all';
  for (let hop = 0; ; hop++) {
    const res = await once(method, current, headers, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status < 300 || status > 399 || !location || mode === 'none' || hop >= MAX_REDIRECTS) {
      return { status, headers: res.headers, url: current.href, body: res };
    }
    const next = new URL(location, current);
    const sameHost = netloc(next) === netloc(current);
    if (mode === 'same-host' && !sameHost) return { status, headers: res.headers, url: current.href, body: res };
    discard(res);
    // The token is for the Hub: a signed CDN URL on another host must not receive it.
    if (!sameHost) delete headers.Authorization;
    current = next;
  }
}

/** The whole body as a Buffer (for JSON answers and small files); `limit` bytes at most. */
export async function readBody(res: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      res.destroy();
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
