/**
 * analysis.plan for the form as it is being filled in (debounced): the tile grid a run would
 * use, or that the slide first needs its µm per pixel.
 */
import { useEffect, useState } from 'react';
import type { AnalysisParamsInput, TileGrid } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';

export interface Plan {
  grid: TileGrid | null;
  needsSlideMpp: boolean;
  message: string | null;
  /** Why the model does not suit the slide's image type (a brightfield model on fluorescence), or null. */
  imageTypeMismatch?: string | null;
  loading: boolean;
  error: string | null;
}

const debounceMs = 400;
const idle: Plan = { grid: null, needsSlideMpp: false, message: null, loading: false, error: null };

/** `version` forces a new plan with the same inputs (after the slide's mpp was set). */
export function usePlan(slideId: number, model: string, params: AnalysisParamsInput | null, version: number | string): Plan {
  const [plan, setPlan] = useState<Plan>(idle);
  const paramsKey = params ? JSON.stringify(params) : null;
  useEffect(() => {
    const ref = model.trim();
    if (!ref || paramsKey === null) {
      setPlan(idle);
      return;
    }
    let stop = false;
    setPlan((p) => ({ ...p, loading: true }));
    const timer = window.setTimeout(() => {
      api.call('analysis.plan', { slideId, model: ref, params: JSON.parse(paramsKey) as AnalysisParamsInput }).then(
        (r) => !stop && setPlan({ ...r, loading: false, error: null }),
        (err) => !stop && setPlan({ ...idle, error: errorMessage(err) }),
      );
    }, debounceMs);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [slideId, model, paramsKey, version]);
  return plan;
}
