/**
 * Where pulled models live in the data home, and how a Hub id finds its folder again with no
 * network: `models/hub/<org>--<name>/<commit>/` holds the files of one commit (the folder
 * appears whole, renamed from `.downloads/<commit>/` once every file is verified),
 * `refs/<revision>` names the commit a branch or tag pointed at when pulled, and `latest` the
 * commit pulled last.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMIT_RE, repoFolderName, type HubRef } from './repo-id.js';

export const HINT_FILE = 'tessella_model.json';

export function hubRoot(modelsDir: string): string {
  return join(modelsDir, 'hub');
}

export function repoDir(modelsDir: string, id: string): string {
  return join(hubRoot(modelsDir), repoFolderName(id));
}

export function stagingDir(repo: string, commit: string): string {
  return join(repo, '.downloads', commit);
}

function refFile(repo: string, revision: string): string {
  // refs/pr/1 and the like: one file per revision, whatever its slashes
  return join(repo, 'refs', encodeURIComponent(revision));
}

/** A commit folder counts once it is complete: the hint is written last, before the rename. */
export function isComplete(dir: string): boolean {
  return existsSync(join(dir, HINT_FILE));
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Records what `revision` resolved to, and that this commit is the latest pulled. */
export async function recordPull(repo: string, revision: string, commit: string): Promise<void> {
  await mkdir(join(repo, 'refs'), { recursive: true });
  if (revision !== commit) await writeAtomic(refFile(repo, revision), commit);
  await writeAtomic(join(repo, 'latest'), commit);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The repo's folder; the Hub resolves ids case-insensitively, so a folder in another case counts. */
function findRepo(modelsDir: string, id: string): string | null {
  const exact = repoDir(modelsDir, id);
  if (existsSync(exact)) return exact;
  const root = hubRoot(modelsDir);
  const want = repoFolderName(id).toLowerCase();
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return null;
  }
  const hit = names.find((n) => n.toLowerCase() === want);
  return hit ? join(root, hit) : null;
}

function commitFolders(repo: string): string[] {
  try {
    return readdirSync(repo).filter((n) => COMMIT_RE.test(n) && statSync(join(repo, n)).isDirectory() && isComplete(join(repo, n)));
  } catch {
    return [];
  }
}

/**
 * The folder a Hub reference stands for, from disk alone: the latest pulled commit, or the one
 * `@revision` names (a branch or tag as it was when pulled, a commit, or a commit's prefix of
 * 7 or more characters). Null when it has not been pulled.
 */
export function pulledFolder(modelsDir: string, ref: HubRef): string | null {
  const repo = findRepo(modelsDir, ref.id);
  if (!repo) return null;
  let commit: string | null;
  if (ref.revision === undefined) commit = readText(join(repo, 'latest'));
  else if (COMMIT_RE.test(ref.revision)) commit = ref.revision;
  else {
    commit = readText(refFile(repo, ref.revision));
    if (!commit && /^[0-9a-f]{7,39}$/.test(ref.revision)) {
      const hits = commitFolders(repo).filter((c) => c.startsWith(ref.revision!));
      commit = hits.length === 1 ? hits[0]! : null;
    }
  }
  if (!commit || !COMMIT_RE.test(commit)) return null;
  const dir = join(repo, commit);
  return isComplete(dir) ? dir : null;
}

/** Every complete commit folder pulled for `id`. */
export function pulledCommits(modelsDir: string, id: string): string[] {
  const repo = findRepo(modelsDir, id);
  return repo ? commitFolders(repo) : [];
}
