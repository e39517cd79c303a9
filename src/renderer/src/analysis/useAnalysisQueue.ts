/**
 * Every analysis (or those with one status) for the queue view, patched live from
 * analysis.progress and refetched when an event names an analysis the list does not hold yet.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Analysis, AnalysisProgress, AnalysisStatus } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';

export function useAnalysisQueue(active: boolean, status: AnalysisStatus | null) {
  const [analyses, setAnalyses] = useState<Analysis[] | null>(null);
  const [progress, setProgress] = useState<Map<number, AnalysisProgress>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const known = useRef(new Map<number, AnalysisStatus>());

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const list = await api.call('analysis.list', status ? { status } : {});
      if (mine !== generation.current) return;
      known.current = new Map(list.map((a) => [a.id, a.status]));
      setAnalyses(list);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError(errorMessage(err));
    }
  }, [status]);

  useEffect(() => {
    if (!active) return;
    void refresh();
    let pending = 0;
    const off = api.on('analysis.progress', (p) => {
      setProgress((m) => new Map(m).set(p.analysisId, p));
      const was = known.current.get(p.analysisId);
      if (was === p.status) {
        setAnalyses((list) => list?.map((a) => (a.id === p.analysisId ? { ...a, done: p.done, total: p.total ?? a.total } : a)) ?? list);
        return;
      }
      // A new row or a change of status (summary, queue positions): refetch, at most twice a second.
      known.current.set(p.analysisId, p.status);
      if (!pending) pending = window.setTimeout(() => ((pending = 0), void refresh()), 500);
    });
    return () => {
      off();
      clearTimeout(pending);
      generation.current++;
    };
  }, [active, refresh]);

  return { analyses, progress, error, refresh };
}
