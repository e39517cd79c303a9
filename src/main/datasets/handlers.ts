/** The datasets.* calls: thin wrappers over the repository and the importer. */
import { randomUUID } from 'node:crypto';
import type { HandlersFor } from '../../shared/api.js';
import type { datasetCalls } from '../../shared/contract/datasets.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { ImagePredictionsRepo } from '../store/image-predictions-repo.js';
import { importDataset, type ImportProgress } from './import.js';
import { DatasetLabelling } from './labelling.js';
import { predictDataset } from './predictions.js';
import { mapDataset } from './embedding-map.js';
import { pinOf, resolveProvider } from '../ml/engine/providers.js';

/** job.progress events are throttled to this interval; phase changes and the end always go out. */
const PROGRESS_INTERVAL_MS = 150;

export function createDatasetHandlers(ctx: AppContext): HandlersFor<typeof datasetCalls> {
  const repo = new DatasetsRepo(ctx.db);
  const predictions = new ImagePredictionsRepo(ctx.db);
  const labelling = new DatasetLabelling(ctx.db);
  const running = new Map<string, { controller: AbortController; name: string }>();
  const predicting = new Map<string, { controller: AbortController; datasetId: number }>();
  const mapping = new Map<string, { controller: AbortController; datasetId: number }>();
  const notFound = (id: number) => new DomainError('not-found', `no dataset with id ${id}`);
  const requireDataset = (id: number) => {
    if (!repo.get(id)) throw notFound(id);
  };
  /** The prediction set a query reads: the one named, else the latest; an unknown hash is an error. */
  const querySet = (id: number, modelHash: string | undefined) => {
    const set = predictions.set(id, modelHash);
    if (modelHash !== undefined && !set) throw new DomainError('not-found', `dataset ${id} has no predictions from model ${modelHash}`);
    return set;
  };

  type JobState = 'running' | 'completed' | 'failed' | 'cancelled';
  /**
   * A long call over one dataset as a job: named by the client (so it can cancel before the call
   * returns), throttled job.progress events (a phase change and the end always go out), a
   * cancel that ends as a 'cancelled' domain error.
   */
  // the fast engine runs on the engine.provider setting's choice (cpu is the fallback), as predict and analyses do
  const settingProviders = async () => [(await resolveProvider(pinOf(ctx.settings.get().engine.provider, undefined))).chosen];
  const datasetJob = async <T>(
    kind: string,
    jobs: Map<string, { controller: AbortController; datasetId: number }>,
    datasetId: number,
    requested: string | undefined,
    firstPhase: string,
    cancelledMessage: string,
    work: (signal: AbortSignal, emit: (phase: string, done: number, total: number) => void) => Promise<{ result: T; done: number }>,
  ): Promise<T> => {
    requireDataset(datasetId);
    const jobId = requested ?? `${kind}-${randomUUID()}`;
    if (jobs.has(jobId)) throw new DomainError('conflict', `job ${jobId} is already running`);
    const controller = new AbortController();
    jobs.set(jobId, { controller, datasetId });
    let last = 0;
    let lastPhase = '';
    const emit = (phase: string, done: number, total: number, state: JobState = 'running') => {
      const now = Date.now();
      if (state === 'running' && phase === lastPhase && done > 0 && done < total && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      lastPhase = phase;
      ctx.events.emit('job.progress', { jobId, kind, done, total, message: phase, state });
    };
    emit(firstPhase, 0, 0);
    try {
      const { result, done } = await work(controller.signal, (phase, d, t) => emit(phase, d, t));
      emit(lastPhase, done, done, 'completed');
      return result;
    } catch (e) {
      emit((e as Error).message, 0, 0, controller.signal.aborted ? 'cancelled' : 'failed');
      if (controller.signal.aborted) throw new DomainError('cancelled', cancelledMessage);
      throw e;
    } finally {
      jobs.delete(jobId);
    }
  };

  return {
    'datasets.list': async () => repo.list(),
    'datasets.get': async ({ id }) => {
      const d = repo.detail(id);
      if (!d) throw notFound(id);
      return d;
    },
    'datasets.import': async ({ jobId: requested, ...opts }) => {
      const jobId = requested ?? `datasets.import-${randomUUID()}`;
      if (running.has(jobId)) throw new DomainError('conflict', `job ${jobId} is already running`);
      if ([...running.values()].some((r) => r.name === opts.name)) throw new DomainError('conflict', `dataset "${opts.name}" is already being imported`);
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
        if (controller.signal.aborted) throw new DomainError('cancelled', 'import cancelled; the dataset was left as it was');
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
    'datasets.images': async ({ id, modelHash, ids, ...q }) => {
      requireDataset(id);
      const set = querySet(id, modelHash);
      if (ids) {
        const items = repo.imagesById(id, ids, set);
        return { total: items.length, items, predictions: set };
      }
      return { ...repo.images({ datasetId: id, predictions: set, ...q }), predictions: set };
    },
    'datasets.imageIds': async ({ id, modelHash, ...q }) => {
      requireDataset(id);
      return repo.imageIds({ datasetId: id, predictions: querySet(id, modelHash), ...q });
    },
    'datasets.setLabel': async ({ datasetId, imageIds, label }) => labelling.setLabel(datasetId, imageIds, label),
    'datasets.acceptPredictions': async ({ datasetId, imageIds, modelHash }) => labelling.acceptPredictions(datasetId, imageIds, modelHash),
    'datasets.undo': async ({ datasetId }) => labelling.undo(datasetId),
    'datasets.redo': async ({ datasetId }) => labelling.redo(datasetId),
    'datasets.history': async ({ datasetId }) => {
      requireDataset(datasetId);
      return labelling.state(datasetId);
    },
    'datasets.addClass': async ({ datasetId, name }) => labelling.addClass(datasetId, name),
    'datasets.predict': async ({ datasetId, model, jobId }) =>
      datasetJob('datasets.predict', predicting, datasetId, jobId, 'load model', 'prediction cancelled; the suggestions made so far are kept', async (signal, emit) => {
        const result = await predictDataset(ctx, datasetId, model, { executionProviders: await settingProviders(), signal, onProgress: (done, total) => emit('predict', done, total) });
        return { result, done: result.images };
      }),
    'datasets.cancelPredict': async ({ jobId }) => {
      const job = predicting.get(jobId);
      job?.controller.abort();
      return { cancelled: !!job };
    },
    'datasets.map': async ({ datasetId, backbone, maxPoints, seed, jobId }) =>
      datasetJob('datasets.map', mapping, datasetId, jobId, 'load model', 'map cancelled', async (signal, emit) => {
        const result = await mapDataset(ctx, datasetId, backbone, { maxPoints, seed, executionProviders: await settingProviders(), signal, onProgress: (phase, done, total) => emit(phase, done, total) });
        return { result, done: result.points.length };
      }),
    'datasets.cancelMap': async ({ jobId }) => {
      const job = mapping.get(jobId);
      job?.controller.abort();
      return { cancelled: !!job };
    },
    'datasets.predictions': async ({ datasetId }) => {
      requireDataset(datasetId);
      return predictions.sets(datasetId);
    },
    'datasets.remove': async ({ id }) => {
      for (const job of [...predicting.values(), ...mapping.values()]) if (job.datasetId === id) job.controller.abort();
      labelling.forget(id);
      return { removed: repo.remove(id) };
    },
  };
}
