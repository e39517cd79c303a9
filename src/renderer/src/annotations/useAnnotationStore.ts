/**
 * One slide's annotations, the shared class list and the slide's undo state, kept in step with
 * the server, which is the source of truth: every edit is sent at once and the local copy is
 * patched from what the call returns (or refetched when a call may touch many shapes).
 * Calls run one after another, so "draw, then undo" can never reach the server reversed.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ANNOTATION_PAGE_LIMIT, type Annotation, type AnnotationClass, type AnnotationPage, type Geometry, type HistoryState } from '@shared/contract/annotations';
import { api, errorMessage } from '../api';

const noHistory: HistoryState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };

export interface ImportSummary {
  imported: number;
  added: number;
  replaced: number;
  classesAdded: string[];
}

export interface AnnotationStore {
  annotations: Annotation[];
  classes: AnnotationClass[];
  history: HistoryState;
  loaded: boolean;
  /** The last failure, in words, until dismissed or the next success of the same kind. */
  error: string | null;
  dismissError: () => void;
  create: (geometry: Geometry, classId: number | null) => Promise<Annotation | null>;
  updateGeometry: (id: string, geometry: Geometry) => Promise<void>;
  assignClass: (ids: string[], classId: number | null) => Promise<void>;
  remove: (ids: string[]) => Promise<void>;
  undo: () => Promise<string[]>;
  redo: () => Promise<string[]>;
  addClass: (name: string, color: string) => Promise<AnnotationClass | null>;
  editClass: (id: number, change: { name?: string; color?: string }) => Promise<void>;
  importGeojson: (text: string) => Promise<ImportSummary | null>;
  exportGeojson: () => Promise<{ geojson: string; count: number } | null>;
}

export function useAnnotationStore(slideId: number): AnnotationStore {
  const [annotations, setAnnotations] = useState<Annotation[]>([]);
  const [classes, setClasses] = useState<AnnotationClass[]>([]);
  const [history, setHistory] = useState<HistoryState>(noHistory);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const live = useRef(true);

  /** Runs `task` after every earlier call has settled; a failure becomes `error` and `fallback`. */
  const serial = useCallback(<T,>(what: string, task: () => Promise<T>, fallback: T): Promise<T> => {
    const next = queue.current.then(task).then(
      (value) => value,
      (err: unknown) => {
        if (live.current) setError(`${what}: ${errorMessage(err)}`);
        return fallback;
      },
    );
    queue.current = next;
    return next;
  }, []);

  // Page by page (a whole-slide import can hold a million vertices); shown once complete, so a
  // refetch never flashes a half list.
  const fetchList = useCallback(async () => {
    const list: Annotation[] = [];
    let offset: number | null = 0;
    while (offset !== null && live.current) {
      const page: AnnotationPage = await api.call('annotations.list', { slideId, offset, limit: ANNOTATION_PAGE_LIMIT });
      list.push(...page.annotations);
      offset = page.nextOffset;
    }
    if (live.current) setAnnotations(list);
  }, [slideId]);

  const fetchClasses = useCallback(async () => {
    const list = await api.call('annotations.classes', {});
    if (live.current) setClasses(list);
  }, []);

  const fetchHistory = useCallback(async () => {
    const state = await api.call('annotations.history', { slideId });
    if (live.current) setHistory(state);
  }, [slideId]);

  useEffect(() => {
    live.current = true;
    void serial(
      'Could not load annotations',
      async () => {
        await Promise.all([fetchList(), fetchClasses(), fetchHistory()]);
        if (live.current) setLoaded(true);
      },
      undefined,
    );
    return () => {
      live.current = false;
    };
  }, [serial, fetchList, fetchClasses, fetchHistory]);

  const upsert = useCallback((a: Annotation) => {
    setAnnotations((list) => {
      const i = list.findIndex((x) => x.id === a.id);
      if (i < 0) return [...list, a];
      const next = list.slice();
      next[i] = a;
      return next;
    });
  }, []);

  const create = useCallback(
    (geometry: Geometry, classId: number | null) =>
      serial(
        'Could not save the new shape',
        async () => {
          const a = await api.call('annotations.create', { slideId, geometry, classId });
          if (live.current) upsert(a);
          await fetchHistory();
          return a;
        },
        null,
      ),
    [serial, slideId, upsert, fetchHistory],
  );

  const updateGeometry = useCallback(
    (id: string, geometry: Geometry) =>
      serial(
        'Could not save the change',
        async () => {
          try {
            upsert(await api.call('annotations.update', { slideId, id, geometry }));
          } catch (err) {
            // Show what the server still holds rather than the dragged copy.
            await fetchList().catch(() => undefined);
            throw err;
          }
          await fetchHistory();
        },
        undefined,
      ),
    [serial, slideId, upsert, fetchHistory, fetchList],
  );

  const assignClass = useCallback(
    (ids: string[], classId: number | null) =>
      serial(
        'Could not set the class',
        async () => {
          for (const id of ids) {
            const a = await api.call('annotations.update', { slideId, id, classId });
            if (live.current) upsert(a);
          }
          await Promise.all([fetchHistory(), fetchClasses()]);
        },
        undefined,
      ),
    [serial, slideId, upsert, fetchHistory, fetchClasses],
  );

  const remove = useCallback(
    (ids: string[]) =>
      serial(
        'Could not delete',
        async () => {
          const { deleted } = await api.call('annotations.delete', { slideId, ids });
          const gone = new Set(deleted);
          if (live.current) setAnnotations((list) => list.filter((a) => !gone.has(a.id)));
          await Promise.all([fetchHistory(), fetchClasses()]);
        },
        undefined,
      ),
    [serial, slideId, fetchHistory, fetchClasses],
  );

  const step = useCallback(
    (direction: 'undo' | 'redo') =>
      serial(
        direction === 'undo' ? 'Could not undo' : 'Could not redo',
        async () => {
          const result = await api.call(direction === 'undo' ? 'annotations.undo' : 'annotations.redo', { slideId });
          if (live.current) setHistory({ canUndo: result.canUndo, canRedo: result.canRedo, undoLabel: result.undoLabel, redoLabel: result.redoLabel });
          // A step can restore, remove or reshape any number of shapes (an undone import): refetch.
          if (result.applied) await Promise.all([fetchList(), fetchClasses()]);
          return result.changed;
        },
        [] as string[],
      ),
    [serial, slideId, fetchList, fetchClasses],
  );
  const undo = useCallback(() => step('undo'), [step]);
  const redo = useCallback(() => step('redo'), [step]);

  const addClass = useCallback(
    (name: string, color: string) =>
      serial(
        'Could not add the class',
        async () => {
          const c = await api.call('annotations.setClass', { name, color });
          await fetchClasses();
          return c;
        },
        null,
      ),
    [serial, fetchClasses],
  );

  const editClass = useCallback(
    (id: number, change: { name?: string; color?: string }) =>
      serial(
        'Could not change the class',
        async () => {
          await api.call('annotations.setClass', { id, ...change });
          // Shapes carry their class name; a rename shows up in them only after a refetch.
          await Promise.all([fetchClasses(), change.name !== undefined ? fetchList() : undefined]);
        },
        undefined,
      ),
    [serial, fetchClasses, fetchList],
  );

  const importGeojson = useCallback(
    (text: string) =>
      serial(
        'Could not import',
        async () => {
          const r = await api.call('annotations.import', { slideId, geojson: text });
          await Promise.all([fetchList(), fetchClasses(), fetchHistory()]);
          return { imported: r.imported, added: r.added, replaced: r.replaced, classesAdded: r.classesAdded };
        },
        null,
      ),
    [serial, slideId, fetchList, fetchClasses, fetchHistory],
  );

  const exportGeojson = useCallback(
    () =>
      serial(
        'Could not export',
        () => api.call('annotations.export', { slideId }),
        null,
      ),
    [serial, slideId],
  );

  const dismissError = useCallback(() => setError(null), []);

  return useMemo(
    () => ({
      annotations,
      classes,
      history,
      loaded,
      error,
      dismissError,
      create,
      updateGeometry,
      assignClass,
      remove,
      undo,
      redo,
      addClass,
      editClass,
      importGeojson,
      exportGeojson,
    }),
    [annotations, classes, history, loaded, error, dismissError, create, updateGeometry, assignClass, remove, undo, redo, addClass, editClass, importGeojson, exportGeojson],
  );
}
