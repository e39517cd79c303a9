/**
 * Setting a cohort up: the slide list (arguments or a CSV with `path` and an optional `mpp`
 * column), each slide's content hash, the model's hash and labels, and the engine built once into
 * the cohort's model/ folder before any task starts (tasks then only load it, never race to build).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DomainError, oneLine } from '../errors.js';
import { parseCsv } from '../datasets/csv.js';
import { labelsOf, modelKey } from '../analysis/models.js';
import { loadCheckpoint } from '../ml/models/checkpoint.js';
import { OnnxEngine } from '../ml/onnx/session.js';
import { contentHash } from '../slides/content-hash.js';
import { cohortPaths, readManifest, writeManifest, type CohortManifest, type CohortParams, type CohortSlide, type SlurmOptions } from './manifest.js';

export interface SlideEntry {
  path: string;
  slideMpp: number | null;
}

/** Rows of a cohort CSV: `path` (relative paths are taken from the CSV's folder) and an optional `mpp`. */
export async function slidesFromCsv(file: string): Promise<SlideEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DomainError('not-found', `${file}: cannot be read`);
  }
  const [head, ...rows] = parseCsv(text);
  const cols = (head?.cells ?? []).map((c) => c.trim().toLowerCase());
  const pathCol = cols.indexOf('path');
  const mppCol = cols.indexOf('mpp');
  if (pathCol < 0) throw new DomainError('invalid-input', `${file}: no "path" column in the header`);
  return rows.map((r) => {
    const path = (r.cells[pathCol] ?? '').trim();
    if (!path) throw new DomainError('invalid-input', `${file}:${r.line}: empty path`);
    const raw = mppCol >= 0 ? (r.cells[mppCol] ?? '').trim() : '';
    const mpp = raw === '' ? null : Number(raw);
    if (mpp !== null && !(Number.isFinite(mpp) && mpp > 0)) throw new DomainError('invalid-input', `${file}:${r.line}: mpp must be a positive number or empty`);
    return { path: resolve(dirname(file), path), slideMpp: mpp };
  });
}

async function hashed(e: SlideEntry): Promise<CohortSlide> {
  try {
    return { path: e.path, slideMpp: e.slideMpp, hash: await contentHash(e.path), error: null };
  } catch (err) {
    return { path: e.path, slideMpp: e.slideMpp, hash: null, error: `${e.path}: cannot be read (${oneLine((err as Error).message)})` };
  }
}

/** Builds (or finds) the model's ONNX graph in the cohort's model/onnx, where every task looks for it. */
async function prepareModel(dir: string, ref: string): Promise<CohortManifest['model']> {
  const key = modelKey(ref);
  if (!existsSync(key) && key.includes('/')) throw new DomainError('not-found', `${key}: no such checkpoint folder`);
  const ck = await loadCheckpoint(key);
  const engine = await OnnxEngine.load(ck, { cacheDir: join(cohortPaths(dir).models, 'onnx'), releaseWeights: true, threads: 1 });
  await engine.dispose();
  return { ref, dir: key, hash: ck.hash, labels: labelsOf(ck) };
}

export interface SetupRequest {
  dir: string;
  slides: SlideEntry[];
  model: string;
  params: CohortParams;
  executor: 'local' | 'slurm';
  maxParallel: number;
  slurm: SlurmOptions;
}

/**
 * Writes the manifest. A folder that already holds a cohort of the same slides keeps its results
 * (done markers are checked against the new hashes and parameters) and its job history.
 */
export async function setUpCohort(req: SetupRequest): Promise<CohortManifest> {
  const dir = resolve(req.dir);
  let previous: CohortManifest | null = null;
  if (existsSync(cohortPaths(dir).manifest)) {
    previous = await readManifest(dir);
    const same = previous.slides.length === req.slides.length && previous.slides.every((s, i) => s.path === req.slides[i]!.path);
    if (!same) throw new DomainError('conflict', `${dir} holds a cohort of other slides; give another --out, or --resume ${dir} to go on with it`);
  }
  const slides: CohortSlide[] = [];
  for (const e of req.slides) slides.push(await hashed(e));
  const model = await prepareModel(dir, req.model);
  const m: CohortManifest = {
    version: 1,
    createdAt: previous?.createdAt ?? new Date().toISOString(),
    model,
    params: req.params,
    executor: req.executor,
    maxParallel: req.maxParallel,
    slurm: req.slurm,
    jobs: previous?.jobs ?? [],
    slides,
  };
  await writeManifest(dir, m);
  return m;
}
