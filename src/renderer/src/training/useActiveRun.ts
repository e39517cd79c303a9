/**
 * Which run the Training page follows. On mount (so a reload, or coming back to the page, finds it
 * again) that is a running run, else a queued one; a run just started here takes over; and a run
 * that starts elsewhere (resumed from the Runs page, the CLI) is picked up once ours has ended.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';

export function useActiveRun(): { runId: number | null; follow: (id: number) => void } {
  const [runId, setRunId] = useState<number | null>(null);
  const current = useRef<{ id: number | null; ended: boolean }>({ id: null, ended: true });
  const chosen = useRef(false);

  const follow = useCallback((id: number) => {
    chosen.current = true;
    current.current = { id, ended: false };
    setRunId(id);
  }, []);

  useEffect(() => {
    let live = true;
    (async () => {
      const running = await api.call('runs.list', { status: 'running' }).catch(() => []);
      const candidates = running.length ? running : await api.call('runs.list', { status: 'queued' }).catch(() => []);
      // a run started while we were asking wins over what we found
      if (live && !chosen.current && candidates.length) follow(candidates[0].id);
    })();
    const off = api.on('training.progress', (p) => {
      const active = p.status === 'running' || p.status === 'queued';
      if (p.runId === current.current.id) current.current.ended = !active;
      else if (active && (current.current.id === null || current.current.ended)) follow(p.runId);
    });
    return () => {
      live = false;
      off();
    };
  }, [follow]);

  return { runId, follow };
}
