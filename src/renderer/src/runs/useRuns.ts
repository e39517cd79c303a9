/**
 * The run list, kept current: training.progress events say a run moved, and the list is re-read
 * (at most once a second, since a training run sends several events a second).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunSummary } from '@shared/contract/training';
import { api, errorMessage } from '../api';

const REFRESH_MS = 1000;
/** Runs trained by another process (the CLI) send this app no events; while any is active the list is polled. */
const QUIET_POLL_MS = 5000;

export function useRuns() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastRead = useRef(0);
  const active = useRef(false);

  const refresh = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const mine = ++generation.current;
    lastRead.current = Date.now();
    api.call('runs.list', {}).then(
      (list) => {
        if (mine !== generation.current) return;
        active.current = list.some((r) => r.status === 'running' || r.status === 'queued');
        setRuns(list);
        setError(null);
      },
      (err) => mine === generation.current && setError(errorMessage(err)),
    );
  }, []);

  useEffect(() => {
    refresh();
    const soon = () => {
      if (!timer.current) timer.current = setTimeout(refresh, REFRESH_MS);
    };
    const offProgress = api.on('training.progress', soon);
    // sent after the event stream reconnects: events may have been missed meanwhile
    const offReconnect = api.on('slides.changed', soon);
    const poll = setInterval(() => {
      if (active.current && Date.now() - lastRead.current >= QUIET_POLL_MS) refresh();
    }, QUIET_POLL_MS);
    return () => {
      clearInterval(poll);
      offProgress();
      offReconnect();
      generation.current++;
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [refresh]);

  return { runs, error, refresh };
}
