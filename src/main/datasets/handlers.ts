/** The datasets.* calls: thin wrappers over the repository and the importer. */
import { randomUUID } from 'node:crypto';
import type { HandlersFor } from '../../shared/api.js';
import type { datasetCalls } from '../../shared/contract/datasets.js';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../dispatch.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { importDataset, type ImportProgress } from './import.js';

/** job.progress events are throttled to this interval; phase changes and the end always go out. */
const PROGRESS_INTERVAL_MS = 150;

export function createDatasetHandlers(ctx: AppContext): HandlersFor<typeof datasetCalls> {
  const repo = new DatasetsRepo(ctx.db);
  const running = new Map<string, { controller: AbortController; name: string }>();
  const notFound = (id: number) => new ApiError(`no dataset with id ${id}`, 'not-found', 404);

  return {
    'datasets.list': async () => repo.list(),
    'datasets.get': async ({ id }) => {
      const d = repo.detail(id);
      if (!d) throw notFound(id);
      return d;
    },
    'datasets.import': async ({ jobId: requested, ...opts }) => {
      const jobId = requested ?? `datasets.import-${randomUUID()}`;
      if (running.has(jobId)) throw new ApiError(`job ${jobId} is already running`, 'conflict', 409);
      if ([...running.values()].some((r) => r.name === opts.name)) throw new ApiError(`dataset "${opts.name}" is already being imported`, 'conflict', 409);
      const controller = new AbortController();
      running.set(jobId, { controller, name: opts.name });
      let last = 0;
      let lastPhase = '';
      const emit = (p: ImportProgress, state: 'running' | 'completed' | 'failed' | 'cancelled' = 'running') => {
        const now = Date.now();
        if (state === 'running' && p.phase === lastPhase && now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        lastPhase = p.phase;
        ctx.events.emit('job.progress', { jobId, kind: 'datasets.import', done: p.done, total: p.total, message: p.phase, state });
      };
      try {
        const summary = await importDataset(ctx.db, opts, { signal: controller.signal, onProgress: (p) => emit(p) });
        emit({ phase: 'save', done: summary.images, total: summary.images }, 'completed');
        return summary;
      } catch (e) {
        emit({ phase: 'save', done: 0, total: 0 }, controller.signal.aborted ? 'cancelled' : 'failed');
        if (controller.signal.aborted) throw new ApiError('import cancelled; the dataset was left as it was', 'cancelled', 499);
        throw e;
      } finally {
        running.delete(jobId);
      }
    },
    'datasets.cancelImport': async ({ jobId }) => {
      const job = running.get(jobId);
      job?.controller.abort();
      return { cancelled: !!job };
    },
    'datasets.images': async ({ id, ...q }) => {
      if (!repo.get(id)) throw notFound(id);
      return repo.images({ datasetId: id, ...q });
    },
    'datasets.remove': async ({ id }) => ({ removed: repo.remove(id) }),
  };
}
