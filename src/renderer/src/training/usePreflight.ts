/**
 * The server's pre-flight report on the configuration the form describes, kept current as the
 * form changes (after a short pause), so problems show before the user clicks Start.
 */
import { useEffect, useState } from 'react';
import type { PreflightReport, TrainConfigInput } from '@shared/contract/training';
import { api, errorMessage } from '../api';

const PAUSE_MS = 300;

export function usePreflight(input: TrainConfigInput | null): { report: PreflightReport | null; error: string | null } {
  const [report, setReport] = useState<PreflightReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = input ? JSON.stringify(input) : '';
  useEffect(() => {
    setError(null);
    if (!key) {
      setReport(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.call('training.preflight', JSON.parse(key) as TrainConfigInput).then(
        (r) => live && setReport(r),
        (e) => {
          if (!live) return;
          setReport(null);
          setError(errorMessage(e));
        },
      );
    }, PAUSE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return { report, error };
}
