/**
 * One slide of a cohort, as a Slurm array task or a local worker runs it: the same analysis
 * `tessella slide infer --out` runs, in a scratch data home of its own (work/NNNN, so tasks on
 * different nodes never share a database), with the engine prepared at set-up (model/). The result
 * folder is written under a temporary name with its done marker inside and then renamed, so it is
 * there whole or not at all. A failure leaves a failed marker with one line saying why.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TissueParams, type AnalysisParamsInput } from '../../shared/contract/analysis.js';
import { createAppContext, type AppContext } from '../app-context.js';
import { DomainError, oneLine } from '../errors.js';
import { analysisService } from '../analysis/service.js';
import type { RunOptions } from '../analysis/run-analysis.js';
import { contentHash } from '../slides/content-hash.js';
import { cohortPaths, failedFile, isDone, paramsKey, readManifest, resultDir, runningFile, workDir, writeJsonAtomic, type DoneMarker } from './manifest.js';

/** Tiles as collect reads them back: [x, y, w, h, tissue, label, probs]. Float32 values survive JSON exactly. */
export const PREDICTIONS_FILE = 'predictions.json';

export interface TaskResult {
  index: number;
  path: string;
  status: 'done' | 'skipped';
  tiles: number;
  out: string;
}

export async function runCohortTask(dir: string, index: number, opts: Pick<RunOptions, 'signal' | 'onProgress'> = {}): Promise<TaskResult> {
  const m = await readManifest(dir);
  const s = m.slides[index];
  if (!s) throw new DomainError('invalid-input', `${cohortPaths(dir).manifest} has slides 0..${m.slides.length - 1}, not ${index}`);
  const out = resultDir(dir, index);
  const known = await isDone(dir, m, index);
  if (known) return { index, path: s.path, status: 'skipped', tiles: known.tiles, out };

  await mkdir(cohortPaths(dir).slides, { recursive: true });
  await rm(failedFile(dir, index), { force: true });
  await writeJsonAtomic(runningFile(dir, index), { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), slurmJob: process.env['SLURM_ARRAY_JOB_ID'] ?? null });
  let ctx: AppContext | undefined;
  try {
    if (s.error || !s.hash) throw new DomainError('invalid-input', s.error ?? `${s.path}: not hashed at set-up`);
    const hash = await contentHash(s.path).catch((e: Error) => {
      throw new DomainError('invalid-input', `${s.path}: cannot be read (${oneLine(e.message)})`);
    });
    if (hash !== s.hash) throw new DomainError('conflict', `${s.path} changed since the cohort was set up; run \`tessella cohort run\` again to set it up anew`);

    const base = createAppContext({ host: 'cli', home: workDir(dir, index) });
    // The engine was built once into the cohort's model/ folder; every task loads that file.
    ctx = { ...base, home: { ...base.home, models: cohortPaths(dir).models }, close: () => base.close() };
    const svc = analysisService(ctx);
    const slide = await ctx.slides.ensure(s.path);
    if (s.slideMpp !== null) svc.setSlideMpp(slide.id, s.slideMpp);
    else if (!svc.slideMpp(ctx.slides.require(slide.id))) {
      throw new DomainError('invalid-input', `${s.path} has no mpp (µm per pixel) in the file; give it in the cohort CSV's "mpp" column`, 'needs-mpp');
    }
    const params: AnalysisParamsInput = {
      overlap: m.params.overlap,
      minTissue: m.params.minTissue,
      tissue: TissueParams.parse({}),
      ...(m.params.mpp !== undefined ? { mpp: m.params.mpp } : {}),
      ...(m.params.allowImageTypeMismatch ? { allowImageTypeMismatch: true } : {}),
    };
    const started = performance.now();
    const r = await svc.analyze(slide.id, m.model.dir, params, { ...opts, batchSize: m.params.batchSize });
    const a = r.analysis;
    if (r.cancelled) throw new DomainError('cancelled', `stopped with ${a.done} of ${a.total ?? '?'} tiles classified`);
    if (a.model.hash !== m.model.hash) throw new DomainError('conflict', `${m.model.dir} changed since the cohort was set up (model hash ${a.model.hash.slice(0, 12)}, manifest ${m.model.hash.slice(0, 12)})`);
    const seconds = +((performance.now() - started) / 1000).toFixed(3);

    const tmp = `${out}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await svc.exportTo(a.id, tmp, undefined, { run: { seconds, tilesPerSecond: r.tilesPerSecond, reused: r.reused } });
      const tiles = svc.repo.predictions(a.id);
      await writeFile(`${tmp}/${PREDICTIONS_FILE}`, JSON.stringify({ labels: a.model.labels, grid: a.grid, tiles: tiles.map((t) => [t.x, t.y, t.w, t.h, t.tissue, t.label, Array.from(t.probs)]) }));
      const marker: DoneMarker = {
        slideHash: s.hash,
        modelHash: m.model.hash,
        paramsKey: paramsKey(s, m.params),
        storedParams: svc.repo.internals(a.id)!.params as unknown as Record<string, unknown>,
        seconds,
        tiles: tiles.length,
        finishedAt: new Date().toISOString(),
      };
      await writeJsonAtomic(`${tmp}/done.json`, marker);
      await rm(out, { recursive: true, force: true });
      await rename(tmp, out);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    ctx.close();
    ctx = undefined;
    await rm(workDir(dir, index), { recursive: true, force: true });
    return { index, path: s.path, status: 'done', tiles: a.done, out };
  } catch (e) {
    const error = oneLine((e as Error).message);
    await writeJsonAtomic(failedFile(dir, index), { error, finishedAt: new Date().toISOString(), host: hostname() }).catch(() => undefined);
    throw e;
  } finally {
    ctx?.close();
    await unlink(runningFile(dir, index)).catch(() => undefined);
  }
}
