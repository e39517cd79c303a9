/**
 * The labelling calls (label, accept suggestions, undo, redo, add a class) and the history state.
 * Calls run one after another in the order the user made them: a quick "2, 3, Ctrl+Z" must
 * reach the server in that order, or undo would revert the wrong step.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LabelHistoryState, LabelStep } from '@shared/contract/datasets';
import { api, errorMessage } from '../../api';

const idle: LabelHistoryState = { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };

export function useLabelSteps(datasetId: number, onStep: (step: LabelStep, kind: 'label' | 'undo' | 'redo') => void) {
  const [history, setHistory] = useState<LabelHistoryState>(idle);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(0);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const onStepRef = useRef(onStep);
  onStepRef.current = onStep;

  useEffect(() => {
    api.call('datasets.history', { datasetId }).then(setHistory, () => undefined);
  }, [datasetId]);

  const enqueue = useCallback(<T,>(work: () => Promise<T>): Promise<T | null> => {
    setPending((n) => n + 1);
    const next = queue.current.then(work).then(
      (r) => r,
      (err) => {
        setError(errorMessage(err));
        // A refused step (a conflict) clears the server's history; show what it is now.
        api.call('datasets.history', { datasetId }).then(setHistory, () => undefined);
        return null;
      },
    );
    queue.current = next.finally(() => setPending((n) => n - 1));
    return next;
  }, [datasetId]);

  const run = useCallback(
    (kind: 'label' | 'undo' | 'redo', call: () => Promise<LabelStep>) =>
      enqueue(async () => {
        const step = await call();
        setHistory({ canUndo: step.canUndo, canRedo: step.canRedo, undoLabel: step.undoLabel, redoLabel: step.redoLabel });
        if (step.applied) onStepRef.current(step, kind);
        return step;
      }),
    [enqueue],
  );

  return {
    history,
    busy: pending > 0,
    error,
    clearError: () => setError(null),
    setLabel: (imageIds: number[], label: string | null) =>
      imageIds.length ? run('label', () => api.call('datasets.setLabel', { datasetId, imageIds, label })) : Promise.resolve(null),
    accept: (imageIds: number[], modelHash: string) =>
      imageIds.length ? run('label', () => api.call('datasets.acceptPredictions', { datasetId, imageIds, modelHash })) : Promise.resolve(null),
    undo: () => run('undo', () => api.call('datasets.undo', { datasetId })),
    redo: () => run('redo', () => api.call('datasets.redo', { datasetId })),
    addClass: (name: string) => enqueue(() => api.call('datasets.addClass', { datasetId, name })),
  };
}
