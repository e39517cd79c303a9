/**
 * Browser mode: the contract over HTTP on 127.0.0.1. Calls are `POST /api/call/<name>` with a JSON
 * body, events stream from `GET /api/events` (server-sent events), resources from `GET /r/<path>`,
 * and the built renderer is served as static files.
 *
 * Browsers count every 127.0.0.1 port as the same site, so a page of any other local program is
 * a neighbour, not a stranger, and nothing it can make the browser send may authorise it:
 * - calls need the per-launch token in the `X-Tessella-Token` header, which a page can set only
 *   on a request to its own origin or after a CORS preflight this server never answers; never a
 *   cookie (there is none) and never the query;
 * - the event stream and resources (EventSource and <img> cannot set headers) may carry the token
 *   in the query instead;
 * - the page and its assets are public build output holding no data, served without the token: its
 *   script takes the token from the URL Tessella printed (`?token=`), keeps it for the tab
 *   (sessionStorage) and strips it from the address bar, so a reload or a link within the app
 *   works with no cookie; a page opened without it can do nothing but say which URL to open;
 * - a request whose Origin is not this server's is refused, so are calls a browser marks as
 *   cross-origin, and call bodies must be `application/json` (a form or `text/plain` is a
 *   "simple" request a neighbour could send without a preflight);
 * - the Host header must be loopback, so another site cannot reach the server through DNS rebinding.
 * The server is the browser-mode host: it starts the context's services (the analysis queue,
 * crash recovery) and stops them on close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AppContext } from './app-context.js';
import { ApiError, dispatch, toApiError } from './dispatch.js';
import { createHandlers } from './handlers.js';
import { contentDisposition, decodePath, loadResource } from './resources.js';
import { CSP } from './security.js';
import { startServices, stopServices } from './services.js';

// Large enough for a whole-slide GeoJSON pasted into an import.
const MAX_BODY = 64 << 20;
const TOKEN_HEADER = 'x-tessella-token';
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
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!hostAllowed(req.headers.host, port)) return sendError(res, new ApiError('forbidden host', 'forbidden', 403));
    if (!originAllowed(req.headers.origin, port)) return sendError(res, new ApiError('requests from another origin are refused', 'forbidden', 403));
    const headerToken = sameToken(headerValue(req.headers[TOKEN_HEADER]), token);
    // The event stream and resources only: EventSource and <img> cannot set a header.
    const authed = headerToken || sameToken(url.searchParams.get('token'), token);

    if (url.pathname.startsWith('/api/')) {
      if (crossSiteFetch(req)) return sendError(res, new ApiError('requests from another origin are refused', 'forbidden', 403));
      if (url.pathname === '/api/events' && req.method === 'GET') {
        if (!authed) return sendError(res, unauthorized());
        return openEvents(res);
      }
      if (!headerToken) return sendError(res, unauthorized());
      const m = /^\/api\/call\/([a-zA-Z.]+)$/.exec(url.pathname);
      if (!m || req.method !== 'POST') return sendError(res, new ApiError('not found', 'not-found', 404));
      if (!isJson(req.headers['content-type'])) return sendError(res, new ApiError('call bodies must be application/json', 'unsupported', 415));
      const body = await readJson(req);
      const out = await dispatch(handlers, m[1], body);
      return sendJson(res, 200, out);
    }
    if (url.pathname.startsWith('/r/')) {
      if (!authed) return sendError(res, unauthorized());
      const r = await loadResource(ctx, decodePath(url.pathname.slice(3)));
      res.writeHead(200, {
        'Content-Type': r.contentType,
        'Content-Length': r.body.length,
        'Cache-Control': r.immutable ? 'private, max-age=86400' : 'no-store',
        ...(r.download ? { 'Content-Disposition': contentDisposition(r.download) } : {}),
      });
      res.end(r.body);
      return;
    }
    return serveStatic(req, res, url);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new ApiError('method not allowed', 'bad-request', 405));
    let rel = decodePath(url.pathname, decodeURIComponent);
    if (rel === '/' || rel === '') rel = '/index.html';
    const root = normalize(opts.staticDir + sep);
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) return sendError(res, new ApiError('not found', 'not-found', 404));
    const isIndex = file === join(root, 'index.html');
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
  // Only once the port is ours: a server that could not listen must leave no queue running.
  startServices(ctx);
  return {
    server,
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      unsubscribe();
      for (const res of sseClients) res.end();
      await new Promise<void>((r) => server.close(() => r()));
      await stopServices(ctx);
    },
  };
}

function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A request with an Origin must come from this server's own page; scripts and curl send none. */
function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** A browser says where a request comes from; only the page itself (or a typed URL) may call. */
function crossSiteFetch(req: IncomingMessage): boolean {
  const site = headerValue(req.headers['sec-fetch-site']);
  return site !== null && site !== 'same-origin' && site !== 'none';
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function headerValue(v: string | string[] | undefined): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function unauthorized(): ApiError {
  return new ApiError('missing or wrong token: open the URL Tessella printed', 'unauthorized', 401);
}

/** Constant-time equality on the token so its value cannot be guessed byte by byte. */
export function sameToken(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
