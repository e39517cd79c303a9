/** The dataset list; refreshed by the page after an import or a removal (datasets send no events). */
import { api } from '../api';
import { useListLoad } from '../shell/useListLoad';

export function useDatasets() {
  const { items: datasets, error, refresh } = useListLoad(() => api.call('datasets.list', {}));
  return { datasets, error, refresh };
}
