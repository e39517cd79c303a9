/** What a report's data collector gets from the service: a way to report progress, and to be stopped. */
import type { ReportProgress } from '../../shared/contract/reports.js';

export interface ReportJob {
  readonly id: number;
  readonly signal: AbortSignal;
  progress(phase: ReportProgress['phase'], done: number, total: number, message?: string): void;
}

export class ReportCancelled extends Error {
  constructor() {
    super('report cancelled');
    this.name = 'ReportCancelled';
  }
}

export function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ReportCancelled();
}
