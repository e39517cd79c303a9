/**
 * The Slurm side of a cohort: the array job script (one task per slide index), submitting it with
 * `sbatch --parsable`, and what `squeue`/`sacct` say about each task. Slurm is asked through its
 * commands only, so any cluster the user can submit to works, and none is needed to write the script.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DomainError, oneLine } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { cohortPaths, type CohortManifest } from './manifest.js';

/** Single-quoted for sh: safe for any path. */
export const shQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Indices as Slurm's --array spec: runs of consecutive indices as ranges ("0-2,5,7-9"). */
export function arraySpec(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** How a task starts `tessella`: this Node and this checkout, or the `tessella` inside the container. */
function tessellaCommand(m: CohortManifest): string[] {
  if (m.slurm.container) return ['tessella'];
  const root = packageRoot()?.dir;
  if (!root) throw new DomainError('internal', 'cannot find the tessella package folder to start tasks from');
  return [process.execPath, join(root, 'bin', 'tessella.mjs')];
}

export function sbatchScript(dir: string, m: CohortManifest, indices: number[]): string {
  const s = m.slurm;
  const directives = [
    `--job-name=tessella-cohort`,
    `--array=${arraySpec(indices)}%${m.maxParallel}`,
    // %4a: the task index zero-padded to 4, as the cohort names its slide folders
    `--output=${join(cohortPaths(dir).logs, '%4a.log')}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    ...(s.time ? [`--time=${s.time}`] : []),
    ...(s.mem ? [`--mem=${s.mem}`] : []),
    ...(s.gpus ? [`--gpus=${s.gpus}`] : []),
    ...s.sbatchArgs,
  ];
  const task = [...tessellaCommand(m), 'cohort', 'task', dir].map(shQuote).join(' ') + ' "$SLURM_ARRAY_TASK_ID"';
  const run = s.container ? `apptainer exec${s.gpus ? ' --nv' : ''} --bind ${shQuote(dir)} ${shQuote(s.container)} ${task}` : task;
  return [
    '#!/bin/bash',
    `# Tessella cohort ${dir}: one array task per slide (written by tessella cohort run; status: tessella cohort status ${shQuote(dir)})`,
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -euo pipefail',
    `exec ${run}`,
    '',
  ].join('\n');
}

function slurmCommand(cmd: string, args: string[]): { ok: boolean; missing: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, missing: (r.error as NodeJS.ErrnoException).code === 'ENOENT', stdout: '', stderr: r.error.message };
  return { ok: r.status === 0, missing: false, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Submits the script; the job id `sbatch --parsable` prints (without a `;cluster` suffix). */
export function submit(sbatchFile: string): string {
  const r = slurmCommand('sbatch', ['--parsable', sbatchFile]);
  if (r.missing) throw new DomainError('unavailable', 'sbatch not found: run this on a Slurm login node, or use --executor local');
  if (!r.ok) throw new DomainError('unavailable', `sbatch refused ${sbatchFile}: ${oneLine(r.stderr.trim() || r.stdout.trim())}`);
  const id = r.stdout.trim().split(/[;\s]/)[0] ?? '';
  if (!/^\d+$/.test(id)) throw new DomainError('internal', `sbatch printed no job id for ${sbatchFile}`);
  return id;
}

/** Expands "12_[3-5,7%2]" / "12_4" into task indices. */
function taskIndices(jobId: string, field: string): number[] {
  const m = new RegExp(`^${jobId}_(\\d+|\\[([^\\]]*)\\])$`).exec(field.trim());
  if (!m) return [];
  if (!m[2]) return [Number(m[1])];
  const out: number[] = [];
  for (const part of m[2].split('%')[0]!.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** Slurm's state of each task of a job it still knows (squeue, then sacct for finished ones); null when neither answers. */
export function taskStates(jobId: string): Map<number, string> | null {
  const states = new Map<number, string>();
  let answered = false;
  const acct = slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State']);
  if (acct.ok) {
    answered = true;
    for (const line of acct.stdout.split('\n')) {
      const [id, state] = line.split('|');
      if (!id || !state) continue;
      for (const i of taskIndices(jobId, id)) states.set(i, state.trim().split(/\s/)[0]!);
    }
  }
  // squeue knows pending and running tasks for certain even where accounting is off or lagging.
  const queue = slurmCommand('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T']);
  if (queue.ok) {
    answered = true;
    for (const line of queue.stdout.split('\n')) {
      const [id, state] = line.split('|');
      if (!id || !state) continue;
      for (const i of taskIndices(jobId, id)) states.set(i, state.trim());
    }
  }
  return answered ? states : null;
}

export const ACTIVE_STATES = new Set(['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'REQUEUED', 'RESIZING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING']);
export const QUEUED_STATES = new Set(['PENDING', 'REQUEUED', 'CONFIGURING', 'SUSPENDED']);
