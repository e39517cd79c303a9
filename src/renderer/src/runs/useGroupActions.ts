/**
 * Stopping and resuming a cross-validation or sweep from a table or panel: the calls, and the
 * last one's error to show. A resumed group's progress comes back as training.groupProgress
 * events (useRunGroups).
 */
import { useState } from 'react';
import { api, errorMessage } from '../api';

export function useGroupActions() {
  const [error, setError] = useState<string | null>(null);
  const cancel = (id: number) => {
    setError(null);
    api.call('runs.cancelGroup', { id }).catch((e) => setError(errorMessage(e)));
  };
  const resume = (id: number) => {
    setError(null);
    api.call('runs.resumeGroup', { id }).catch((e) => setError(errorMessage(e)));
  };
  return { cancel, resume, error };
}
