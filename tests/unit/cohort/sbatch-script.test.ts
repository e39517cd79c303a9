/** The array job script a Slurm cohort submits: directives passed through, the task command, Apptainer. */
import { describe, expect, it } from 'vitest';
import type { CohortManifest } from '../../../src/main/cohorts/manifest.js';
import { arraySpec, sbatchScript } from '../../../src/main/cohorts/slurm.js';

const manifest = (slurm: CohortManifest['slurm']): CohortManifest => ({
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  model: { ref: '/m', dir: '/m', hash: 'abc', labels: ['a', 'b'] },
  params: { overlap: 0, minTissue: 0.25, batchSize: 8 },
  executor: 'slurm',
  maxParallel: 4,
  slurm,
  jobs: [],
  slides: [],
});

describe('cohort job.sbatch', () => {
  it('turns slide indices into Slurm array ranges', () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8, 9])).toBe('0-2,5,7-9');
    expect(arraySpec([3])).toBe('3');
    expect(arraySpec([2, 1, 1, 0])).toBe('0-2');
  });

  it('passes resources and extra options through and runs the cohort task for the array index', () => {
    const text = sbatchScript('/data/my cohort', manifest({ partition: 'gpu', time: '02:00:00', mem: '8G', gpus: '1', sbatchArgs: ['--account=lab', '--qos=low'] }), [0, 1, 2, 4]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    for (const d of ['--array=0-2,4%4', "--output=/data/my cohort/logs/%4a.log", '--partition=gpu', '--time=02:00:00', '--mem=8G', '--gpus=1', '--account=lab', '--qos=low']) {
      expect(lines).toContain(`#SBATCH ${d}`);
    }
    const exec = lines.find((l) => l.startsWith('exec '))!;
    expect(exec).toContain(process.execPath);
    expect(exec).toMatch(/bin\/tessella\.mjs cohort task '\/data\/my cohort' "\$SLURM_ARRAY_TASK_ID"$/);
    expect(text).not.toContain('apptainer');
  });

  it('runs the task inside the Apptainer image when given one, with GPUs passed in', () => {
    const text = sbatchScript('/c', manifest({ gpus: '1', container: '/images/tessella.sif', sbatchArgs: [] }), [0]);
    const exec = text.split('\n').find((l) => l.startsWith('exec '))!;
    expect(exec).toBe('exec apptainer exec --nv --bind /c /images/tessella.sif tessella cohort task /c "$SLURM_ARRAY_TASK_ID"');
  });
});
