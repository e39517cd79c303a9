import type { HandlersFor } from '../../shared/api.js';
import type { datasetCalls } from '../../shared/contract/datasets.js';
import type { AppContext } from '../app-context.js';

export function createDatasetHandlers(_ctx: AppContext): HandlersFor<typeof datasetCalls> {
  return {};
}
