/**
 * Pulling a model: plan (list the repo at the revision, pick the files, ask the Hub about each;
 * every refusal, such as a gate or a missing repo, surfaces here, before a byte is written), then
 * run (download each file into the staging folder, verify it, write the hint, and move the
 * folder into place). Registering the result is the caller's: ml/ knows no database.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../../errors.js';
import { catalogueEntry, type CatalogueEntry } from './catalogue.js';
import { HubClient, type FileMetadata, type RepoInfo } from './client.js';
import { downloadFile } from './download.js';
import { buildHint } from './hint.js';
import { HINT_FILE, isComplete, recordPull, repoDir, stagingDir } from './layout.js';
import { requireHubId, requireRevision } from './repo-id.js';
import { selectFiles, shardsOf } from './select-files.js';
import type { HubSettings } from './settings.js';

export interface PlannedFile extends FileMetadata {
  name: string;
}

export interface PullPlan {
  /** As the Hub spells it. */
  id: string;
  revision: string;
  commit: string;
  gated: boolean;
  license?: string;
  entry: CatalogueEntry | null;
  /** Where the model ends up: models/hub/<org>--<name>/<commit>. */
  dir: string;
  /** Already there from an earlier pull: nothing to download. */
  present: boolean;
  files: PlannedFile[];
  weights: string[];
  totalBytes: number;
}

export interface PullProgress {
  phase: 'download' | 'verify' | 'done';
  file?: string;
  /** Bytes so far, all files. */
  done: number;
  total: number;
}

export interface PullContext {
  settings: HubSettings;
  modelsDir: string;
  signal?: AbortSignal;
}

async function fileMetas(client: HubClient, info: RepoInfo, names: string[]): Promise<PlannedFile[]> {
  const out: PlannedFile[] = [];
  for (const name of names) out.push({ name, ...(await client.fileMetadata(info.id, info.commit, name, info.gated !== false)) });
  return out;
}

function errorContext(plan: Pick<PullPlan, 'id' | 'commit'>, c: PullContext, gated: boolean) {
  return { endpoint: c.settings.endpoint, id: plan.id, revision: plan.commit, hasToken: c.settings.token !== null, knownGated: gated };
}

function download(plan: Pick<PullPlan, 'id' | 'commit'>, f: PlannedFile, staging: string, c: PullContext, gated: boolean, onBytes?: (n: number) => void) {
  const client = new HubClient(c.settings, c.signal);
  const headers = client.headers();
  if (!f.sendToken) delete headers.Authorization;
  return downloadFile({
    url: f.location,
    headers,
    dest: join(staging, f.name),
    name: f.name,
    expected: { size: f.size, etag: f.etag },
    errorContext: errorContext(plan, c, gated),
    signal: c.signal,
    onBytes,
  });
}

export async function planPull(input: { id: string; revision?: string }, c: PullContext): Promise<PullPlan> {
  const revision = requireRevision(input.revision ?? 'main');
  const client = new HubClient(c.settings, c.signal);
  const info = await client.repoInfo(requireHubId(input.id), revision);
  const entry = catalogueEntry(info.id);
  const dir = join(repoDir(c.modelsDir, info.id), info.commit);
  const base = { id: info.id, revision, commit: info.commit, gated: info.gated !== false, ...(info.license ? { license: info.license } : {}), entry, dir };
  if (isComplete(dir)) return { ...base, present: true, files: [], weights: [], totalBytes: 0 };

  const pick = selectFiles(info.id, revision, info.files);
  const files = await fileMetas(client, info, pick.files);
  let weights = pick.files.filter((f) => f !== 'config.json' && f !== 'preprocessor_config.json');
  if (pick.index) {
    // The index says which shards there are: fetch it (small) into the staging folder first.
    const [indexMeta] = await fileMetas(client, info, [pick.index]);
    const staging = stagingDir(repoDir(c.modelsDir, info.id), info.commit);
    await mkdir(staging, { recursive: true });
    if (!existsSync(join(staging, pick.index))) await download(base, indexMeta!, staging, c, base.gated);
    const shards = shardsOf(info.id, pick.index, await readFile(join(staging, pick.index), 'utf8'), info.files);
    files.push(indexMeta!, ...(await fileMetas(client, info, shards)));
    weights = [pick.index, ...shards];
  }
  return { ...base, present: false, files, weights, totalBytes: files.reduce((n, f) => n + f.size, 0) };
}

/** Downloads and verifies every planned file, writes the hint, moves the folder into place. */
export async function runPull(plan: PullPlan, c: PullContext, onProgress?: (p: PullProgress) => void): Promise<{ dir: string }> {
  const repo = repoDir(c.modelsDir, plan.id);
  if (!plan.present) {
    const staging = stagingDir(repo, plan.commit);
    await mkdir(staging, { recursive: true });
    let done = 0;
    const tick = (file: string, phase: PullProgress['phase'] = 'download') => onProgress?.({ phase, file, done, total: plan.totalBytes });
    try {
      for (const f of plan.files) {
        if (existsSync(join(staging, f.name))) {
          // verified by an earlier, interrupted pull (files take their name only once checked)
          done += f.size;
          tick(f.name);
          continue;
        }
        const before = done;
        tick(f.name);
        await download(plan, f, staging, c, plan.gated, (n) => {
          done += n;
          tick(f.name);
        });
        done = before + f.size;
        tick(f.name, 'verify');
      }
    } catch (e) {
      // A file that failed its check leaves nothing behind: the next pull starts clean.
      if (e instanceof DomainError && e.kind === 'corrupt') {
        await rm(staging, { recursive: true, force: true });
        await rmdir(join(repo, '.downloads')).catch(() => undefined);
      }
      throw e;
    }
    const hint = buildHint(plan.entry, {
      source: { repo: plan.id, revision: plan.revision, commit: plan.commit, endpoint: c.settings.endpoint },
      files: plan.files.map((f) => ({ name: f.name, size: f.size, etag: f.etag })),
      weights: plan.weights,
      gated: plan.gated,
      ...(plan.license ? { license: plan.license } : {}),
    });
    await writeFile(join(staging, HINT_FILE), JSON.stringify(hint, null, 1) + '\n');
    if (isComplete(plan.dir)) await rm(staging, { recursive: true, force: true });
    else await rename(staging, plan.dir);
    // gone once no other commit is half-downloaded
    await rmdir(join(repo, '.downloads')).catch(() => undefined);
  }
  await recordPull(repo, plan.revision, plan.commit);
  onProgress?.({ phase: 'done', done: plan.totalBytes, total: plan.totalBytes });
  return { dir: plan.dir };
}
