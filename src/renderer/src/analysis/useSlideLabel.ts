/** analysis.slideLabel for the chosen aggregation, recomputed (debounced) as the controls move. */
import { useEffect, useState } from 'react';
import type { AggregateMethod, SlideLabel } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';

export interface LabelOptions {
  method: AggregateMethod;
  /** topk: tiles per class (>= 1) or a fraction of tissue tiles (< 1). */
  topK: number;
  threshold: number;
  /** With a class here, the slide is that class as soon as its score reaches the threshold. */
  positiveClass: string | null;
}

export const defaultLabelOptions: LabelOptions = { method: 'mean', topK: 0.1, threshold: 0, positiveClass: null };

const debounceMs = 250;

/** `version` changes when the analysis gained tiles, so the label follows a running analysis. */
export function useSlideLabel(analysisId: number | null, options: LabelOptions, version: number) {
  const [label, setLabel] = useState<SlideLabel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { method, topK, threshold, positiveClass } = options;
  useEffect(() => {
    if (analysisId === null) {
      setLabel(null);
      return;
    }
    let stop = false;
    const timer = window.setTimeout(() => {
      api.call('analysis.slideLabel', { id: analysisId, method, topK, threshold, positiveClass: positiveClass ?? undefined }).then(
        (r) => {
          if (stop) return;
          setLabel(r);
          setError(null);
        },
        (err) => !stop && setError(errorMessage(err)),
      );
    }, debounceMs);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [analysisId, method, topK, threshold, positiveClass, version]);
  return { label, error };
}
