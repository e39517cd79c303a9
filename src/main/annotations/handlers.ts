import type { HandlersFor } from '../../shared/api.js';
import type { annotationCalls } from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';

export function createAnnotationHandlers(_ctx: AppContext): HandlersFor<typeof annotationCalls> {
  return {};
}
