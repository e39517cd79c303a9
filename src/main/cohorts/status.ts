/**
 * Where each slide of a cohort stands: done (a result computed from the manifest's slide hash,
 * model hash and parameters), running, queued or failed (with the failure's last line), read from
 * the markers the tasks write and, for Slurm cohorts, from squeue/sacct about the latest job that
 * holds the slide.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import { processAlive } from '../process-alive.js';
import { failedFile, FailedMarker, isDone, logFile, readManifest, readMarker, resultDir, runningFile, type CohortManifest } from './manifest.js';
import { ACTIVE_STATES, QUEUED_STATES, taskStates } from './slurm.js';

export type SlideState = 'queued' | 'running' | 'done' | 'failed';

export interface SlideStatus {
  index: number;
  path: string;
  state: SlideState;
  tiles: number | null;
  /** The failure's last line (the task's own message, else the end of its Slurm log or Slurm's state). */
  error: string | null;
  jobId: string | null;
  slurmState: string | null;
  out: string | null;
}

export interface CohortStatus {
  dir: string;
  executor: CohortManifest['executor'];
  model: string;
  slides: SlideStatus[];
  counts: Record<SlideState, number>;
  /** False when the cohort is on Slurm and neither squeue nor sacct answered (states come from markers only). */
  slurmAnswered: boolean;
}

const RunningMarker = z.object({ pid: z.number().int(), host: z.string() });

async function lastLogLine(file: string): Promise<string | null> {
  if (!existsSync(file)) return null;
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1)?.slice(0, 400) ?? null;
}

export async function cohortStatus(dir: string, opts: { manifest?: CohortManifest } = {}): Promise<CohortStatus> {
  const m = opts.manifest ?? (await readManifest(dir));
  // The latest job holding each index speaks for it.
  const jobOf = new Map<number, string>();
  for (const j of m.jobs) for (const i of j.indices) jobOf.set(i, j.id);
  const states = new Map<string, Map<number, string> | null>();
  let slurmAnswered = true;
  for (const id of new Set(jobOf.values())) {
    const s = taskStates(id);
    if (!s) slurmAnswered = false;
    states.set(id, s);
  }

  const slides: SlideStatus[] = [];
  for (const [index, s] of m.slides.entries()) {
    const base = { index, path: s.path, tiles: null, error: null, jobId: jobOf.get(index) ?? null, slurmState: null, out: null } as SlideStatus & { state?: SlideState };
    const done = await isDone(dir, m, index);
    const slurmState = base.jobId ? (states.get(base.jobId)?.get(index) ?? null) : null;
    base.slurmState = slurmState;
    if (done) {
      slides.push({ ...base, state: 'done', tiles: done.tiles, out: resultDir(dir, index) });
      continue;
    }
    if (slurmState && ACTIVE_STATES.has(slurmState)) {
      slides.push({ ...base, state: QUEUED_STATES.has(slurmState) ? 'queued' : 'running' });
      continue;
    }
    const failed = await readMarker(failedFile(dir, index), FailedMarker);
    if (failed) {
      slides.push({ ...base, state: 'failed', error: failed.error });
      continue;
    }
    const running = await readMarker(runningFile(dir, index), RunningMarker);
    // A marker of a process on this host that is gone, or of a Slurm task Slurm calls finished: it died.
    const dead = running && ((running.host === hostname() && !processAlive(running.pid)) || (slurmState !== null && !ACTIVE_STATES.has(slurmState)));
    if (running && !dead) {
      slides.push({ ...base, state: 'running' });
      continue;
    }
    if (slurmState || running) {
      const why = slurmState ? `Slurm task ${base.jobId}_${index} ended ${slurmState}` : `the task on ${running!.host} stopped without finishing`;
      const log = await lastLogLine(logFile(dir, index));
      slides.push({ ...base, state: 'failed', error: log ? `${why}: ${log}` : why });
      continue;
    }
    // Never started here, or submitted to a job Slurm no longer reports.
    slides.push({ ...base, state: base.jobId && states.get(base.jobId) ? 'failed' : 'queued', error: base.jobId && states.get(base.jobId) ? `Slurm has no record of task ${base.jobId}_${index}` : null });
  }
  const counts: Record<SlideState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const s of slides) counts[s.state]++;
  return { dir, executor: m.executor, model: m.model.dir, slides, counts, slurmAnswered: m.jobs.length === 0 || slurmAnswered };
}
