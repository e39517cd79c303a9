/**
 * Browser mode: the contract over HTTP on 127.0.0.1. Calls are `POST /api/call/<name>` with a JSON
 * body, events stream from `GET /api/events` (server-sent events), resources from `GET /r/<path>`,
 * and the built renderer is served as static files. Every request carries the per-launch token
 * (header, cookie set on the first page load, or `?token=`), and the Host header must be
 * loopback so another site cannot reach the server through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AppContext } from './app-context.js';
import { ApiError, dispatch, toApiError } from './dispatch.js';
import { createHandlers } from './handlers.js';
import { contentDisposition, loadResource } from './resources.js';
import { CSP } from './security.js';

// Large enough for a whole-slide GeoJSON pasted into an import.
const MAX_BODY = 64 << 20;
const COOKIE = 'tessella_token';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export interface ServeOptions {
  port?: number;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  token?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startServer(ctx: AppContext, opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const handlers = createHandlers(ctx);
  const sseClients = new Set<ServerResponse>();
  const unsubscribe = ctx.events.onAny((name, payload) => {
    const msg = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sseClients) res.write(msg);
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => sendError(res, toApiError(e)));
  });

  let port = 0;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(req.headers.host, port)) return sendError(res, new ApiError('forbidden host', 'forbidden', 403));
    const authed = sameToken(tokenOf(req, url), token);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');

    if (url.pathname.startsWith('/api/')) {
      if (!authed) return sendError(res, new ApiError('missing or wrong token: open the URL Tessella printed', 'unauthorized', 401));
      if (url.pathname === '/api/events' && req.method === 'GET') return openEvents(res);
      const m = /^\/api\/call\/([a-zA-Z.]+)$/.exec(url.pathname);
      if (!m || req.method !== 'POST') return sendError(res, new ApiError('not found', 'not-found', 404));
      const body = await readJson(req);
      const out = await dispatch(handlers, m[1], body);
      return sendJson(res, 200, out);
    }
    if (url.pathname.startsWith('/r/')) {
      if (!authed) return sendError(res, new ApiError('missing or wrong token', 'unauthorized', 401));
      const r = await loadResource(ctx, decodeURI(url.pathname.slice(3)));
      res.writeHead(200, {
        'Content-Type': r.contentType,
        'Content-Length': r.body.length,
        'Cache-Control': r.immutable ? 'private, max-age=86400' : 'no-store',
        ...(r.download ? { 'Content-Disposition': contentDisposition(r.download) } : {}),
      });
      res.end(r.body);
      return;
    }
    return serveStatic(req, res, url, authed);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL, authed: boolean): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new ApiError('method not allowed', 'bad-request', 405));
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const root = normalize(opts.staticDir + sep);
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) return sendError(res, new ApiError('not found', 'not-found', 404));
    const isIndex = file === join(root, 'index.html');
    // The page itself needs the token too; assets (hashed JS/CSS) are public build output.
    if (isIndex && !authed) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Tessella: open the full URL printed by `tessella serve` (it carries the access token).');
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return sendError(res, new ApiError('not found', 'not-found', 404));
    }
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    };
    if (isIndex) {
      headers['Content-Security-Policy'] = CSP;
      headers['Cache-Control'] = 'no-store';
      headers['Set-Cookie'] = `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function openEvents(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    sseClients.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    res.on('close', () => {
      clearInterval(ping);
      sseClients.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is already in use; pick another with --port or omit it for a free one`) : e),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      unsubscribe();
      for (const res of sseClients) res.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const candidates = [req.headers['x-tessella-token'], url.searchParams.get('token'), cookie(req.headers.cookie, COOKIE)];
  for (const c of candidates) if (typeof c === 'string' && c.length > 0) return c;
  return null;
}

/** Constant-time equality on the token so its value cannot be guessed byte by byte. */
export function sameToken(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError('request body too large', 'bad-request', 413);
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError('request body is not valid JSON', 'invalid-input', 400);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body ?? null));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length, 'Cache-Control': 'no-store' });
  res.end(data);
}

function sendError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, e.toBody());
}
