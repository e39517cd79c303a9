/**
 * A report of a slide needs a completed analysis of it with the report's model. A stored one is
 * used as it is; otherwise one is run: in the app through the analysis queue (so it waits its turn
 * like any other and shows in the Analysis page), where no queue runs (the CLI) in this process.
 * Cancelling the report stops the waiting; a queued analysis is left to finish on its own.
 */
import type { Analysis, AnalysisParamsInput } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { resolveModel } from '../analysis/models.js';
import { analysisService } from '../analysis/service.js';
import type { ModelRow } from '../store/analysis-repo.js';
import { checkCancelled, ReportCancelled, type ReportJob } from './job.js';

/** How often the row is re-read while waiting: another process may be the one running it. */
const POLL_MS = 1000;

export interface EnsuredAnalysis {
  analysis: Analysis;
  model: ModelRow;
  /** False when a stored analysis was used. */
  ran: boolean;
}

/** The newest completed analysis of the slide with these weights (with exactly `params` when given). */
export async function storedAnalysis(ctx: AppContext, slideId: number, model: ModelRow, params: AnalysisParamsInput | undefined): Promise<Analysis | null> {
  const svc = analysisService(ctx);
  if (params) {
    const known = svc.repo.find(slideId, model.hash, svc.resolveParams(ctx.slides.require(slideId), model, params));
    return known?.status === 'completed' ? known : null;
  }
  return svc.repo.list({ slideId, status: 'completed' }).find((a) => a.model.hash === model.hash) ?? null;
}

export async function ensureAnalysis(
  ctx: AppContext,
  slideId: number,
  modelRef: string,
  params: AnalysisParamsInput | undefined,
  job: ReportJob,
  label = '',
): Promise<EnsuredAnalysis> {
  const svc = analysisService(ctx);
  const model = await resolveModel(svc.repo, modelRef, ctx.home.models);
  const slide = ctx.slides.require(slideId);
  const stored = await storedAnalysis(ctx, slideId, model, params);
  if (stored) return { analysis: stored, model, ran: false };
  checkCancelled(job.signal);
  const what = `${label}analysing ${slide.name}`;
  job.progress('analysing', 0, 0, what);

  if (!svc.queue.started) {
    const r = await svc.analyze(slideId, modelRef, params, {
      signal: job.signal,
      onProgress: (p) => job.progress('analysing', p.done, p.total ?? 0, what),
    });
    checkCancelled(job.signal);
    if (r.analysis.status !== 'completed') throw new Error(`the analysis of ${slide.name} ended ${r.analysis.status}${r.analysis.error ? `: ${r.analysis.error}` : ''}`);
    return { analysis: r.analysis, model, ran: true };
  }

  const [queued] = await svc.enqueue([slideId], modelRef, params);
  const id = queued!.id;
  const analysis = await new Promise<Analysis>((resolve, reject) => {
    const settle = (f: () => void) => {
      off();
      clearInterval(timer);
      job.signal.removeEventListener('abort', onAbort);
      f();
    };
    const check = () => {
      if (!ctx.db.open) return settle(() => reject(new Error('the app closed while the analysis ran')));
      const a = svc.repo.get(id);
      if (!a) return settle(() => reject(new Error(`the analysis of ${slide.name} was removed`)));
      if (a.status === 'completed') return settle(() => resolve(a));
      if (a.status === 'failed' || a.status === 'cancelled' || a.status === 'interrupted') {
        settle(() => reject(new Error(`the analysis of ${slide.name} ${a.status === 'failed' ? 'failed' : `was ${a.status}`}${a.error ? `: ${a.error}` : ''}`)));
      }
    };
    const off = ctx.events.onAny((name, payload) => {
      if (name !== 'analysis.progress') return;
      const p = payload as { analysisId: number; done: number; total: number | null; status: string };
      if (p.analysisId !== id) return;
      job.progress('analysing', p.done, p.total ?? 0, what);
      if (p.status !== 'running') check();
    });
    const timer = setInterval(check, POLL_MS);
    const onAbort = () => settle(() => reject(new ReportCancelled()));
    job.signal.addEventListener('abort', onAbort, { once: true });
    if (job.signal.aborted) return onAbort();
    check();
  });
  return { analysis, model, ran: true };
}
