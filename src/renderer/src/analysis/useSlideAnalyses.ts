/**
 * The analyses of one slide, kept live by analysis.progress events: the newest is shown at once
 * when the slide opens, its tile predictions are loaded for the overlays (refreshed every few
 * seconds while it runs, so the heatmap fills in), and start/cancel/resume/remove act on it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Analysis, AnalysisParamsInput, AnalysisProgress } from '@shared/contract/analysis';
import { api, errorMessage } from '../api';
import { buildTileData, type TileData } from './tileData';

/** Every tile of the analyses we expect (the contract's ceiling). */
const tileLimit = 200_000;
/** While an analysis runs its tiles are reloaded this often, less often for big ones (100,000 tiles are ~13 MB). */
const runningTileRefreshMs = (total: number | null) => Math.max(4000, ((total ?? 0) / 5000) * 1000);

export interface SlideAnalyses {
  analyses: Analysis[] | null;
  current: Analysis | null;
  select: (id: number) => void;
  /** The latest progress event of the current analysis while it runs (rate and ETA). */
  progress: AnalysisProgress | null;
  tiles: TileData | null;
  tilesError: string | null;
  error: string | null;
  busy: boolean;
  start: (model: string, params: AnalysisParamsInput) => Promise<boolean>;
  cancel: () => Promise<void>;
  resume: () => Promise<void>;
  remove: () => Promise<void>;
}

const finished = (s: Analysis['status']) => s !== 'queued' && s !== 'running';

export function useSlideAnalyses(slideId: number): SlideAnalyses {
  const [analyses, setAnalyses] = useState<Analysis[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [progress, setProgress] = useState<AnalysisProgress | null>(null);
  const [tiles, setTiles] = useState<TileData | null>(null);
  const [tilesError, setTilesError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tilesVersion, setTilesVersion] = useState(0);

  const current = analyses?.find((a) => a.id === selected) ?? analyses?.[0] ?? null;
  const currentId = current?.id ?? null;
  const currentStatus = current?.status ?? null;

  const refreshList = useCallback(async () => {
    try {
      setAnalyses(await api.call('analysis.list', { slideId }));
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [slideId]);

  useEffect(() => {
    void refreshList();
  }, [refreshList]);

  const replace = useCallback((a: Analysis) => {
    setAnalyses((list) => (list ? (list.some((x) => x.id === a.id) ? list.map((x) => (x.id === a.id ? a : x)) : [a, ...list]) : [a]));
  }, []);

  // Progress events patch the row in place; a change of status fetches the whole row (its summary).
  const latest = useRef({ analyses, currentId });
  latest.current = { analyses, currentId };
  useEffect(
    () =>
      api.on('analysis.progress', (p) => {
        if (p.slideId !== slideId) return;
        const { analyses: list, currentId: watched } = latest.current;
        if (p.analysisId === watched) setProgress(p);
        const known = list?.find((a) => a.id === p.analysisId);
        if (known) setAnalyses((l) => l?.map((a) => (a.id === p.analysisId ? { ...a, status: p.status, done: p.done, total: p.total ?? a.total } : a)) ?? l);
        if (!known || known.status !== p.status || (p.total !== null && known.total === null)) {
          api.call('analysis.get', { id: p.analysisId }).then(replace, () => void refreshList());
          if (p.analysisId === watched && finished(p.status)) setTilesVersion((v) => v + 1);
        }
      }),
    [slideId, replace, refreshList],
  );

  useEffect(() => setProgress(null), [currentId]);

  // Tiles of the current analysis: once when it is finished, on a timer while it runs.
  const tilesOf = useRef<number | null>(null);
  useEffect(() => {
    if (tilesOf.current !== currentId) {
      // Another analysis's tiles would be drawn with this one's labels meanwhile.
      tilesOf.current = currentId;
      setTiles(null);
    }
    if (currentId === null) return;
    let stop = false;
    let timer = 0;
    const load = async () => {
      try {
        const a = await api.call('analysis.get', { id: currentId });
        if (stop) return;
        if (a.grid) {
          const res = await api.call('analysis.tiles', { id: currentId, limit: tileLimit });
          if (stop) return;
          setTiles(buildTileData(a.grid, res.labels, res.tiles, res.total, res.truncated));
        } else setTiles(null);
        setTilesError(null);
        if (!finished(a.status)) timer = window.setTimeout(load, runningTileRefreshMs(a.total));
      } catch (err) {
        if (!stop) setTilesError(errorMessage(err));
      }
    };
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
    // The status is a dependency so a resumed analysis starts refreshing again.
  }, [currentId, tilesVersion, currentStatus === 'running' || currentStatus === 'queued']);

  const act = useCallback(async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  const start = useCallback(
    (model: string, params: AnalysisParamsInput) =>
      act(async () => {
        const { analyses: queued } = await api.call('analysis.enqueue', { slideIds: [slideId], model, params });
        const a = queued[0];
        replace(a);
        setSelected(a.id);
        setTilesVersion((v) => v + 1);
      }),
    [act, slideId, replace],
  );

  const cancel = useCallback(async () => {
    if (currentId === null) return;
    await act(async () => {
      await api.call('analysis.cancel', { id: currentId });
      replace(await api.call('analysis.get', { id: currentId }));
    });
  }, [act, currentId, replace]);

  const resume = useCallback(async () => {
    if (currentId === null) return;
    await act(async () => replace(await api.call('analysis.resume', { id: currentId })));
  }, [act, currentId, replace]);

  const remove = useCallback(async () => {
    if (currentId === null) return;
    await act(async () => {
      await api.call('analysis.remove', { id: currentId });
      setSelected(null);
      setAnalyses((list) => list?.filter((a) => a.id !== currentId) ?? null);
    });
  }, [act, currentId]);

  return { analyses, current, select: setSelected, progress, tiles, tilesError, error, busy, start, cancel, resume, remove };
}
