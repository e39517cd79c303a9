/**
 * Hub answers as domain errors. The Hub names its refusals in `X-Error-Code` (RepoNotFound,
 * RevisionNotFound, EntryNotFound, GatedRepo), which is what huggingface_hub sorts on too; the
 * status alone is the fallback. Messages are ours, one line, and never carry the token.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../../errors.js';
import { header, NetworkError } from './http.js';

export interface HubErrorContext {
  endpoint: string;
  id: string;
  revision?: string;
  file?: string;
  hasToken: boolean;
  /** The repo said it is gated (repo info), so a bare 401/403 on a file is the gate. */
  knownGated?: boolean;
}

/** Where a user accepts a gated model's conditions: the repo's page on the same Hub. */
export function repoPage(endpoint: string, id: string): string {
  return `${endpoint}/${id}`;
}

export function unreachable(endpoint: string): DomainError {
  return new DomainError('unavailable', `cannot reach the Hub at ${endpoint}`, 'hub-unreachable');
}

export function gatedError(ctx: HubErrorContext): DomainError {
  const page = repoPage(ctx.endpoint, ctx.id);
  return ctx.hasToken
    ? new DomainError('forbidden', `${ctx.id} is gated and your token has no access to it yet: accept its licence on ${page} (some repos also wait for the authors' approval)`, 'hub-gated-no-access')
    : new DomainError('unauthorized', `${ctx.id} is gated: accept its licence on ${page} and set HF_TOKEN`, 'hub-gated');
}

export function hubHttpError(status: number, headers: IncomingHttpHeaders, ctx: HubErrorContext): DomainError {
  const code = header(headers, 'x-error-code');
  const at = ctx.revision ? `${ctx.id}@${ctx.revision}` : ctx.id;
  if (code === 'GatedRepo' || ((status === 401 || status === 403) && ctx.knownGated)) return gatedError(ctx);
  if (code === 'RevisionNotFound') return new DomainError('not-found', `${ctx.id} has no revision "${ctx.revision ?? 'main'}" on the Hub`, 'hub-revision-not-found');
  if (code === 'EntryNotFound') return new DomainError('not-found', `${at} has no file ${ctx.file ?? ''} on the Hub`.trimEnd(), 'hub-entry-not-found');
  // The Hub answers 401 for a private repo asked without a token, as for a missing one
  // (huggingface_hub reads both as RepositoryNotFound).
  if (code === 'RepoNotFound' || code === 'RepositoryNotFound' || status === 404 || (status === 401 && !ctx.hasToken)) {
    return new DomainError('not-found', `${ctx.id} not found on the Hub${ctx.hasToken ? '' : ' (if it is private, set HF_TOKEN)'}`, 'hub-repo-not-found');
  }
  if (status === 401) return new DomainError('unauthorized', `the Hub at ${ctx.endpoint} refused the token (HF_TOKEN): invalid or expired`, 'hub-bad-token');
  if (status === 403) return new DomainError('forbidden', `the Hub refused access to ${at}${ctx.hasToken ? ' with this token' : '; set HF_TOKEN'}`, 'hub-forbidden');
  if (status === 429 || status >= 500) return new DomainError('unavailable', `the Hub at ${ctx.endpoint} answered ${status}; try again later`, 'hub-unavailable');
  return new DomainError('internal', `the Hub answered ${status} for ${at}${ctx.file ? ` ${ctx.file}` : ''}`, 'hub-http');
}

/** A NetworkError as "cannot reach the Hub", an abort as a cancellation; anything else unchanged. */
export function networkToDomain(e: unknown, endpoint: string): unknown {
  if (e instanceof NetworkError) return unreachable(endpoint);
  if ((e as Error | undefined)?.name === 'AbortError') return new DomainError('cancelled', 'pull cancelled');
  return e;
}
