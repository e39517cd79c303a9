/**
 * A cohort through a real one-node Slurm cluster (tests/helpers/slurm-cluster.ts): three slides as
 * an array job, one task cancelled with scancel and resumed, a repeated collect.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tessella } from '../../helpers/cli.js';
import { has, needs } from '../../helpers/needs.js';
import { sharedPath, SLIDES } from '../../helpers/shared-data.js';
import { startSlurmCluster, type SlurmCluster } from '../../helpers/slurm-cluster.js';
import { tempHome } from '../../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const dicom = sharedPath(SLIDES.dicom);
const vitTiny = sharedPath('oracle/vit_tiny');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tessella cohort on a Slurm cluster', { ...needs(svs, ndpi, dicom, vitTiny, has.openslide, has.slurm), timeout: 900_000 }, () => {
  let cluster: SlurmCluster;
  const tmp = tempHome('tessella-cohort-slurm-');
  beforeAll(() => {
    cluster = startSlurmCluster();
  }, 120_000);
  afterAll(() => {
    cluster?.stop();
    tmp.cleanup();
  });

  const json = (args: string[]) => {
    const r = tessella([...args, '--json'], { TESSELLA_HOME: join(tmp.dir, 'home'), ...cluster.env });
    if (r.code !== 0) throw new Error(`tessella ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const settled = async (dir: string) => {
    for (;;) {
      const st = json(['cohort', 'status', dir]);
      if (st.counts.queued + st.counts.running === 0) return st;
      await sleep(1000);
    }
  };

  it('runs three slides as an array job, resumes a task cancelled with scancel, and collects twice to the same result', async () => {
    const csv = join(tmp.dir, 'slides.csv');
    writeFileSync(csv, `path,mpp\n${svs},\n${ndpi},\n${dicom},0.25\n`);
    const dir = join(tmp.dir, 'cohort');
    // Held at submission, so task 1 can be cancelled before it starts, then the rest released.
    const run = json(['cohort', 'run', '--csv', csv, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--executor', 'slurm', '--allow-image-type-mismatch', '--max-parallel', '2', '--time', '00:30:00', '--sbatch-arg=--hold']);
    expect(run.jobId).toMatch(/^\d+$/);
    expect(readFileSync(join(dir, 'job.sbatch'), 'utf8')).toContain('#SBATCH --array=0-2%2');
    const queued = json(['cohort', 'status', dir]);
    expect(queued.slides.map((s: { state: string }) => s.state)).toEqual(['queued', 'queued', 'queued']);

    const env = { ...process.env, ...cluster.env };
    expect(spawnSync('scancel', [`${run.jobId}_1`], { env }).status).toBe(0);
    expect(spawnSync('scontrol', ['release', run.jobId], { env }).status).toBe(0);
    const first = await settled(dir);
    expect(first.slides.map((s: { state: string }) => s.state)).toEqual(['done', 'failed', 'done']);
    expect(first.slides[1].error).toBeTruthy();

    const resumed = json(['cohort', 'run', '--resume', dir]);
    expect(resumed.indices).toEqual([1]);
    expect(resumed.jobId).not.toBe(run.jobId);
    expect(readFileSync(join(dir, 'job.sbatch'), 'utf8')).toContain('#SBATCH --array=1%2');
    // the cohort's sbatch options, --hold included, hold for its resubmissions too
    expect(spawnSync('scontrol', ['release', resumed.jobId], { env }).status).toBe(0);
    const after = await settled(dir);
    expect(after.slides.map((s: { state: string }) => s.state)).toEqual(['done', 'done', 'done']);

    const c1 = json(['cohort', 'collect', dir, '--csv', join(tmp.dir, 'c1.csv')]);
    expect(c1.imported).toBe(3);
    const c2 = json(['cohort', 'collect', dir, '--csv', join(tmp.dir, 'c2.csv')]);
    expect(c2.imported).toBe(0);
    expect(readFileSync(join(tmp.dir, 'c2.csv'), 'utf8')).toBe(readFileSync(join(tmp.dir, 'c1.csv'), 'utf8'));
    expect(json(['analysis', 'list'])).toHaveLength(3);
  });
});
