/**
 * A list page's list: read on mount, re-read by `refresh` and by whatever `subscribe` hooks
 * refresh to (a server event, a timer), with only the latest request allowed to land when reads
 * overlap (events come in bursts, and responses can arrive out of order). `load` and `subscribe`
 * are read through a ref, so they may be fresh closures on every render. Pairs with ListLoadState.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api';

export function useListLoad<T>(load: () => Promise<T[]>, subscribe?: (refresh: () => void) => () => void) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const latest = useRef({ load, subscribe });
  latest.current = { load, subscribe };

  const refresh = useCallback(() => {
    const mine = ++generation.current;
    latest.current.load().then(
      (list) => {
        if (mine !== generation.current) return;
        setItems(list);
        setError(null);
      },
      (err) => mine === generation.current && setError(errorMessage(err)),
    );
  }, []);

  useEffect(() => {
    refresh();
    const off = latest.current.subscribe?.(refresh);
    return () => {
      generation.current++;
      off?.();
    };
  }, [refresh]);

  return { items, error, refresh };
}
