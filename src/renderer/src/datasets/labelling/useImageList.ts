/**
 * The grid's data: the ids a filter selects, in order (one query, however many images), and the
 * details of those on screen, fetched by id as they scroll into view and cached. Positions stay
 * put while the user labels (a relabelled image does not jump out of a label filter until the
 * list is reloaded), and the cache is patched from each step's changes instead of refetched.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallInput } from '@shared/api';
import type { DatasetImage, LabelStep } from '@shared/contract/datasets';
import { api, errorMessage } from '../../api';

/** The server takes up to 1000 ids per call; smaller chunks come back sooner while scrolling. */
const CHUNK = 300;

export function useImageList(query: CallInput<'datasets.imageIds'>) {
  const [ids, setIds] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const items = useRef(new Map<number, DatasetImage>());
  const inflight = useRef(new Set<number>());
  // Bumped whenever the cache is dropped, so answers to older requests are thrown away.
  const generation = useRef(0);
  const key = JSON.stringify(query);
  const queryRef = useRef(query);
  queryRef.current = query;
  const [reloads, setReloads] = useState(0);

  const bump = () => setVersion((v) => v + 1);

  // Suggestions in the cache belong to one prediction set; another set (or a rerun) invalidates them.
  const cacheKey = `${query.id}:${query.modelHash ?? ''}:${reloads}`;
  const lastCacheKey = useRef(cacheKey);
  if (lastCacheKey.current !== cacheKey) {
    lastCacheKey.current = cacheKey;
    items.current = new Map();
    inflight.current = new Set();
    generation.current++;
  }

  useEffect(() => {
    let live = true;
    setIds(null);
    setError(null);
    api.call('datasets.imageIds', queryRef.current).then(
      (r) => live && setIds(r.ids),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [key, reloads]);

  /** Makes sure the images at list positions [first, last] are (being) fetched. */
  const ensure = useCallback((first: number, last: number) => {
    if (!ids) return;
    const missing = ids.slice(Math.max(0, first), last + 1).filter((id) => !items.current.has(id) && !inflight.current.has(id));
    const gen = generation.current;
    const { id: datasetId, modelHash } = queryRef.current;
    for (let i = 0; i < missing.length; i += CHUNK) {
      const chunk = missing.slice(i, i + CHUNK);
      chunk.forEach((id) => inflight.current.add(id));
      api.call('datasets.images', { id: datasetId, ids: chunk, ...(modelHash ? { modelHash } : {}) }).then(
        (r) => {
          if (gen !== generation.current) return;
          for (const item of r.items) items.current.set(item.id, item);
          chunk.forEach((id) => inflight.current.delete(id));
          bump();
        },
        (err) => {
          if (gen !== generation.current) return;
          chunk.forEach((id) => inflight.current.delete(id));
          setError(errorMessage(err));
        },
      );
    }
  }, [ids]);

  /** Applies a labelling step's changes to the cached images. */
  const patch = useCallback((changes: LabelStep['changes']) => {
    let touched = false;
    for (const c of changes) {
      for (const id of c.imageIds) {
        const item = items.current.get(id);
        if (item && item.label !== c.label) {
          items.current.set(id, { ...item, label: c.label });
          touched = true;
        }
      }
    }
    if (touched) bump();
  }, []);

  const reload = useCallback(() => setReloads((r) => r + 1), []);

  return { ids, error, item: (id: number) => items.current.get(id), ensure, patch, reload };
}
