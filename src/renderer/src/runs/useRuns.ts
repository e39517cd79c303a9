/**
 * The run list, kept current: training.progress events say a run moved, and the list is re-read
 * (at most once a second, since a training run sends several events a second).
 */
import { useRef } from 'react';
import { api } from '../api';
import { useListLoad } from '../shell/useListLoad';

const REFRESH_MS = 1000;
/** Runs trained by another process (the CLI) send this app no events; while any is active the list is polled. */
const QUIET_POLL_MS = 5000;

export function useRuns() {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastRead = useRef(0);
  const active = useRef(false);

  const { items: runs, error, refresh } = useListLoad(
    () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      lastRead.current = Date.now();
      return api.call('runs.list', {}).then((list) => {
        active.current = list.some((r) => r.status === 'running' || r.status === 'queued');
        return list;
      });
    },
    (refresh) => {
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
        if (timer.current) clearTimeout(timer.current);
        timer.current = null;
      };
    },
  );

  return { runs, error, refresh };
}
