/** How analysis numbers and states read in the panel, the queue and the hover card. */
import type { Analysis, AnalysisStatus } from '@shared/contract/analysis';
import type { MppSource } from '@shared/api';
import { MPP_SOURCE_TEXT, mppWithSource } from '@shared/pixel-size';
import { formatDuration } from '../format';

export const statusLabels: Record<AnalysisStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export const statusColors: Record<AnalysisStatus, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  queued: 'default',
  running: 'info',
  completed: 'success',
  failed: 'error',
  cancelled: 'warning',
  interrupted: 'warning',
};

/** Cancelled, failed and interrupted analyses keep their tiles and can continue. */
export function canResume(a: Pick<Analysis, 'status'>): boolean {
  return a.status === 'cancelled' || a.status === 'failed' || a.status === 'interrupted';
}

export function isActive(a: Pick<Analysis, 'status'>): boolean {
  return a.status === 'queued' || a.status === 'running';
}

/** Whole seconds at least 1 (an estimate has no tenths); the duration format runs use. */
export function formatEta(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  return formatDuration(Math.max(1, Math.round(seconds)));
}

export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "resnet_tiny · 0.5 µm/px" — what distinguishes the analyses of one slide. */
export function describeAnalysis(a: Analysis): string {
  const extras = [`${a.params.targetMpp} µm/px`];
  if (a.params.overlap > 0) extras.push(`overlap ${formatPercent(a.params.overlap)}`);
  return `${a.model.name} · ${extras.join(' · ')}`;
}

/** Objective magnification that corresponds to an mpp, by the 10 µm / mpp convention. */
export function magnificationOf(mpp: number): string {
  const m = 10 / mpp;
  return `${m >= 10 ? m.toFixed(0) : m.toFixed(1).replace(/\.0$/, '')}×`;
}

/**
 * The slide pixel size an analysis's tiles were measured with, and where it came from: "0.5 µm/px,
 * set by the user". When the slide's has changed since, the analysis keeps the one it used and says so.
 */
export function analysisSlideMpp(slideMpp: number, slide: { mpp: { x: number; y: number } | null; mppSource: MppSource | null }): string {
  const now = slide.mpp ? (slide.mpp.x + slide.mpp.y) / 2 : null;
  const text = `${+slideMpp.toPrecision(4)} µm/px`;
  if (now !== null && Math.abs(now - slideMpp) <= 1e-9 * Math.max(1, now) && slide.mppSource) return `${text}, ${MPP_SOURCE_TEXT[slide.mppSource]}`;
  return `${text} (the slide's pixel size when analysed; it is now ${slide.mpp ? mppWithSource(slide.mpp, slide.mppSource) : 'unset'})`;
}
