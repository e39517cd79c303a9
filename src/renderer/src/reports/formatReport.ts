/** How report kinds, states and phases read on the Reports page and in the report dialogs. */
import type { ReportKind, ReportProgress, ReportStatus, ReportSummary } from '@shared/contract/reports';

export const kindLabels: Record<ReportKind, string> = { slide: 'Slide', run: 'Run', cohort: 'Cohort' };

export const kindColors: Record<ReportKind, 'primary' | 'secondary' | 'info'> = { slide: 'primary', run: 'secondary', cohort: 'info' };

export const statusLabels: Record<ReportStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const statusColors: Record<ReportStatus, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  queued: 'default',
  running: 'info',
  completed: 'success',
  failed: 'error',
  cancelled: 'warning',
};

const phaseLabels: Record<ReportProgress['phase'], string> = {
  queued: 'Waiting',
  analysing: 'Analysing the slide',
  collecting: 'Collecting results',
  rendering: 'Writing the PDF',
  done: 'Done',
};

export function isActive(r: Pick<ReportSummary, 'status'>): boolean {
  return r.status === 'queued' || r.status === 'running';
}

/** "Analysing the slide · 120 / 480" — the server's own message wins when it sends one. */
export function describeProgress(p: ReportProgress): string {
  const count = p.total > 0 ? ` · ${Math.round(p.done).toLocaleString('en-US')} / ${Math.round(p.total).toLocaleString('en-US')}` : '';
  const what = p.message ? p.message.charAt(0).toUpperCase() + p.message.slice(1) : phaseLabels[p.phase];
  return `${what}${count}`;
}

/** Percent for a determinate bar, or null while the amount of work is unknown. */
export function progressPercent(p: ReportProgress | undefined): number | null {
  if (!p || p.total <= 0) return null;
  return Math.min(100, (p.done / p.total) * 100);
}

