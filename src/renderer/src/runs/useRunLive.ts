/**
 * One run as it trains: its detail, its recorded metrics and the latest training.progress event.
 * Events arrive a few times a second; the run is re-read at most every 1.5 s while steps go by,
 * and at once when an epoch ends or the run changes state, so the curves are the recorded ones
 * (and survive a reload) rather than a copy pieced together from events. While it trains only the
 * epochs after the last finished one are re-read (a long run has many thousands of step values);
 * a change of state (a resume rewrites the epoch it stopped in) reads everything again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MetricPoint, RunDetail, TrainingProgress } from '@shared/contract/training';
import { api, errorCode, errorMessage } from '../api';
import { mergeFrom, openEpoch } from './curves';

const STEP_REFRESH_MS = 1500;
/** A run trained by another process (the CLI) sends this app no events; it is polled instead. */
const QUIET_POLL_MS = 5000;

export interface RunLive {
  run: RunDetail | null;
  metrics: MetricPoint[];
  /**
   * The latest progress event, else the progress stored with the run (a page opened mid-run, a
   * run another process trains); flagged `cancelling` from the first sign of a stop request
   * until the run ends.
   */
  progress: TrainingProgress | null;
  error: { message: string; notFound: boolean } | null;
  refresh: () => void;
}

export function useRunLive(runId: number | null): RunLive {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [metrics, setMetrics] = useState<MetricPoint[]>([]);
  const [progress, setProgress] = useState<TrainingProgress | null>(null);
  const [error, setError] = useState<RunLive['error']>(null);
  const metricsRef = useRef<MetricPoint[]>([]);
  const loaded = useRef(false);
  const statusRef = useRef<string | null>(null);
  // one read at a time; events meanwhile leave a note to read again (in full if any asked for it)
  const inFlight = useRef(false);
  const pending = useRef<'full' | 'since' | null>(null);
  // bumped when the run changes, so a read of the previous run never lands
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFetch = useRef(0);
  const lastEvent = useRef<{ epoch: number; phase: string; status: string } | null>(null);
  // a stop request, once seen, holds until the run ends (a later report may not repeat it)
  const cancelSeen = useRef(false);

  const fetchNow = useCallback(
    (full = true) => {
      if (runId === null) return;
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (inFlight.current) {
        pending.current = full || pending.current === 'full' ? 'full' : 'since';
        return;
      }
      inFlight.current = true;
      lastFetch.current = Date.now();
      const mine = generation.current;
      const from = full || !loaded.current ? null : openEpoch(metricsRef.current);
      const metricsCall = api.call('runs.metrics', from === null ? { id: runId, level: 'all' } : { id: runId, level: 'all', fromEpoch: from });
      const settle = () => {
        inFlight.current = false;
        const again = pending.current;
        pending.current = null;
        if (again) fetchNow(again === 'full');
      };
      Promise.all([api.call('runs.get', { id: runId }), metricsCall]).then(
        ([r, m]) => {
          if (mine !== generation.current) return;
          const next = from === null ? m : mergeFrom(metricsRef.current, from, m);
          metricsRef.current = next;
          loaded.current = true;
          statusRef.current = r.status;
          setRun(r);
          setMetrics(next);
          setError(null);
          settle();
        },
        (err) => {
          if (mine !== generation.current) return;
          setError({ message: errorMessage(err), notFound: errorCode(err) === 'not-found' });
          settle();
        },
      );
    },
    [runId],
  );

  const fetchSoon = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => fetchNow(false), Math.max(0, STEP_REFRESH_MS - (Date.now() - lastFetch.current)));
  }, [fetchNow]);

  useEffect(() => {
    generation.current++;
    inFlight.current = false;
    pending.current = null;
    metricsRef.current = [];
    loaded.current = false;
    statusRef.current = null;
    setRun(null);
    setMetrics([]);
    setProgress(null);
    setError(null);
    lastEvent.current = null;
    cancelSeen.current = false;
    if (runId === null) return;
    fetchNow(true);
    const off = api.on('training.progress', (p) => {
      if (p.runId !== runId) return;
      setProgress(p);
      const prev = lastEvent.current;
      lastEvent.current = { epoch: p.epoch, phase: p.phase, status: p.status };
      if (!prev || prev.status !== p.status || p.status !== 'running') fetchNow(true);
      else if (prev.epoch !== p.epoch || prev.phase !== p.phase) fetchNow(false);
      else fetchSoon();
    });
    const poll = setInterval(() => {
      const status = statusRef.current;
      if ((status === 'running' || status === 'queued') && Date.now() - lastFetch.current >= QUIET_POLL_MS) fetchNow(false);
    }, QUIET_POLL_MS);
    return () => {
      off();
      clearInterval(poll);
      generation.current++;
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [runId, fetchNow, fetchSoon]);

  const refresh = useCallback(() => fetchNow(true), [fetchNow]);
  const underWay = run?.status === 'running' || run?.status === 'queued' || progress?.status === 'running';
  if (!underWay) cancelSeen.current = false;
  else if (progress?.cancelling || run?.progress?.cancelling) cancelSeen.current = true;
  const latest = progress ?? run?.progress ?? null;
  const shown = latest && cancelSeen.current && !latest.cancelling ? { ...latest, cancelling: true } : latest;
  return { run, metrics, progress: shown, error, refresh };
}
