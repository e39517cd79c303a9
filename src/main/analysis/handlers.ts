/** The analysis.* calls: thin wrappers over the context's AnalysisService. */
import type { HandlersFor } from '../../shared/api.js';
import type { analysisCalls } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { analysisService } from './service.js';

/** Errors about what the caller asked for (a label that does not exist, a region off the slide). */
const CALLER_ERRORS = /not one of the model's labels|outside the|explain at most|no such (file|checkpoint)|not a built-in architecture|no config\.json/;

async function asked<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof DomainError) && e instanceof Error && CALLER_ERRORS.test(e.message)) throw new DomainError('invalid-input', e.message);
    throw e;
  }
}

export function createAnalysisHandlers(ctx: AppContext): HandlersFor<typeof analysisCalls> {
  const svc = () => analysisService(ctx);
  return {
    'analysis.tissue': async ({ slideId, tissue }) => svc().tissue(slideId, tissue),
    'analysis.setSlideMpp': async ({ slideId, mpp }) => {
      const r = svc().setSlideMpp(slideId, mpp);
      // The viewer's scale bar and ruler, the library and the metadata panel follow at once.
      ctx.events.emit('slides.changed', {});
      return r;
    },
    'analysis.plan': ({ slideId, model, params }) => asked(() => svc().plan(slideId, model, params)),
    'analysis.enqueue': async ({ slideIds, model, params }) => ({ analyses: await asked(() => svc().enqueue(slideIds, model, params)) }),
    'analysis.cancel': async ({ id }) => ({ cancelled: await svc().cancel(id) }),
    'analysis.resume': async ({ id }) => svc().resume(id),
    'analysis.list': async (filter) => svc().list(filter),
    'analysis.get': async ({ id }) => svc().get(id),
    'analysis.remove': async ({ id }) => ({ removed: await svc().remove(id) }),
    'analysis.tiles': async ({ id, bbox, limit }) => svc().tiles(id, bbox, limit),
    'analysis.slideLabel': async ({ id, ...opts }) => svc().slideLabel(id, opts),
    'analysis.export': async ({ id, dir, heatmapClass }) => svc().exportTo(id, dir, heatmapClass),
    'analysis.explain': (req) => asked(() => svc().explain(req)),
  };
}
