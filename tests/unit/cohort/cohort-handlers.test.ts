/**
 * The cohorts.* calls on a real cohort: `tessella cohort run` (local executor) scores one real
 * slide with the tiny oracle ViT and fails an unreadable one; the data home then lists the folder,
 * reports each slide's state, and collects the done slide once (a second collect keeps it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { createCohortHandlers } from '../../../src/main/cohorts/handlers';
import { DomainError } from '../../../src/main/errors';
import { tessella } from '../../helpers/cli.js';
import { has, needs } from '../../helpers/needs.js';
import { sharedPath, SLIDES } from '../../helpers/shared-data.js';
import { tempHome } from '../../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');

const tmp = tempHome('tessella-cohort-calls-');
afterAll(() => tmp.cleanup());

describe('cohorts.* calls', { ...needs(svs, vitTiny, has.openslide), timeout: 600_000 }, () => {
  it('lists the folder `cohort run` set up, reports per-slide states and collects once', async () => {
    const home = join(tmp.dir, 'home');
    const bad = join(tmp.dir, 'broken.svs');
    writeFileSync(bad, 'not a slide at all\n');
    const dir = join(tmp.dir, 'cohort');
    const r = tessella(['cohort', 'run', svs!, bad, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--json'], { TESSELLA_HOME: home });
    expect(r.code, r.stderr).toBe(0);

    const ctx = createAppContext({ host: 'cli', home });
    try {
      const calls = createCohortHandlers(ctx);
      const changed: unknown[] = [];
      const collectProgress: { state: string; done: number; total: number }[] = [];
      ctx.events.onAny((name, p) => {
        if (name === 'slides.changed') changed.push(name);
        if (name === 'job.progress' && (p as { jobId: string }).jobId === 'collect-1') collectProgress.push(p as (typeof collectProgress)[number]);
      });

      const list = await calls['cohorts.list']({});
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ dir, executor: 'local', slides: 2, counts: { done: 1, failed: 1, queued: 0, running: 0 }, error: null });

      const st = await calls['cohorts.status']({ dir });
      expect(st.slides.map((s) => s.state)).toEqual(['done', 'failed']);
      expect(st.slides[0]!.tiles).toBeGreaterThan(0);
      expect(st.slides[1]!.error).toMatch(/broken\.svs/);

      const first = await calls['cohorts.collect']({ dir, jobId: 'collect-1' });
      expect(collectProgress.map((p) => `${p.state} ${p.done}/${p.total}`)).toEqual(['running 0/2', 'running 1/2', 'completed 2/2']);
      expect(first).toMatchObject({ imported: 1, kept: 0, failed: 1 });
      const slideId = first.slides[0]!.slideId!;
      expect(ctx.slides.require(slideId).path).toBe(svs);
      expect(first.slides[1]!.error).toMatch(/broken\.svs/);
      expect(changed).toHaveLength(1);
      const second = await calls['cohorts.collect']({ dir });
      expect(second).toMatchObject({ imported: 0, kept: 1, failed: 1 });
      expect(second.slides[0]!.analysisId).toBe(first.slides[0]!.analysisId);
      expect(changed).toHaveLength(1);

      // A folder without a manifest is refused and not recorded; adding a known one again keeps one entry.
      const empty = join(tmp.dir, 'empty');
      mkdirSync(empty);
      const err = await calls['cohorts.add']({ dir: empty }).catch((e) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err.kind).toBe('not-found');
      expect((await calls['cohorts.add']({ dir })).counts).toEqual({ done: 1, failed: 1, queued: 0, running: 0 });
      expect((await calls['cohorts.list']({})).map((c) => c.dir)).toEqual([dir]);

      // A folder gone since it was recorded stays listed, saying why it cannot be read.
      const gone = join(tmp.dir, 'gone');
      mkdirSync(gone);
      writeFileSync(join(gone, 'manifest.json'), '{');
      await expect(calls['cohorts.add']({ dir: gone })).rejects.toMatchObject({ kind: 'corrupt' });
      expect(await calls['cohorts.remove']({ dir })).toEqual({ removed: true });
      expect(await calls['cohorts.list']({})).toEqual([]);
    } finally {
      ctx.close();
    }
  });

  it('runs a local cohort in the background with job.progress, and lists it', async () => {
    const home = join(tmp.dir, 'home-run');
    const ctx = createAppContext({ host: 'cli', home });
    try {
      const calls = createCohortHandlers(ctx);
      const events: { kind: string; state: string; done: number; total: number }[] = [];
      const ended = new Promise<void>((resolveEnd) =>
        ctx.events.onAny((name, p) => {
          const e = p as (typeof events)[number] & { jobId: string };
          if (name !== 'job.progress' || e.jobId !== 'cohort-1') return;
          events.push(e);
          if (e.state !== 'running') resolveEnd();
        }),
      );
      const dir = join(tmp.dir, 'run-here');
      const started = await calls['cohorts.runLocal']({ slides: [svs!], model: vitTiny!, mpp: 8, out: dir, maxParallel: 1, jobId: 'cohort-1' });
      expect(started).toEqual({ dir, jobId: 'cohort-1', slides: 1, todo: 1 });
      await ended;
      expect(events.at(-1)).toMatchObject({ kind: 'cohorts.run', state: 'completed', done: 1, total: 1 });
      expect((await calls['cohorts.status']({ dir })).slides.map((s) => s.state)).toEqual(['done']);
      expect((await calls['cohorts.list']({})).map((c) => c.dir)).toEqual([dir]);
      expect(await calls['cohorts.cancelRun']({ jobId: 'cohort-1' })).toEqual({ cancelled: false });

      // Run again: the slide done with the same hashes and parameters is not run twice.
      const again = await calls['cohorts.runLocal']({ slides: [svs!], model: vitTiny!, mpp: 8, out: dir, maxParallel: 1, jobId: 'cohort-2' });
      expect(again.todo).toBe(0);
      await expect(calls['cohorts.runLocal']({ slides: [vitTiny!], model: vitTiny!, mpp: 8, out: dir, maxParallel: 1 })).rejects.toMatchObject({ kind: 'conflict' });
    } finally {
      ctx.close();
    }
  });
});
