import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { HandlersFor } from '../../shared/api.js';
import type { annotationCalls } from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';
import { annotationService } from './service.js';

export function createAnnotationHandlers(ctx: AppContext): HandlersFor<typeof annotationCalls> {
  const svc = () => annotationService(ctx);
  return {
    'annotations.list': async ({ slideId, ...page }) => svc().page(slideId, page),
    'annotations.create': async ({ slideId, geometry, ...fields }) => svc().create(slideId, geometry, fields),
    'annotations.update': async ({ slideId, id, ...patch }) => svc().update(slideId, id, patch),
    'annotations.delete': async ({ slideId, ids }) => svc().delete(slideId, ids),
    'annotations.undo': async ({ slideId }) => svc().undo(slideId),
    'annotations.redo': async ({ slideId }) => svc().redo(slideId),
    'annotations.history': async ({ slideId }) => svc().historyState(slideId),
    'annotations.classes': async () => svc().classes(),
    'annotations.setClass': async (input) => svc().setClass(input),
    'annotations.import': async ({ slideId, geojson, path }) => {
      // Parsed in a worker thread; its phases go out as job.progress so a UI can say what it waits for.
      const jobId = `annotations.import-${randomUUID()}`;
      const progress = (done: number, message: string, state: 'running' | 'completed' | 'failed') =>
        ctx.events.emit('job.progress', { jobId, kind: 'annotations.import', done, total: 2, message, state });
      try {
        const r = await svc().importGeoJsonOffThread(slideId, geojson !== undefined ? { text: geojson } : { path: resolve(path!) }, (phase) =>
          progress(phase === 'parse' ? 0 : 1, phase, 'running'),
        );
        progress(2, 'done', 'completed');
        return r;
      } catch (e) {
        progress(0, 'failed', 'failed');
        throw e;
      }
    },
    'annotations.export': async ({ slideId }) => svc().exportGeoJson(slideId),
  };
}
