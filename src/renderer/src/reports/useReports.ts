/**
 * The report list, kept fresh by `reports.changed` (added, finished, removed) and with the latest
 * `reports.progress` of each report still being made, so bars move without refetching the list.
 */
import { useEffect, useRef, useState } from 'react';
import type { ReportProgress, ReportSummary } from '@shared/contract/reports';
import { api, errorMessage } from '../api';
import { useListLoad } from '../shell/useListLoad';

export function useReports() {
  const [progress, setProgress] = useState<Map<number, ReportProgress>>(new Map());
  const known = useRef<ReportSummary[] | null>(null);
  // Progress events arrive many times a second; each new (report, status) pair refetches once.
  const asked = useRef(new Set<string>());

  const { items: reports, error, refresh } = useListLoad(
    () => api.call('reports.list', {}),
    (refresh) => {
      const offChanged = api.on('reports.changed', refresh);
      const offProgress = api.on('reports.progress', (p) => {
        setProgress((m) => new Map(m).set(p.reportId, p));
        // A status the list does not show yet (a report started elsewhere, or one that just
        // finished) is worth a refetch even if the changed event is still on its way.
        const list = known.current;
        const row = list?.find((r) => r.id === p.reportId);
        const key = `${p.reportId}:${p.status}`;
        if (list && (!row || row.status !== p.status) && !asked.current.has(key)) {
          asked.current.add(key);
          refresh();
        }
      });
      return () => {
        offChanged();
        offProgress();
      };
    },
  );
  known.current = reports;

  return { reports, progress, error, refresh };
}

/** One report followed live: its summary and its latest progress, while `id` is set. */
export function useReport(id: number | null) {
  const [report, setReport] = useState<ReportSummary | null>(null);
  const [progress, setProgress] = useState<ReportProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const status = useRef<ReportSummary['status'] | null>(null);
  status.current = report?.status ?? null;

  useEffect(() => {
    setReport(null);
    setProgress(null);
    setError(null);
    if (id === null) return;
    let stop = false;
    const fetchIt = () =>
      api.call('reports.get', { id }).then(
        (r) => !stop && setReport(r),
        (err) => !stop && setError(errorMessage(err)),
      );
    void fetchIt();
    const offProgress = api.on('reports.progress', (p) => {
      if (p.reportId !== id) return;
      setProgress(p);
      if (status.current !== null && status.current !== p.status) void fetchIt();
    });
    const offChanged = api.on('reports.changed', () => void fetchIt());
    return () => {
      stop = true;
      offProgress();
      offChanged();
    };
  }, [id]);

  return { report, progress, error };
}
