/** The cohorts.* calls: the folders this data home knows, their slides' states, and collect. */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { HandlersFor } from '../../shared/api.js';
import type { CohortEntry, cohortCalls } from '../../shared/contract/cohorts.js';
import type { AppContext } from '../app-context.js';
import { DomainError, oneLine } from '../errors.js';
import { collectCohort } from './collect.js';
import { forgetCohort, knownCohorts, rememberCohort } from './known.js';
import { readManifest } from './manifest.js';
import { pendingIndices, runLocal } from './run.js';
import { setUpCohort } from './setup.js';
import { cohortStatus } from './status.js';

/** What `tessella cohort run` uses when not told otherwise. */
const DEFAULT_PARAMS = { overlap: 0, minTissue: 0.25, batchSize: 8 };

async function entry(dir: string): Promise<CohortEntry> {
  try {
    const st = await cohortStatus(dir);
    return { dir, model: st.model, executor: st.executor, slides: st.slides.length, counts: st.counts, error: null };
  } catch (e) {
    // A folder moved or deleted since it was recorded is still listed, saying why it cannot be read.
    if (!(e instanceof DomainError)) throw e;
    return { dir, model: null, executor: null, slides: 0, counts: null, error: oneLine(e.message) };
  }
}

export function createCohortHandlers(ctx: AppContext): HandlersFor<typeof cohortCalls> {
  const root = ctx.home.root;
  /** One collect per folder at a time: two at once would race to store the same analyses. */
  const collecting = new Set<string>();
  const running = new Map<string, { controller: AbortController; dir: string }>();
  return {
    'cohorts.list': async () => Promise.all((await knownCohorts(root)).map(entry)),
    'cohorts.add': async ({ dir }) => {
      const abs = resolve(dir);
      // Throws not-found / corrupt when the folder holds no readable manifest: nothing is recorded then.
      const st = await cohortStatus(abs);
      await rememberCohort(root, abs);
      return { dir: abs, model: st.model, executor: st.executor, slides: st.slides.length, counts: st.counts, error: null };
    },
    'cohorts.remove': async ({ dir }) => ({ removed: await forgetCohort(root, dir) }),
    'cohorts.status': async ({ dir }) => {
      const st = await cohortStatus(resolve(dir));
      return { ...st, slides: st.slides.map(({ index, path, state, tiles, error, jobId }) => ({ index, path, state, tiles, error, jobId })) };
    },
    'cohorts.collect': async ({ dir, jobId }) => {
      const abs = resolve(dir);
      if (collecting.has(abs)) throw new DomainError('conflict', `${abs} is being collected already`);
      collecting.add(abs);
      const progress = (done: number, total: number, state: 'running' | 'completed' | 'failed', message?: string) => {
        if (jobId) ctx.events.emit('job.progress', { jobId, kind: 'cohorts.collect', done, total, state, ...(message ? { message } : {}) });
      };
      try {
        const { csv: _csv, ...r } = await collectCohort(ctx, abs, { onProgress: (done, total, note) => progress(done, total, 'running', note) });
        progress(r.slides.length, r.slides.length, 'completed');
        if (r.imported > 0) ctx.events.emit('slides.changed', {});
        return r;
      } catch (e) {
        progress(0, 0, 'failed', oneLine((e as Error).message));
        throw e;
      } finally {
        collecting.delete(abs);
      }
    },
    'cohorts.runLocal': async ({ slides, model, mpp, out, maxParallel, jobId: given }) => {
      const dir = resolve(out);
      const jobId = given ?? randomUUID();
      if (running.has(jobId)) throw new DomainError('conflict', `a cohort run named ${jobId} is running already`);
      if ([...running.values()].some((r) => r.dir === dir)) throw new DomainError('conflict', `${dir} is being run already`);
      const controller = new AbortController();
      running.set(jobId, { controller, dir });
      try {
        const params = { ...DEFAULT_PARAMS, ...(mpp !== undefined ? { mpp } : {}) };
        await setUpCohort({ dir, slides: slides.map((p) => ({ path: resolve(p), slideMpp: null })), model, params, executor: 'local', maxParallel, slurm: { sbatchArgs: [] } });
        await rememberCohort(root, dir);
        const m = await readManifest(dir);
        const todo = await pendingIndices(dir, m);
        const progress = (done: number, state: 'running' | 'completed' | 'failed' | 'cancelled', message?: string) =>
          ctx.events.emit('job.progress', { jobId, kind: 'cohorts.run', done, total: todo.length, state, ...(message ? { message } : {}) });
        // The slides run after the call returns; progress and the end go out as job.progress.
        void runLocal(dir, m, todo, { signal: controller.signal, onProgress: (p) => progress(p.done, 'running', p.note) })
          .then(
            (r) => {
              if (controller.signal.aborted) progress(r.done.length + r.failed.length, 'cancelled');
              else progress(todo.length, r.failed.length ? 'failed' : 'completed', r.failed.length ? `${r.failed.length} slide(s) failed` : undefined);
            },
            (e) => progress(0, 'failed', oneLine((e as Error).message)),
          )
          .finally(() => running.delete(jobId));
        return { dir, jobId, slides: m.slides.length, todo: todo.length };
      } catch (e) {
        running.delete(jobId);
        throw e;
      }
    },
    'cohorts.cancelRun': async ({ jobId }) => {
      const r = running.get(jobId);
      if (!r) return { cancelled: false };
      r.controller.abort();
      return { cancelled: true };
    },
  };
}
