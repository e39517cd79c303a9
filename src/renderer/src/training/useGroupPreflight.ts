/**
 * The server's pre-flight report on the cross-validation the form describes (classes with fewer
 * images or groups than folds, too many heads), kept current as the form changes, after a short
 * pause, as usePreflight does for a single run.
 */
import { useEffect, useState } from 'react';
import type { PreflightFinding } from '@shared/contract/training';
import type { StartGroupInput } from '@shared/contract/run-groups';
import { api, errorMessage } from '../api';

const PAUSE_MS = 300;

export function useGroupPreflight(input: StartGroupInput | null): { findings: PreflightFinding[]; error: string | null } {
  const [findings, setFindings] = useState<PreflightFinding[]>([]);
  const [error, setError] = useState<string | null>(null);
  const key = input ? JSON.stringify(input) : '';
  useEffect(() => {
    setError(null);
    if (!key) {
      setFindings([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.call('training.groupPreflight', JSON.parse(key) as StartGroupInput).then(
        (r) => live && setFindings(r.findings),
        (e) => {
          if (!live) return;
          setFindings([]);
          setError(errorMessage(e));
        },
      );
    }, PAUSE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return { findings, error };
}
