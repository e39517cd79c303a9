/**
 * `tessella cohort run|status|collect` end to end on real slides and the tiny oracle ViT: the local
 * executor, and the Slurm executor against stand-in sbatch/sacct/squeue that run each array task
 * here (tests/helpers/fake-slurm.ts), so the task, its markers, resume and collect run for real.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessella } from '../../helpers/cli.js';
import { fakeSlurm } from '../../helpers/fake-slurm.js';
import { has, needs } from '../../helpers/needs.js';
import { sharedPath, SLIDES } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const dicom = sharedPath(SLIDES.dicom);
const vitTiny = sharedPath('oracle/vit_tiny');

const tmp = tempHome('tessella-cohort-');
afterAll(() => tmp.cleanup());

function json(args: string[], env: Record<string, string>) {
  const r = tessella([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`tessella ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('tessella cohort', { ...needs(svs, ndpi, dicom, vitTiny, has.openslide), timeout: 600_000 }, () => {
  it('runs a cohort here, reports an unreadable slide without stopping the others, and collects twice to the same result', () => {
    const home = join(tmp.dir, 'home-local');
    const env = { TESSELLA_HOME: home };
    const bad = join(tmp.dir, 'broken.svs');
    writeFileSync(bad, 'not a slide at all\n');
    const csv = join(tmp.dir, 'local.csv');
    // the DICOM file has no mpp of its own: the CSV gives it
    writeFileSync(csv, `path,mpp\n${svs},\n${dicom},0.25\n${bad},\n`);
    const dir = join(tmp.dir, 'local');

    const run = json(['cohort', 'run', '--csv', csv, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--executor', 'local'], env);
    expect(run.done).toEqual([0, 1]);
    expect(run.failed.map((f: { index: number }) => f.index)).toEqual([2]);
    expect(run.failed[0].error).toMatch(/broken\.svs/);

    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.slides.map((s: { slideMpp: number | null }) => s.slideMpp)).toEqual([null, 0.25, null]);
    expect(manifest.slides.every((s: { hash: string }) => /^[0-9a-f]{64}$/.test(s.hash))).toBe(true);
    expect(manifest.model.hash).toMatch(/^[0-9a-f]+$/);

    const st = json(['cohort', 'status', dir], env);
    expect(st.slides.map((s: { state: string }) => s.state)).toEqual(['done', 'done', 'failed']);
    expect(st.slides[2].error).toMatch(/broken\.svs/);
    const tiles = st.slides[0].tiles;
    expect(tiles).toBeGreaterThan(0);
    // the result folder is what `slide infer --out` writes
    const summary = JSON.parse(readFileSync(join(dir, 'slides', '0000', 'summary.json'), 'utf8'));
    expect(summary).toBeTruthy();
    expect(readFileSync(join(dir, 'slides', '0000', 'tiles.csv'), 'utf8').trim().split('\n')).toHaveLength(tiles + 1);

    // a rerun skips what is done (same hashes and parameters) and retries only the failure
    const again = json(['cohort', 'run', '--csv', csv, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--executor', 'local'], env);
    expect(again.indices).toEqual([2]);
    expect(again.skipped).toBe(2);

    const first = json(['cohort', 'collect', dir, '--csv', join(tmp.dir, 'c1.csv')], env);
    expect(first.imported).toBe(2);
    expect(first.failed).toBe(1);
    const second = json(['cohort', 'collect', dir, '--csv', join(tmp.dir, 'c2.csv')], env);
    expect(second.imported).toBe(0);
    expect(second.kept).toBe(2);
    const c1 = readFileSync(join(tmp.dir, 'c1.csv'), 'utf8');
    expect(readFileSync(join(tmp.dir, 'c2.csv'), 'utf8')).toBe(c1);
    expect(c1.split(/\r?\n/)[0]).toBe('slide_id,slide_name,file_hash,path,analysis_id,tissue_tiles,slide_label,confidence,fraction_cat,fraction_dog,fraction_bird,error');
    expect(c1.trim().split(/\r?\n/)).toHaveLength(4);

    const analyses = json(['analysis', 'list'], env);
    expect(analyses).toHaveLength(2);
    const ofSvs = analyses.find((a: { slide: { name: string } }) => a.slide.name === 'CMU-1-Small-Region.svs');
    expect(ofSvs.status).toBe('completed');
    expect(ofSvs.tiles).toEqual({ done: tiles, total: tiles });
    // the stored tile predictions are the task's: the viewer's heatmap reads them
    const stored = json(['slide', 'infer', svs!, '--model', vitTiny!, '--mpp', '8'], env);
    expect(stored.reused).toBe(true);
    expect(stored.analysisId).toBe(ofSvs.id);
  });

  it('runs as a Slurm array job, reports a cancelled task, and resumes only that one', () => {
    const slurm = fakeSlurm();
    const home = join(tmp.dir, 'home-slurm');
    const env = { TESSELLA_HOME: home, ...slurm.env };
    const csv = join(tmp.dir, 'slurm.csv');
    writeFileSync(csv, `path,mpp\n${svs},\n${ndpi},\n${dicom},0.25\n`);
    const dir = join(tmp.dir, 'slurm');
    mkdirSync(dir, { recursive: true });
    slurm.cancelNext(1);

    const run = json(['cohort', 'run', '--csv', csv, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--executor', 'slurm', '--allow-image-type-mismatch', '--max-parallel', '2', '--partition', 'short', '--sbatch-arg=--account=lab'], env);
    expect(run.jobId).toBe('1');
    const script = readFileSync(join(dir, 'job.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-2%2');
    expect(script).toContain('#SBATCH --partition=short');
    expect(script).toContain('#SBATCH --account=lab');
    expect(script).toMatch(/cohort task .* "\$SLURM_ARRAY_TASK_ID"/);

    const st = json(['cohort', 'status', dir], env);
    expect(st.slides.map((s: { state: string }) => s.state)).toEqual(['done', 'failed', 'done']);
    expect(st.slides[1].error).toMatch(/CANCELLED/);

    const resumed = json(['cohort', 'run', '--resume', dir], env);
    expect(resumed.jobId).toBe('2');
    expect(resumed.indices).toEqual([1]);
    expect(readFileSync(slurm.script('2'), 'utf8')).toContain('#SBATCH --array=1%2');
    const after = json(['cohort', 'status', dir], env);
    expect(after.slides.map((s: { state: string }) => s.state)).toEqual(['done', 'done', 'done']);

    // nothing left: a resume submits nothing
    expect(json(['cohort', 'run', '--resume', dir], env).jobId).toBeNull();

    const collected = json(['cohort', 'collect', dir], env);
    expect(collected.imported).toBe(3);
    expect(json(['cohort', 'collect', dir], env).imported).toBe(0);
    expect(json(['analysis', 'list'], env)).toHaveLength(3);
  });

  it('status exits 0 on a cohort folder and fails with one line on a folder that is none', () => {
    const r = tessella(['cohort', 'status', tmp.dir, '--json'], { TESSELLA_HOME: join(tmp.dir, 'home-x') });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no cohort manifest/);
  });
});
