/** One dataset's detail (class counts, splits, errors); `refresh` after anything that changes labels. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetDetail } from '@shared/contract/datasets';
import { api, errorCode, errorMessage } from '../api';

export function useDatasetDetail(datasetId: number) {
  const [detail, setDetail] = useState<DatasetDetail | null>(null);
  const [error, setError] = useState<{ message: string; notFound: boolean } | null>(null);
  const generation = useRef(0);

  const refresh = useCallback(() => {
    const mine = ++generation.current;
    api.call('datasets.get', { id: datasetId }).then(
      (d) => {
        if (mine !== generation.current) return;
        setDetail(d);
        setError(null);
      },
      (err) => mine === generation.current && setError({ message: errorMessage(err), notFound: errorCode(err) === 'not-found' }),
    );
  }, [datasetId]);

  useEffect(() => {
    refresh();
    return () => {
      generation.current++;
    };
  }, [refresh]);

  return { detail, error, refresh };
}
