/** The dataset list; refreshed by the page after an import or a removal (datasets send no events). */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetSummary } from '@shared/contract/datasets';
import { api, errorMessage } from '../api';

export function useDatasets() {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Only the latest request may win when refreshes overlap.
  const generation = useRef(0);

  const refresh = useCallback(() => {
    const mine = ++generation.current;
    api.call('datasets.list', {}).then(
      (list) => {
        if (mine !== generation.current) return;
        setDatasets(list);
        setError(null);
      },
      (err) => mine === generation.current && setError(errorMessage(err)),
    );
  }, []);

  useEffect(() => {
    refresh();
    return () => {
      generation.current++;
    };
  }, [refresh]);

  return { datasets, error, refresh };
}
