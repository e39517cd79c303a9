/**
 * Bringing a cohort's results into the data home: each done slide becomes a slide of the library
 * and a completed analysis with its tile predictions (so the viewer shows its heatmaps), stored
 * under the parameters the task resolved. An analysis already there for the same slide hash,
 * model hash and parameters is kept as it is, so collecting twice changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TileGrid } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { aggregate, DEFAULT_AGGREGATE } from '../analysis/aggregate.js';
import { resolveModel } from '../analysis/models.js';
import { summarize } from '../analysis/run-analysis.js';
import { analysisService } from '../analysis/service.js';
import { DomainError, oneLine } from '../errors.js';
import { cohortCsv, type CohortSlide as CsvSlide } from '../reports/cohort-data.js';
import { modelCard } from '../reports/model-card.js';
import { slideFacts, type SlideFacts } from '../reports/slide-data.js';
import type { PredictionRow, StoredParams } from '../store/analysis-repo.js';
import { readManifest, resultDir, type DoneMarker } from './manifest.js';
import { cohortStatus } from './status.js';
import { PREDICTIONS_FILE } from './task.js';

export interface CollectedSlide {
  index: number;
  path: string;
  slideId: number | null;
  analysisId: number | null;
  /** True when this collect stored the analysis; false when it was already in the data home. */
  imported: boolean;
  error: string | null;
}

export interface CollectResult {
  dir: string;
  slides: CollectedSlide[];
  imported: number;
  kept: number;
  failed: number;
  csv: string;
}

type TileTuple = [number, number, number, number, number, number, number[]];

async function readPredictions(dir: string): Promise<{ grid: TileGrid; tiles: PredictionRow[] }> {
  const file = join(dir, PREDICTIONS_FILE);
  let json: { grid: TileGrid; tiles: TileTuple[] };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new DomainError('corrupt', `${file}: missing or not valid JSON`);
  }
  return { grid: json.grid, tiles: json.tiles.map(([x, y, w, h, tissue, label, probs]) => ({ x, y, w, h, tissue, label, probs: Float32Array.from(probs) })) };
}

export async function collectCohort(ctx: AppContext, dir: string, opts: { onProgress?(done: number, total: number, note: string): void } = {}): Promise<CollectResult> {
  const m = await readManifest(dir);
  const svc = analysisService(ctx);
  const model = await resolveModel(svc.repo, m.model.dir, ctx.home.models);
  if (model.hash !== m.model.hash) throw new DomainError('conflict', `${m.model.dir} changed since the cohort ran (its results are of another model)`);
  const status = await cohortStatus(dir, { manifest: m });
  const slides: CollectedSlide[] = [];
  const rows: CsvSlide[] = [];
  for (const st of status.slides) {
    opts.onProgress?.(slides.length, status.slides.length, basename(m.slides[st.index]!.path));
    const s = m.slides[st.index]!;
    const fallbackFacts = { id: null, name: basename(s.path), path: s.path, contentHash: s.hash ?? '' } as unknown as SlideFacts;
    if (st.state !== 'done') {
      const error = st.error ?? `not done (${st.state})`;
      slides.push({ index: st.index, path: s.path, slideId: null, analysisId: null, imported: false, error });
      rows.push({ slide: fallbackFacts, analysisId: null, tissueTiles: 0, slideLabel: null, confidence: null, classFractions: null, error });
      continue;
    }
    try {
      const out = resultDir(dir, st.index);
      const marker = JSON.parse(await readFile(join(out, 'done.json'), 'utf8')) as DoneMarker;
      const slide = await ctx.slides.ensure(s.path);
      if (slide.contentHash !== marker.slideHash) throw new DomainError('conflict', `${s.path} changed since its task ran`);
      if (s.slideMpp !== null && svc.slideMpp(slide) !== s.slideMpp) svc.setSlideMpp(slide.id, s.slideMpp);
      const params = marker.storedParams as unknown as StoredParams;
      let a = svc.repo.find(slide.id, model.hash, params);
      let imported = false;
      if (a?.status !== 'completed') {
        const { grid, tiles } = await readPredictions(out);
        ctx.db.transaction(() => {
          // An unfinished analysis of the same slide, model and parameters is replaced by the cohort's complete one.
          if (a && a.status !== 'running') svc.repo.remove(a.id);
          else if (a) throw new DomainError('conflict', `analysis ${a.id} of ${s.path} is running in this data home; collect again when it ends`);
          const created = svc.repo.create({ slideId: slide.id, model, params, status: 'running', pid: process.pid });
          svc.repo.setGrid(created.id, grid);
          svc.repo.insertPredictions(created.id, tiles);
          const seconds = svc.repo.addSeconds(created.id, marker.seconds);
          svc.repo.setSummary(created.id, summarize(svc.repo, created.id, model.labels, seconds));
          svc.repo.finish(created.id, process.pid, 'completed');
          a = svc.repo.get(created.id);
        })();
        imported = true;
      }
      const label = aggregate(svc.repo.predictions(a!.id), model.labels, DEFAULT_AGGREGATE);
      slides.push({ index: st.index, path: s.path, slideId: slide.id, analysisId: a!.id, imported, error: null });
      rows.push({ slide: slideFacts(ctx.slides.require(slide.id)), analysisId: a!.id, tissueTiles: label.tissueTiles, slideLabel: label.slideLabel, confidence: label.confidence, classFractions: label.classFractions, error: null });
    } catch (e) {
      const error = oneLine((e as Error).message);
      slides.push({ index: st.index, path: s.path, slideId: null, analysisId: null, imported: false, error });
      rows.push({ slide: fallbackFacts, analysisId: null, tissueTiles: 0, slideLabel: null, confidence: null, classFractions: null, error });
    }
  }
  const csv = cohortCsv({ model: await modelCard(ctx.db, model), labels: model.labels, slides: rows, analysed: 0 });
  return {
    dir,
    slides,
    imported: slides.filter((s) => s.imported).length,
    kept: slides.filter((s) => s.analysisId !== null && !s.imported).length,
    failed: slides.filter((s) => s.error !== null).length,
    csv,
  };
}
