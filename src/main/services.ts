/**
 * The services of one app context, in one place. Each is created once per context, on first use
 * (looking one up never starts anything). A long-running host (the Electron window, browser
 * mode) calls startServices once at boot and stopServices at exit; the CLI's short-lived commands
 * never start them, so they never take queued work they would abandon on exit.
 */
import type { AppContext } from './app-context.js';
import { analysisService, type AnalysisService } from './analysis/service.js';
import { annotationService, type AnnotationService } from './annotations/service.js';
import { reportService, type ReportService } from './reports/service.js';
import { RunsRepo } from './store/runs-repo.js';
import { reconcileRuns } from './train/liveness.js';

export interface Services {
  analysis: AnalysisService;
  annotations: AnnotationService;
  reports: ReportService;
}

export function services(ctx: AppContext): Services {
  return { analysis: analysisService(ctx), annotations: annotationService(ctx), reports: reportService(ctx) };
}

export interface StartReport {
  /** Analyses queued again at start: interrupted ones, including those whose process had died. */
  resumedAnalyses: number[];
  /** Training runs whose process had died, now marked interrupted (the user resumes them). */
  interruptedRuns: number[];
}

const started = new WeakSet<AppContext>();

/**
 * Takes over what dead processes left in the data home (their running work becomes interrupted),
 * resumes the interrupted analyses and starts the analysis queue. Idempotent per context.
 */
export function startServices(ctx: AppContext): StartReport {
  if (started.has(ctx)) return { resumedAnalyses: [], interruptedRuns: [] };
  started.add(ctx);
  const interruptedRuns = reconcileRuns(new RunsRepo(ctx.db));
  const resumedAnalyses = services(ctx).analysis.start();
  return { resumedAnalyses, interruptedRuns };
}

/** Stops the queue (a running analysis ends interrupted, to resume at the next start) and the report printer. */
export async function stopServices(ctx: AppContext): Promise<void> {
  const s = services(ctx);
  await s.analysis.queue.stop();
  await s.reports.dispose();
}
