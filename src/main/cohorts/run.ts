/**
 * Running what a cohort has not done yet: here, a few slides at a time, or as one Slurm array job
 * over exactly those slide indices (a resume submits only the slides not done, not queued and not
 * running).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { oneLine } from '../errors.js';
import { cohortPaths, writeManifest, type CohortManifest } from './manifest.js';
import { cohortStatus } from './status.js';
import { sbatchScript, submit } from './slurm.js';
import { runCohortTask } from './task.js';

export interface LocalProgress {
  done: number;
  total: number;
  note: string;
}

export interface RunOutcome {
  executor: CohortManifest['executor'];
  /** Slide indices this run started (local) or submitted (Slurm). */
  indices: number[];
  jobId: string | null;
  sbatch: string | null;
  /** Local only: slides finished now, and those that failed with why. */
  done: number[];
  failed: { index: number; path: string; error: string }[];
}

/** Slides neither done nor queued nor running. */
export async function pendingIndices(dir: string, m: CohortManifest): Promise<number[]> {
  const st = await cohortStatus(dir, { manifest: m });
  return st.slides.filter((s) => s.state === 'failed' || (s.state === 'queued' && !s.slurmState)).map((s) => s.index);
}

export async function runLocal(dir: string, m: CohortManifest, indices: number[], opts: { signal?: AbortSignal; onProgress?(p: LocalProgress): void } = {}): Promise<RunOutcome> {
  const done: number[] = [];
  const failed: RunOutcome['failed'] = [];
  const queue = [...indices];
  let finished = 0;
  opts.onProgress?.({ done: 0, total: indices.length, note: '' });
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      if (opts.signal?.aborted) return;
      try {
        await runCohortTask(dir, i, { ...(opts.signal ? { signal: opts.signal } : {}) });
        done.push(i);
      } catch (e) {
        // One slide failing (its marker says why) never stops the others.
        failed.push({ index: i, path: m.slides[i]!.path, error: oneLine((e as Error).message) });
      }
      opts.onProgress?.({ done: ++finished, total: indices.length, note: m.slides[i]!.path.split('/').pop() ?? '' });
    }
  };
  await Promise.all(Array.from({ length: Math.min(m.maxParallel, Math.max(1, indices.length)) }, worker));
  return { executor: 'local', indices, jobId: null, sbatch: null, done: done.sort((a, b) => a - b), failed: failed.sort((a, b) => a.index - b.index) };
}

export async function runSlurm(dir: string, m: CohortManifest, indices: number[]): Promise<RunOutcome> {
  const paths = cohortPaths(dir);
  if (indices.length === 0) return { executor: 'slurm', indices, jobId: null, sbatch: null, done: [], failed: [] };
  await mkdir(paths.logs, { recursive: true });
  await writeFile(paths.sbatch, sbatchScript(dir, m, indices));
  const jobId = submit(paths.sbatch);
  await writeManifest(dir, { ...m, jobs: [...m.jobs, { id: jobId, indices, submittedAt: new Date().toISOString() }] });
  return { executor: 'slurm', indices, jobId, sbatch: paths.sbatch, done: [], failed: [] };
}
