/** The models.* and engine.info calls: the registry, Hub pulls and the engine report. */
import { randomUUID } from 'node:crypto';
import type { HandlersFor } from '../../shared/api.js';
import type { modelCalls, PullProgress } from '../../shared/contract/models.js';
import type { AppContext } from '../app-context.js';
import { DomainError, toDomainError } from '../errors.js';
import { engineStatus } from '../ml/engine-status.js';
import { pinOf, resolveProvider } from '../ml/engine/providers.js';
import { licenceLine } from '../ml/hub/catalogue.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { modelFacts } from './facts.js';
import { tryModelOnImage } from './try-image.js';
import { catalogueListing, startPull } from './hub-pull.js';
import { builtinModels, ModelRegistry } from './registry.js';

/** Byte progress is throttled to this interval; phase changes and the end always go out. */
const PROGRESS_INTERVAL_MS = 150;

export function createModelHandlers(ctx: AppContext): HandlersFor<typeof modelCalls> {
  const registry = new ModelRegistry(ctx.db, onnxCacheDir(ctx.home.root));
  const pulls = new Map<string, { controller: AbortController; id: string }>();
  /** The provider the engine.provider setting chooses here (cpu when a pin cannot load). */
  const settingProviders = async () => [(await resolveProvider(pinOf(ctx.settings.get().engine.provider, undefined))).chosen];
  return {
    'models.list': async () => ({ models: registry.list(), builtins: builtinModels() }),
    'models.import': async ({ path, name }) => registry.import(path, name),
    'models.get': async ({ id }) => {
      const m = registry.detail(id);
      if (!m) throw new DomainError('not-found', `no model with id ${id}`);
      return m.config ? { ...m, facts: await modelFacts(m.dir, m.config, m.hint) } : m;
    },
    'models.remove': async ({ id, force }) => registry.remove(id, force),
    'models.catalogue': async () => ({ models: catalogueListing(ctx.home.models) }),
    'models.pull': async ({ id, revision, jobId: requested }) => {
      const jobId = requested ?? `models.pull-${randomUUID()}`;
      if (pulls.has(jobId)) throw new DomainError('conflict', `job ${jobId} is already running`);
      if ([...pulls.values()].some((p) => p.id.toLowerCase() === id.toLowerCase())) throw new DomainError('conflict', `${id} is already being pulled`);
      const controller = new AbortController();
      pulls.set(jobId, { controller, id });
      let started;
      try {
        started = await startPull(ctx, { id, ...(revision ? { revision } : {}) }, { signal: controller.signal });
      } catch (e) {
        pulls.delete(jobId);
        throw e;
      }
      const { plan } = started;
      let last = 0;
      let lastPhase = '';
      const emit = (p: Omit<PullProgress, 'jobId' | 'id' | 'commit'>) => {
        const now = Date.now();
        if (p.state === 'running' && p.phase === lastPhase && now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        lastPhase = p.phase;
        ctx.events.emit('models.pullProgress', { jobId, id: plan.id, commit: plan.commit, ...p });
      };
      // The download runs on after the call returns; its end comes as an event.
      void started
        .finish((p) => emit({ state: 'running', phase: p.phase, ...('file' in p && p.file ? { file: p.file } : {}), done: p.done, total: p.total }))
        .then((model) => emit({ state: 'completed', phase: 'done', done: plan.totalBytes, total: plan.totalBytes, model }))
        .catch((e: unknown) => {
          const err = toDomainError(e);
          emit({ state: controller.signal.aborted ? 'cancelled' : 'failed', phase: 'done', done: 0, total: plan.totalBytes, error: err.message, code: err.code });
        })
        .finally(() => pulls.delete(jobId));
      return {
        jobId,
        id: plan.id,
        revision: plan.revision,
        commit: plan.commit,
        files: plan.files.map((f) => ({ name: f.name, size: f.size })),
        totalBytes: plan.totalBytes,
        present: plan.present,
        licence: licenceLine(plan.id, plan.entry),
      };
    },
    'models.pullCancel': async ({ jobId }) => {
      const job = pulls.get(jobId);
      job?.controller.abort();
      return { cancelled: !!job };
    },
    'models.try': async ({ id, path, topk }) => {
      const m = registry.get(id);
      if (!m) throw new DomainError('not-found', `no model with id ${id}`);
      if (!m.available) throw new DomainError('not-found', `${m.dir}: the folder of model "${m.name}" is gone`);
      return { model: { id: m.id, name: m.name }, ...(await tryModelOnImage(m.dir, path, { cacheDir: onnxCacheDir(ctx.home.root), topk, executionProviders: await settingProviders() })) };
    },
    'engine.info': async () => engineStatus(pinOf(ctx.settings.get().engine.provider, undefined)),
  };
}
