/**
 * Hub pulls in flight, keyed by model id: the latest models.pullProgress of each, so the catalogue
 * row shows its bar and the page can cancel it. A finished pull stays listed (completed, failed or
 * cancelled) until the next pull of that model replaces it, so its outcome can be read.
 */
import { useEffect, useState } from 'react';
import type { PullProgress } from '@shared/contract/models';
import { api } from '../api';

export function usePulls(onFinished: () => void) {
  const [pulls, setPulls] = useState<Record<string, PullProgress>>({});
  useEffect(
    () =>
      api.on('models.pullProgress', (p) => {
        setPulls((prev) => ({ ...prev, [p.id.toLowerCase()]: p }));
        if (p.state !== 'running') onFinished();
      }),
    [onFinished],
  );
  // A small pull can finish before the call that started it returns: its own events, newer than
  // the call's answer, are kept (the answer would put a finished pull back to "running" for good).
  const started = (p: PullProgress) =>
    setPulls((prev) => {
      const key = p.id.toLowerCase();
      return prev[key]?.jobId === p.jobId ? prev : { ...prev, [key]: p };
    });
  return { pulls, started };
}
