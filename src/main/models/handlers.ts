/** The models.* and engine.info calls: the registry and the engine report. */
import type { HandlersFor } from '../../shared/api.js';
import type { modelCalls } from '../../shared/contract/models.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { engineStatus } from '../ml/engine-status.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { builtinModels, ModelRegistry } from './registry.js';

export function createModelHandlers(ctx: AppContext): HandlersFor<typeof modelCalls> {
  const registry = new ModelRegistry(ctx.db, onnxCacheDir(ctx.home.root));
  return {
    'models.list': async () => ({ models: registry.list(), builtins: builtinModels() }),
    'models.import': async ({ path, name }) => registry.import(path, name),
    'models.get': async ({ id }) => {
      const m = registry.detail(id);
      if (!m) throw new DomainError('not-found', `no model with id ${id}`);
      return m;
    },
    'models.remove': async ({ id, force }) => registry.remove(id, force),
    'engine.info': async () => engineStatus(),
  };
}
