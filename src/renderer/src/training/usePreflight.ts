/**
 * The server's pre-flight answer on what the form describes (training.preflight for a single run,
 * training.groupPreflight for a cross-validation), kept current as the form changes, after a
 * short pause, so problems show before the user clicks Start. No input (an incomplete form): no
 * answer.
 */
import { useEffect, useState } from 'react';
import type { CallInput, CallOutput } from '@shared/api';
import { api, errorMessage } from '../api';

const PAUSE_MS = 300;

export type PreflightCall = 'training.preflight' | 'training.groupPreflight';

export function usePreflight<K extends PreflightCall>(name: K, input: CallInput<K> | null): { report: CallOutput<K> | null; error: string | null } {
  const [report, setReport] = useState<CallOutput<K> | null>(null);
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
      api.call(name, JSON.parse(key) as CallInput<K>).then(
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
  }, [name, key]);
  return { report, error };
}
