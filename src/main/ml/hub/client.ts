/**
 * The Hub's read side as Tessella needs it: what a repo holds at a revision (and which commit
 * that is), and each file's metadata from a HEAD on its resolve URL, as huggingface_hub's
 * `model_info` and `get_hf_file_metadata` ask for them.
 */
import { DomainError } from '../../errors.js';
import { hubHttpError, networkToDomain, type HubErrorContext } from './errors.js';
import { discard, header, hubRequest, netloc, readBody } from './http.js';
import { COMMIT_RE } from './repo-id.js';
import type { HubSettings } from './settings.js';

export interface RepoFile {
  name: string;
  size?: number;
  /** The sha256 of an LFS file, as the repo listing gives it. */
  lfsSha256?: string;
}

export interface RepoInfo {
  /** As the Hub spells it (the one a user typed may differ in case). */
  id: string;
  commit: string;
  files: RepoFile[];
  /** false, or how access is granted ('auto', 'manual'). */
  gated: false | string;
  license?: string;
}

export interface FileMetadata {
  commit: string;
  /** sha256 (LFS) or git blob sha1, unquoted. */
  etag: string;
  size: number;
  /** Where to GET it: the resolve URL, or the CDN URL the Hub redirected to. */
  location: string;
  /** Whether the GET keeps the token (no: the location is on another host). */
  sendToken: boolean;
}

export class HubClient {
  constructor(
    readonly settings: HubSettings,
    private readonly signal?: AbortSignal,
  ) {}

  get hasToken(): boolean {
    return this.settings.token !== null;
  }

  headers(): Record<string, string> {
    return {
      'User-Agent': 'tessella',
      ...(this.settings.token ? { Authorization: `Bearer ${this.settings.token}` } : {}),
    };
  }

  private ctx(id: string, extra: Partial<HubErrorContext> = {}): HubErrorContext {
    return { endpoint: this.settings.endpoint, id, hasToken: this.hasToken, ...extra };
  }

  resolveUrl(id: string, revision: string, file: string): string {
    return `${this.settings.endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
  }

  async repoInfo(id: string, revision: string): Promise<RepoInfo> {
    const url = `${this.settings.endpoint}/api/models/${id}/revision/${encodeURIComponent(revision)}?blobs=true`;
    let res;
    try {
      res = await hubRequest('GET', url, { headers: { ...this.headers(), Accept: 'application/json' }, signal: this.signal });
    } catch (e) {
      throw networkToDomain(e, this.settings.endpoint);
    }
    if (res.status !== 200) {
      discard(res.body);
      throw hubHttpError(res.status, res.headers, this.ctx(id, { revision }));
    }
    let text: string;
    try {
      text = (await readBody(res.body)).toString('utf8');
    } catch (e) {
      throw networkToDomain(e, this.settings.endpoint);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new DomainError('corrupt', `the Hub's listing of ${id} is not JSON`, 'hub-bad-answer');
    }
    const commit = body.sha;
    if (typeof commit !== 'string' || !COMMIT_RE.test(commit)) throw new DomainError('corrupt', `the Hub's listing of ${id}@${revision} names no commit`, 'hub-bad-answer');
    const siblings = Array.isArray(body.siblings) ? (body.siblings as Record<string, unknown>[]) : [];
    const files: RepoFile[] = siblings
      .filter((s) => typeof s?.rfilename === 'string')
      .map((s) => {
        const lfs = s.lfs as { sha256?: unknown } | undefined;
        return {
          name: s.rfilename as string,
          ...(typeof s.size === 'number' ? { size: s.size } : {}),
          ...(typeof lfs?.sha256 === 'string' ? { lfsSha256: lfs.sha256 } : {}),
        };
      });
    const card = body.cardData as { license?: unknown } | undefined;
    return {
      id: typeof body.id === 'string' && body.id.toLowerCase() === id.toLowerCase() ? body.id : id,
      commit,
      files,
      gated: typeof body.gated === 'string' ? body.gated : body.gated === true ? 'auto' : false,
      ...(typeof card?.license === 'string' ? { license: card.license } : {}),
    };
  }

  /** HEAD on the resolve URL, following only same-host redirects, as huggingface_hub does. */
  async fileMetadata(id: string, commit: string, file: string, knownGated: boolean): Promise<FileMetadata> {
    const url = this.resolveUrl(id, commit, file);
    let res;
    try {
      // identity: the size must be the file's, not a compressed body's
      res = await hubRequest('HEAD', url, { headers: { ...this.headers(), 'Accept-Encoding': 'identity' }, redirects: 'same-host', signal: this.signal });
    } catch (e) {
      throw networkToDomain(e, this.settings.endpoint);
    }
    discard(res.body);
    if (res.status >= 400) throw hubHttpError(res.status, res.headers, this.ctx(id, { revision: commit, file, knownGated }));
    const h = res.headers;
    const etag = (header(h, 'x-linked-etag') ?? header(h, 'etag'))?.replace(/^W\//, '').replace(/"/g, '');
    const size = Number(header(h, 'x-linked-size') ?? header(h, 'content-length'));
    const repoCommit = header(h, 'x-repo-commit');
    if (!repoCommit) throw new DomainError('corrupt', `${this.settings.endpoint} does not answer as the Hub does (no X-Repo-Commit for ${file})`, 'hub-bad-answer');
    if (!etag) throw new DomainError('corrupt', `the Hub sent no ETag for ${id} ${file}; it cannot be verified`, 'hub-bad-answer');
    if (!Number.isSafeInteger(size) || size < 0) throw new DomainError('corrupt', `the Hub sent no size for ${id} ${file}`, 'hub-bad-answer');
    const redirected = res.status >= 300 && res.status <= 399 && header(h, 'location');
    const location = redirected ? new URL(redirected, res.url).href : res.url;
    return { commit: repoCommit, etag, size, location, sendToken: netloc(new URL(location)) === netloc(new URL(url)) };
  }
}
