/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1 (port 0), answering as huggingface.co does
 * for the requests Tessella makes: the repo listing (`/api/models/{id}/revision/{rev}`), HEAD and
 * GET on `/{id}/resolve/{rev}/{file}` with X-Repo-Commit, ETag, X-Linked-Etag and X-Linked-Size,
 * LFS files redirected to a "CDN" on another port (another host, as huggingface_hub compares
 * them), X-Error-Code on refusals, and byte ranges. Faults are injected per file: a connection
 * dropped after N bytes, or bytes that do not match the advertised sha256.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  id: string;
  /** Branch or tag → commit. */
  refs: Record<string, string>;
  /** Commit → file name → content. */
  commits: Record<string, Record<string, Buffer>>;
  gated?: false | 'auto' | 'manual';
  license?: string;
  /** Another id that answers with a same-host redirect to this one (a renamed repo). */
  formerly?: string;
}

export interface Logged {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  authorization?: string;
  range?: string;
}

const LFS = /\.(safetensors|bin|msgpack|onnx|h5|pt)$/;

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const gitBlobSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** A commit hash for test data: 40 hex from a label. */
export const commitOf = (label: string) => createHash('sha1').update(label).digest('hex');

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export class FakeHub {
  readonly log: Logged[] = [];
  /** Tokens and the gated repos each may read. */
  readonly tokens = new Map<string, string[]>();
  private readonly drops = new Map<string, number>();
  private readonly stalls = new Map<string, number>();
  private readonly corrupted = new Set<string>();
  private readonly blobs = new Map<string, Buffer>();
  private hub = http.createServer((q, s) => this.onHub(q, s));
  private cdn = http.createServer((q, s) => this.onCdn(q, s));
  endpoint = '';
  cdnEndpoint = '';

  constructor(readonly repos: FakeRepo[]) {
    for (const r of repos) for (const files of Object.values(r.commits)) for (const b of Object.values(files)) this.blobs.set(sha256(b), b);
  }

  async start(): Promise<this> {
    this.endpoint = `http://127.0.0.1:${await listen(this.hub)}`;
    this.cdnEndpoint = `http://127.0.0.1:${await listen(this.cdn)}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(() => r(undefined)));
    }
  }

  /** The first GET of `file` (any repo) sends `afterBytes` bytes, then the connection is closed. */
  dropOnce(file: string, afterBytes: number): void {
    this.drops.set(file, afterBytes);
  }

  /** The first GET of `file` sends `afterBytes` bytes, then nothing more (until the client gives up). */
  stallOnce(file: string, afterBytes: number): void {
    this.stalls.set(file, afterBytes);
  }

  /** `file` is served with one byte changed, under the original ETag. */
  corrupt(file: string): void {
    this.corrupted.add(file);
  }

  requests(filter: Partial<Logged> & { pathIncludes?: string } = {}): Logged[] {
    return this.log.filter((l) => (filter.server ? l.server === filter.server : true) && (filter.method ? l.method === filter.method : true) && (filter.pathIncludes ? l.path.includes(filter.pathIncludes) : true));
  }

  private record(server: Logged['server'], q: http.IncomingMessage): void {
    this.log.push({
      server,
      method: q.method ?? '',
      path: decodeURIComponent(q.url ?? ''),
      ...(q.headers.authorization ? { authorization: q.headers.authorization } : {}),
      ...(q.headers.range ? { range: q.headers.range } : {}),
    });
  }

  private repo(id: string): { repo: FakeRepo; renamed: boolean } | null {
    for (const r of this.repos) {
      if (r.id.toLowerCase() === id.toLowerCase()) return { repo: r, renamed: false };
      if (r.formerly?.toLowerCase() === id.toLowerCase()) return { repo: r, renamed: true };
    }
    return null;
  }

  private refuse(s: http.ServerResponse, status: number, code: string, message: string): void {
    s.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message });
    s.end(JSON.stringify({ error: message }));
  }

  /** The gate: none, a token without access, or one with. */
  private gate(repo: FakeRepo, q: http.IncomingMessage, s: http.ServerResponse): boolean {
    if (!repo.gated) return true;
    const token = /^Bearer (.+)$/.exec(q.headers.authorization ?? '')?.[1];
    if (!token) {
      this.refuse(s, 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      return false;
    }
    if (!(this.tokens.get(token) ?? []).includes(repo.id)) {
      this.refuse(s, 403, 'GatedRepo', `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${repo.id} to ask for access.`);
      return false;
    }
    return true;
  }

  private commitFor(repo: FakeRepo, rev: string): string | null {
    if (repo.refs[rev]) return repo.refs[rev]!;
    return repo.commits[rev] ? rev : null;
  }

  private onHub(q: http.IncomingMessage, s: http.ServerResponse): void {
    this.record('hub', q);
    const url = new URL(q.url ?? '/', 'http://x');
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) {
      const found = this.repo(api[1]!);
      if (!found) return this.refuse(s, 404, 'RepoNotFound', 'Repository not found');
      const rev = decodeURIComponent(api[2]!);
      if (found.renamed) {
        s.writeHead(307, { Location: `/api/models/${found.repo.id}/revision/${encodeURIComponent(rev)}${url.search}` });
        return void s.end();
      }
      const commit = this.commitFor(found.repo, rev);
      if (!commit) return this.refuse(s, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const files = found.repo.commits[commit]!;
      s.writeHead(200, { 'Content-Type': 'application/json' });
      return void s.end(
        JSON.stringify({
          id: found.repo.id,
          sha: commit,
          gated: found.repo.gated ?? false,
          private: false,
          cardData: found.repo.license ? { license: found.repo.license } : {},
          siblings: Object.entries(files).map(([name, b]) => ({
            rfilename: name,
            size: b.length,
            blobId: gitBlobSha1(b),
            ...(LFS.test(name) ? { lfs: { sha256: sha256(b), size: b.length, pointerSize: 134 } } : {}),
          })),
        }),
      );
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!resolve) return this.refuse(s, 404, 'RepoNotFound', 'not a Hub route');
    const found = this.repo(resolve[1]!);
    if (!found) return this.refuse(s, 404, 'RepoNotFound', 'Repository not found');
    const rev = decodeURIComponent(resolve[2]!);
    const name = decodeURIComponent(resolve[3]!);
    if (found.renamed) {
      s.writeHead(307, { Location: `/${found.repo.id}/resolve/${encodeURIComponent(rev)}/${encodeURIComponent(name)}` });
      return void s.end();
    }
    if (!this.gate(found.repo, q, s)) return;
    const commit = this.commitFor(found.repo, rev);
    if (!commit) return this.refuse(s, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const content = found.repo.commits[commit]![name];
    if (!content) return this.refuse(s, 404, 'EntryNotFound', `${name} does not exist on "${rev}"`);
    const common = { 'X-Repo-Commit': commit, 'Accept-Ranges': 'bytes' };
    if (LFS.test(name)) {
      // As the Hub: the pointer's ETag, the content's sha256 and size, a redirect to the CDN.
      s.writeHead(302, {
        ...common,
        ETag: `"${gitBlobSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`))}"`,
        'X-Linked-Etag': `"${sha256(content)}"`,
        'X-Linked-Size': String(content.length),
        Location: `${this.cdnEndpoint}/blobs/${sha256(content)}?name=${encodeURIComponent(name)}`,
        'Content-Length': '0',
      });
      return void s.end();
    }
    this.serve(q, s, name, content, { ...common, ETag: `"${gitBlobSha1(content)}"` });
  }

  private onCdn(q: http.IncomingMessage, s: http.ServerResponse): void {
    this.record('cdn', q);
    const url = new URL(q.url ?? '/', 'http://x');
    const blob = this.blobs.get(url.pathname.replace('/blobs/', ''));
    if (!blob) {
      s.writeHead(404);
      return void s.end();
    }
    this.serve(q, s, url.searchParams.get('name') ?? '', blob, { ETag: `"${sha256(blob)}"` });
  }

  /** Content with Range support, and the injected faults. */
  private serve(q: http.IncomingMessage, s: http.ServerResponse, name: string, content: Buffer, headers: Record<string, string>): void {
    let body = content;
    if (this.corrupted.has(name)) {
      body = Buffer.from(content);
      body[body.length >> 1] ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(q.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    if (from > body.length) {
      s.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
      return void s.end();
    }
    const part = body.subarray(from);
    s.writeHead(range ? 206 : 200, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(part.length),
      ...(range ? { 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (q.method === 'HEAD') return void s.end();
    const drop = this.drops.get(name);
    if (drop !== undefined && q.method === 'GET') {
      this.drops.delete(name);
      // The bytes, short of the Content-Length; a moment for the client to read them, then the connection dies.
      const socket = s.socket;
      s.end(part.subarray(0, drop), () => setTimeout(() => socket?.destroy(), 300));
      return;
    }
    const stall = this.stalls.get(name);
    if (stall !== undefined && q.method === 'GET') {
      this.stalls.delete(name);
      s.write(part.subarray(0, stall));
      return;
    }
    s.end(part);
  }
}
