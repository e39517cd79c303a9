/**
 * Slide analysis for one app context: what the contract's analysis.* calls and the CLI use.
 * One instance per context (analysisService), owning the background queue, which only a
 * long-running host starts (services.ts); looking the service up never starts anything.
 */
import { resolve } from 'node:path';
import type {
  Analysis,
  AnalysisParamsInput as AnalysisParams,
  AnalysisProgress,
  ExplainResult,
  SlideLabel,
  TileGrid,
  TilePrediction,
  TissueParams,
  TissueResult,
} from '../../shared/contract/analysis.js';
import { AnalysisParams as AnalysisParamsSchema } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { AnalysisRepo, toTilePrediction, type ModelRow, type StoredParams } from '../store/analysis-repo.js';
import { SlidesRepo, type StoredSlide } from '../store/slides-repo.js';
import { aggregate, type AggregateOptions } from './aggregate.js';
import { explainInWorker } from './explain-in-worker.js';
import { slideHeatmap, writeExports, type ExportFiles } from './exports.js';
import { modelKey, resolveModel } from './models.js';
import { AnalysisQueue } from './queue.js';
import { engineCacheDir, recoverCrashed, runAnalysis, type RunOptions, type RunResult } from './run-analysis.js';
import { detectTissueLowRes, maskSize, readLowRes, tissueOverlayPng, type RgbImage } from './slide-tissue.js';
import { gridTiles, planGrid, targetMpp } from './tiling.js';
import { imageTypeMismatch, ImageTypeMismatchError, modelImageType } from './image-type-check.js';
import { checkPrecision } from '../ml/emit/quantize.js';
import { pinOf, resolveProvider } from '../ml/engine/providers.js';

/** analysis.progress events go out at most this often per analysis while it runs. */
const PROGRESS_INTERVAL_MS = 250;
/** Low-resolution slide images kept for tissue-parameter tweaking. */
const LOW_RES_CACHE = 4;

export class NeedsMppError extends DomainError {
  constructor(slide: { name: string }) {
    super('invalid-input', `slide "${slide.name}" has no mpp (µm per pixel), so tiles cannot be taken at a resolution; set it (analysis.setSlideMpp, or --slide-mpp in the CLI)`, 'needs-mpp');
  }
}

export class AnalysisService {
  readonly repo: AnalysisRepo;
  readonly slidesRepo: SlidesRepo;
  readonly queue: AnalysisQueue;
  private readonly lowRes = new Map<string, Promise<RgbImage>>();
  private readonly lastProgress = new Map<number, number>();

  constructor(private readonly ctx: AppContext) {
    this.repo = new AnalysisRepo(ctx.db);
    this.slidesRepo = new SlidesRepo(ctx.db);
    this.queue = new AnalysisQueue(
      this.repo,
      (id, signal) => this.run(id, { signal }),
      (id, e) => {
        if (!ctx.db.open) return;
        // A row that failed before it could be claimed would be picked again and again.
        const a = this.repo.get(id);
        if (a?.status === 'queued') this.repo.finish(id, process.pid, 'failed', (e as Error).message);
      },
    );
  }

  private slide(id: number): StoredSlide {
    const s = this.slidesRepo.get(id);
    if (!s) throw new DomainError('not-found', `no slide with id ${id} in the library`);
    return s;
  }

  /** The slide with its image type decided (a slide an older version added has none yet). */
  private async typedSlide(id: number): Promise<StoredSlide> {
    return this.ctx.slides.withImageType(this.slide(id));
  }

  /** Why the model does not suit the slide's kind of image, or null. */
  private async mismatch(s: StoredSlide, model: ModelRow): Promise<string | null> {
    return imageTypeMismatch(s, model, await modelImageType(model.dir));
  }

  /** Refuses a brightfield model on a fluorescence slide (and the reverse) unless the params allow it. */
  private async checkImageType(s: StoredSlide, model: ModelRow, params: AnalysisParams | undefined): Promise<void> {
    if (params?.allowImageTypeMismatch) return;
    const why = await this.mismatch(s, model);
    if (why) throw new ImageTypeMismatchError(why);
  }

  private analysis(id: number): Analysis {
    const a = this.repo.get(id);
    if (!a) throw new DomainError('not-found', `no analysis with id ${id}`);
    return a;
  }

  /** The slide's µm per pixel (the user's value when set), null when unknown. */
  slideMpp(s: StoredSlide): number | null {
    return s.mpp ? (s.mpp.x + s.mpp.y) / 2 : null;
  }

  setSlideMpp(slideId: number, mpp: number | null): { slideId: number; mpp: { x: number; y: number } | null } {
    this.slide(slideId);
    return { slideId, mpp: this.ctx.slides.setMpp(slideId, mpp).mpp };
  }

  private async lowResImage(s: StoredSlide, size: { width: number; height: number }): Promise<RgbImage> {
    const key = `${s.contentHash}:${size.width}x${size.height}:${s.imageType}`;
    let p = this.lowRes.get(key);
    if (!p) {
      p = this.ctx.slides.reader(s.id).then((r) => readLowRes(r, size.width, size.height, s.imageType));
      p.catch(() => this.lowRes.delete(key));
      this.lowRes.set(key, p);
      while (this.lowRes.size > LOW_RES_CACHE) this.lowRes.delete(this.lowRes.keys().next().value!);
    }
    return p;
  }

  private async slideTissue(s: StoredSlide, params: TissueParams) {
    const mpp = this.slideMpp(s);
    const img = await this.lowResImage(s, maskSize(s, mpp, params.maskMpp));
    return detectTissueLowRes(img, s, mpp, params, s.imageType);
  }

  async tissue(slideId: number, params: TissueParams): Promise<TissueResult> {
    const s = await this.typedSlide(slideId);
    const t = await this.slideTissue(s, params);
    return {
      width: t.width,
      height: t.height,
      downsample: t.downsample,
      maskMpp: t.maskMpp,
      thresholds: t.thresholds,
      tissueFraction: t.tissueFraction,
      penFraction: t.penFraction,
      png: (await tissueOverlayPng(t, params.rejectPen)).toString('base64'),
    };
  }

  /** Parameters with every default filled in (the model's training mpp, the slide's mpp). */
  resolveParams(s: StoredSlide, model: ModelRow, params: AnalysisParams | undefined): StoredParams {
    const p = AnalysisParamsSchema.parse(params ?? {});
    const slideMpp = this.slideMpp(s);
    if (slideMpp === null) throw new NeedsMppError(s);
    if (p.precision === 'int8' && model.arch !== 'vit') checkPrecision({ kind: 'resnet' }, 'int8', model.name);
    return {
      targetMpp: targetMpp({ mpp: p.mpp, magnification: p.magnification, trainedMpp: model.trainedMpp }),
      overlap: p.overlap,
      minTissue: p.minTissue,
      tissue: p.tissue,
      slideMpp,
      ...(p.precision === 'int8' ? { precision: 'int8' as const } : {}),
    };
  }

  async plan(
    slideId: number,
    modelRef: string,
    params?: AnalysisParams,
  ): Promise<{ needsSlideMpp: boolean; message: string | null; grid: TileGrid | null; imageTypeMismatch: string | null }> {
    const s = await this.typedSlide(slideId);
    const model = await resolveModel(this.repo, modelRef, this.ctx.home.models);
    const imageTypeMismatch = await this.mismatch(s, model);
    let p: StoredParams;
    try {
      p = this.resolveParams(s, model, params);
    } catch (e) {
      if (e instanceof NeedsMppError) return { needsSlideMpp: true, message: e.message, grid: null, imageTypeMismatch };
      throw e;
    }
    const geometry = planGrid(s, p.slideMpp, p.targetMpp, model.inputSize, p.overlap);
    const tiles = gridTiles(geometry, await this.slideTissue(s, p.tissue));
    return { needsSlideMpp: false, message: null, grid: { ...geometry, tiles: tiles.length, tissueTiles: tiles.filter((t) => t.tissue >= p.minTissue).length }, imageTypeMismatch };
  }

  async enqueue(slideIds: number[], modelRef: string, params?: AnalysisParams): Promise<Analysis[]> {
    const slides: StoredSlide[] = [];
    for (const id of slideIds) slides.push(await this.typedSlide(id));
    const missing = slides.filter((s) => this.slideMpp(s) === null);
    if (missing.length) throw new DomainError('invalid-input', `${missing.map((s) => `"${s.name}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no mpp; set it first (analysis.setSlideMpp)`, 'needs-mpp');
    const model = await resolveModel(this.repo, modelRef, this.ctx.home.models);
    for (const s of slides) await this.checkImageType(s, model, params);
    const out: Analysis[] = [];
    for (const s of slides) {
      const p = this.resolveParams(s, model, params);
      const found = this.repo.find(s.id, model.hash, p);
      // One left 'running' by a process that died is interrupted, and so queued again below.
      if (found) recoverCrashed(this.repo, found.id);
      const known = found && this.repo.get(found.id);
      if (!known) out.push(this.repo.create({ slideId: s.id, model, params: p, status: 'queued' }));
      else {
        if (known.status === 'cancelled' || known.status === 'failed' || known.status === 'interrupted') this.repo.requeue(known.id);
        out.push(this.repo.get(known.id)!);
      }
    }
    this.queue.pump();
    return out.map((a) => this.repo.get(a.id)!);
  }

  /** Runs one stored analysis in this process (the queue's worker, and `tessella slide infer`). */
  async run(id: number, opts: RunOptions = {}): Promise<RunResult> {
    // the engine.provider setting's choice, unless the caller (--provider) says
    let { providers, providerNote } = opts;
    if (!providers) {
      const choice = await resolveProvider(pinOf(this.ctx.settings.get().engine.provider, undefined));
      providers = [choice.chosen];
      if (choice.pinned && !choice.pinned.providers.includes(choice.chosen)) providerNote = choice.reason;
    }
    return runAnalysis({ repo: this.repo, slidesRepo: this.slidesRepo, home: this.ctx.home }, id, {
      ...opts,
      providers,
      ...(providerNote ? { providerNote } : {}),
      onProgress: (p) => {
        this.emitProgress(p);
        opts.onProgress?.(p);
      },
    });
  }

  private emitProgress(p: AnalysisProgress): void {
    const now = Date.now();
    if (p.status === 'running' && now - (this.lastProgress.get(p.analysisId) ?? 0) < PROGRESS_INTERVAL_MS && p.done !== p.total) return;
    this.lastProgress.set(p.analysisId, now);
    if (p.status !== 'running') this.lastProgress.delete(p.analysisId);
    this.ctx.events.emit('analysis.progress', p);
  }

  /**
   * Finds or creates the analysis of a slide with a model and runs it here, now: a completed one
   * is returned as stored, an unfinished one resumes.
   */
  async analyze(slideId: number, modelRef: string, params: AnalysisParams | undefined, opts: RunOptions = {}): Promise<RunResult & { reused: boolean }> {
    const s = await this.typedSlide(slideId);
    const model = await resolveModel(this.repo, modelRef, this.ctx.home.models);
    const p = this.resolveParams(s, model, params);
    await this.checkImageType(s, model, params);
    const known = this.repo.find(s.id, model.hash, p);
    if (known?.status === 'completed') return { analysis: known, cancelled: false, seconds: 0, tiles: 0, tilesPerSecond: 0, engineWaitFraction: 0, reused: true };
    const a = known ?? this.repo.create({ slideId: s.id, model, params: p, status: 'running', pid: process.pid });
    return { ...(await this.run(a.id, opts)), reused: false };
  }

  /** Reconciles dead owners, requeues what they left, and runs the queue in this process (a long-running host). */
  start(): number[] {
    return this.queue.start();
  }

  /** Stops a running analysis, or takes a queued or interrupted one (a dead process's) out of the queue. */
  async cancel(id: number): Promise<boolean> {
    this.analysis(id);
    return this.queue.cancel(id);
  }

  /**
   * Queues an unfinished analysis again, including one whose process died while it ran; a
   * started queue runs it when its turn comes. A completed or live-running one is left as it is.
   */
  resume(id: number): Analysis {
    this.analysis(id);
    recoverCrashed(this.repo, id);
    const a = this.analysis(id);
    if (a.status !== 'completed' && a.status !== 'running' && a.status !== 'queued') this.repo.requeue(id);
    this.queue.pump();
    return this.analysis(id);
  }

  async remove(id: number): Promise<boolean> {
    if (!this.repo.get(id)) return false;
    await this.queue.cancel(id);
    return this.repo.remove(id);
  }

  list(filter: { slideId?: number; status?: Analysis['status'] }): Analysis[] {
    return this.repo.list(filter);
  }

  get(id: number): Analysis {
    return this.analysis(id);
  }

  tiles(id: number, bbox: { minX: number; minY: number; maxX: number; maxY: number } | undefined, limit: number): { labels: string[]; total: number; truncated: boolean; tiles: TilePrediction[] } {
    const a = this.analysis(id);
    const total = this.repo.count(id, bbox);
    const rows = this.repo.predictions(id, { bbox, limit });
    return { labels: a.model.labels, total, truncated: rows.length < total, tiles: rows.map(toTilePrediction) };
  }

  slideLabel(id: number, opts: AggregateOptions): SlideLabel {
    const a = this.analysis(id);
    try {
      return aggregate(this.repo.predictions(id), a.model.labels, opts);
    } catch (e) {
      throw new DomainError('invalid-input', (e as Error).message);
    }
  }

  /** Class `classIndex` of an analysis as a PNG the size of the slide thumbnail (the heatmap resource). */
  async heatmap(id: number, classIndex: number): Promise<Buffer> {
    const a = this.analysis(id);
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= a.model.labels.length) {
      throw new DomainError('not-found', `analysis ${id} has classes 0..${a.model.labels.length - 1}`);
    }
    return (await slideHeatmap(this.repo.predictions(id), classIndex, this.slide(a.slideId))).png;
  }

  async exportTo(id: number, dir: string, heatmapClass?: string, extra?: Record<string, unknown>): Promise<ExportFiles> {
    const a = this.analysis(id);
    const tiles = this.repo.predictions(id);
    try {
      return await writeExports(dir, a, this.slide(a.slideId), tiles, aggregate(tiles, a.model.labels), { heatmapClass, extra });
    } catch (e) {
      if ((e as Error).message.startsWith('heatmap class')) throw new DomainError('invalid-input', (e as Error).message);
      throw e;
    }
  }

  /** Runs in a worker: Grad-CAM (tfjs) and the ViT explain graph would hold the main thread for seconds. */
  async explain(req: { model: string; image?: string; slideId?: number; region?: { x: number; y: number; w: number; h: number }; params?: AnalysisParams; target?: string | number }): Promise<ExplainResult> {
    const common = { model: modelKey(req.model, this.ctx.home.models), engineCacheDir: engineCacheDir(this.ctx.home), ...(req.target !== undefined ? { target: req.target } : {}) };
    if (req.image !== undefined) return explainInWorker({ ...common, image: resolve(req.image) });
    const s = this.slide(req.slideId!);
    const p = this.resolveParams(s, await resolveModel(this.repo, req.model, this.ctx.home.models), req.params);
    return explainInWorker({ ...common, slide: { path: s.path, slideCacheDir: this.ctx.home.slideCache, slideMpp: p.slideMpp, targetMpp: p.targetMpp, region: req.region! } });
  }
}

const services = new WeakMap<AppContext, AnalysisService>();

/** The context's analysis service, created on first use; its queue starts only through services.ts. */
export function analysisService(ctx: AppContext): AnalysisService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new AnalysisService(ctx)));
  return s;
}

/**
 * The heatmap resource: class `classIndex` of analysis `analysisId` as an RGBA PNG the size of the
 * slide thumbnail (512 px on the long side), covering the whole slide. Not immutable: it fills
 * in while the analysis runs.
 */
export function analysisHeatmapPng(ctx: AppContext, analysisId: number, classIndex: number): Promise<Buffer> {
  return analysisService(ctx).heatmap(analysisId, classIndex);
}
