/**
 * A cohort: many slides scored by one model. Each slide's stored analysis is used (or run, one
 * slide after another); a slide that cannot be analysed is listed with why, and the rest of the
 * cohort goes on.
 */
import type { AnalysisParamsInput } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { aggregate, DEFAULT_AGGREGATE } from '../analysis/aggregate.js';
import { resolveModel } from '../analysis/models.js';
import { analysisService } from '../analysis/service.js';
import { toCsv } from './csv.js';
import { ensureAnalysis } from './ensure-analysis.js';
import { checkCancelled, ReportCancelled, type ReportJob } from './job.js';
import { engineRunOf, modelCard, type ModelCard } from './model-card.js';
import { slideFacts, type SlideFacts } from './slide-data.js';

export interface CohortSlide {
  slide: SlideFacts;
  analysisId: number | null;
  tissueTiles: number;
  slideLabel: string | null;
  confidence: number | null;
  /** Fraction of tissue tiles per class; null when the slide could not be analysed. */
  classFractions: Record<string, number> | null;
  error: string | null;
}

export interface CohortReportData {
  model: ModelCard;
  labels: string[];
  slides: CohortSlide[];
  /** Analyses run for this report (the rest were stored). */
  analysed: number;
}

export async function collectCohortData(ctx: AppContext, req: { slideIds: number[]; model: string; params?: AnalysisParamsInput }, job: ReportJob): Promise<CohortReportData> {
  const svc = analysisService(ctx);
  const model = await resolveModel(svc.repo, req.model, ctx.home.models);
  const slides: CohortSlide[] = [];
  let analysed = 0;
  for (const [i, slideId] of req.slideIds.entries()) {
    checkCancelled(job.signal);
    const facts = slideFacts(ctx.slides.require(slideId));
    job.progress('collecting', i, req.slideIds.length, facts.name);
    try {
      const { analysis, ran } = await ensureAnalysis(ctx, slideId, req.model, req.params, job, `slide ${i + 1} of ${req.slideIds.length}: `);
      if (ran) analysed++;
      const label = aggregate(svc.repo.predictions(analysis.id), model.labels, DEFAULT_AGGREGATE);
      slides.push({ slide: facts, analysisId: analysis.id, tissueTiles: label.tissueTiles, slideLabel: label.slideLabel, confidence: label.confidence, classFractions: label.classFractions, error: null });
    } catch (e) {
      if (e instanceof ReportCancelled || job.signal.aborted) throw new ReportCancelled();
      slides.push({ slide: facts, analysisId: null, tissueTiles: 0, slideLabel: null, confidence: null, classFractions: null, error: (e as Error).message });
    }
  }
  if (slides.every((s) => s.error !== null)) throw new Error(`no slide of the cohort could be analysed: ${slides[0]?.error ?? ''}`);
  const runs = slides.flatMap((s) => {
    const a = s.analysisId === null ? null : svc.repo.get(s.analysisId);
    return a ? [engineRunOf(a)] : [];
  });
  return { model: await modelCard(ctx.db, model, runs), labels: model.labels, slides, analysed };
}

export function cohortCsv(d: CohortReportData): string {
  return toCsv(
    ['slide_id', 'slide_name', 'file_hash', 'path', 'analysis_id', 'tissue_tiles', 'slide_label', 'confidence', ...d.labels.map((l) => `fraction_${l}`), 'error'],
    d.slides.map((s) => [
      s.slide.id,
      s.slide.name,
      s.slide.contentHash,
      s.slide.path,
      s.analysisId,
      s.error ? null : s.tissueTiles,
      s.slideLabel,
      s.confidence,
      ...d.labels.map((l) => (s.classFractions ? (s.classFractions[l] ?? 0) : null)),
      s.error,
    ]),
  );
}
