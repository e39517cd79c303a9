/**
 * Hub model ids (`org/name`) as given on a command line or in a model field, optionally pinned
 * to a revision with `@rev` (a branch, a tag or a commit). The id rules are the Hub's:
 * letters, digits, `-`, `_` and `.`, no `--` or `..`, not starting or ending with `-` or `.`.
 */
import { DomainError } from '../../errors.js';

const PART = /^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]{1,96}(?<![-.])$/;

export interface HubRef {
  id: string;
  /** As given after `@`; absent for "the latest pulled" (or `main` when pulling). */
  revision?: string;
}

export function isHubId(id: string): boolean {
  const parts = id.split('/');
  return parts.length === 2 && parts.every((p) => PART.test(p));
}

/** `org/name` or `org/name@rev`; null when `ref` is not shaped like one. */
export function parseHubRef(ref: string): HubRef | null {
  const at = ref.indexOf('@');
  const id = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? undefined : ref.slice(at + 1);
  if (!isHubId(id)) return null;
  if (revision !== undefined && !isRevision(revision)) return null;
  return revision === undefined ? { id } : { id, revision };
}

/** Branches, tags and commits; `refs/pr/1` style names included. No spaces, no `..`. */
export function isRevision(rev: string): boolean {
  return /^[A-Za-z0-9_.\-/]{1,200}$/.test(rev) && !rev.includes('..') && !rev.startsWith('/') && !rev.endsWith('/');
}

export function requireHubId(id: string): string {
  if (!isHubId(id)) throw new DomainError('invalid-input', `"${id}" is not a Hub model id (expected org/name, e.g. owkin/phikon)`);
  return id;
}

export function requireRevision(rev: string): string {
  if (!isRevision(rev)) throw new DomainError('invalid-input', `"${rev}" is not a revision (a branch, tag or commit)`);
  return rev;
}

/** The folder name a repo is stored under: `org--name`, as huggingface_hub's cache names it. */
export function repoFolderName(id: string): string {
  return id.replace('/', '--');
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;
