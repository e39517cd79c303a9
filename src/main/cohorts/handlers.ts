/** The cohorts.* calls: the folders this data home knows, their slides' states, and collect. */
import { resolve } from 'node:path';
import type { HandlersFor } from '../../shared/api.js';
import type { CohortEntry, cohortCalls } from '../../shared/contract/cohorts.js';
import type { AppContext } from '../app-context.js';
import { DomainError, oneLine } from '../errors.js';
import { collectCohort } from './collect.js';
import { forgetCohort, knownCohorts, rememberCohort } from './known.js';
import { cohortStatus } from './status.js';

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
    'cohorts.collect': async ({ dir }) => {
      const abs = resolve(dir);
      if (collecting.has(abs)) throw new DomainError('conflict', `${abs} is being collected already`);
      collecting.add(abs);
      try {
        const { csv: _csv, ...r } = await collectCohort(ctx, abs);
        if (r.imported > 0) ctx.events.emit('slides.changed', {});
        return r;
      } finally {
        collecting.delete(abs);
      }
    },
  };
}
