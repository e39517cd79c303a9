/**
 * A cohort folder: manifest.json (the slides with their content hashes and mpp, the model and
 * its hash, the analysis parameters, how it is executed), the prepared model under model/, one
 * result folder per slide under slides/NNNN/ and each task's scratch data home under work/NNNN/.
 * Every task reads the manifest and nothing else, so a task runs the same on any node.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DomainError } from '../errors.js';

export const CohortSlide = z.object({
  path: z.string().min(1),
  /** Content hash (slides/content-hash.ts); null when the file could not be read at set-up. */
  hash: z.string().nullable(),
  /** The slide's own µm per pixel from the CSV's `mpp` column; null reads it from the file. */
  slideMpp: z.number().positive().nullable(),
  /** Why the slide could not be hashed at set-up (its task then fails with this). */
  error: z.string().nullable().default(null),
});

export const CohortParams = z.object({
  mpp: z.number().positive().optional(),
  overlap: z.number().min(0).max(0.75),
  minTissue: z.number().min(0).max(1),
  batchSize: z.number().int().min(1).max(256),
  /** Run the model on slides of another image type (a brightfield model on fluorescence), refused otherwise. */
  allowImageTypeMismatch: z.boolean().optional(),
});

export const SlurmOptions = z.object({
  partition: z.string().optional(),
  time: z.string().optional(),
  mem: z.string().optional(),
  gpus: z.string().optional(),
  sbatchArgs: z.array(z.string()).default([]),
  container: z.string().optional(),
});

export const CohortManifest = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  model: z.object({ ref: z.string(), dir: z.string(), hash: z.string(), labels: z.array(z.string()) }),
  params: CohortParams,
  executor: z.enum(['local', 'slurm']),
  maxParallel: z.number().int().min(1),
  slurm: SlurmOptions.default({ sbatchArgs: [] }),
  /** Slurm array jobs submitted for this cohort, oldest first: `status` asks Slurm about each. */
  jobs: z.array(z.object({ id: z.string(), indices: z.array(z.number().int()), submittedAt: z.string() })).default([]),
  slides: z.array(CohortSlide),
});

export type CohortManifest = z.output<typeof CohortManifest>;
export type CohortSlide = z.output<typeof CohortSlide>;
export type CohortParams = z.output<typeof CohortParams>;
export type SlurmOptions = z.output<typeof SlurmOptions>;

/** What a task writes on success next to the exports: what the result was computed from. */
export const DoneMarker = z.object({
  slideHash: z.string(),
  modelHash: z.string(),
  paramsKey: z.string(),
  /** The parameters as the analysis stored them (slide mpp resolved): collect stores them as they are. */
  storedParams: z.record(z.string(), z.unknown()),
  seconds: z.number(),
  tiles: z.number().int(),
  finishedAt: z.string(),
});
export type DoneMarker = z.output<typeof DoneMarker>;

export const FailedMarker = z.object({ error: z.string(), finishedAt: z.string(), host: z.string() });
export type FailedMarker = z.output<typeof FailedMarker>;

export const cohortPaths = (dir: string) => ({
  manifest: join(dir, 'manifest.json'),
  sbatch: join(dir, 'job.sbatch'),
  logs: join(dir, 'logs'),
  /** The prepared model: `<models>/onnx/<hash>.onnx`, the layout run-analysis.ts expects. */
  models: join(dir, 'model'),
  slides: join(dir, 'slides'),
});

const pad = (index: number) => String(index).padStart(4, '0');
export const resultDir = (dir: string, index: number) => join(dir, 'slides', pad(index));
export const workDir = (dir: string, index: number) => join(dir, 'work', pad(index));
export const doneFile = (dir: string, index: number) => join(resultDir(dir, index), 'done.json');
export const failedFile = (dir: string, index: number) => join(dir, 'slides', `${pad(index)}.failed.json`);
export const runningFile = (dir: string, index: number) => join(dir, 'slides', `${pad(index)}.running.json`);
export const logFile = (dir: string, index: number) => join(dir, 'logs', `${pad(index)}.log`);

/** What makes two runs of a slide the same result, as one string. */
export function paramsKey(slide: CohortSlide, params: CohortParams): string {
  return JSON.stringify({ mpp: params.mpp ?? null, overlap: params.overlap, minTissue: params.minTissue, slideMpp: slide.slideMpp });
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

export async function readManifest(dir: string): Promise<CohortManifest> {
  const file = cohortPaths(dir).manifest;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainError('not-found', `${file}: no cohort manifest (is ${dir} a cohort folder?)`);
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DomainError('corrupt', `${file}: not valid JSON`);
  }
  const parsed = CohortManifest.safeParse(json);
  if (!parsed.success) throw new DomainError('corrupt', `${file}: not a cohort manifest (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`);
  return parsed.data;
}

export async function writeManifest(dir: string, m: CohortManifest): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(cohortPaths(dir).manifest, m);
}

/** A JSON marker parsed with `schema`, or null when absent or unreadable (a half-written one never is: atomic). */
export async function readMarker<T>(path: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const r = schema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** True when slide `index` has a result computed from the manifest's slide hash, model hash and parameters. */
export async function isDone(dir: string, m: CohortManifest, index: number): Promise<DoneMarker | null> {
  const s = m.slides[index]!;
  const d = await readMarker(doneFile(dir, index), DoneMarker);
  return d && s.hash && d.slideHash === s.hash && d.modelHash === m.model.hash && d.paramsKey === paramsKey(s, m.params) ? d : null;
}
