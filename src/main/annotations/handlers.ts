import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { HandlersFor } from '../../shared/api.js';
import type { annotationCalls } from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';
import { annotationService } from './service.js';

export function createAnnotationHandlers(ctx: AppContext): HandlersFor<typeof annotationCalls> {
  const svc = () => annotationService(ctx);
  return {
    'annotations.list': async ({ slideId, bbox }) => svc().list(slideId, bbox),
    'annotations.create': async ({ slideId, geometry, ...fields }) => svc().create(slideId, geometry, fields),
    'annotations.update': async ({ slideId, id, ...patch }) => svc().update(slideId, id, patch),
    'annotations.delete': async ({ slideId, ids }) => svc().delete(slideId, ids),
    'annotations.undo': async ({ slideId }) => svc().undo(slideId),
    'annotations.redo': async ({ slideId }) => svc().redo(slideId),
    'annotations.history': async ({ slideId }) => svc().historyState(slideId),
    'annotations.classes': async () => svc().classes(),
    'annotations.setClass': async (input) => svc().setClass(input),
    'annotations.import': async ({ slideId, geojson, path }) => {
      svc().historyState(slideId); // a missing slide is the error to report, before reading any file
      const text = geojson ?? (await readFile(resolve(path!), 'utf8'));
      return svc().importGeoJson(slideId, text);
    },
    'annotations.export': async ({ slideId }) => svc().exportGeoJson(slideId),
  };
}
