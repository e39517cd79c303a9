/** Everything a slide report shows, gathered from the library, the stored analysis and the model. */
import type { MppSource } from '../../shared/api.js';
import type { ColormapName } from '../../shared/colormaps.js';
import type { Analysis, AnalysisParamsInput, SlideLabel } from '../../shared/contract/analysis.js';
import type { AppContext } from '../app-context.js';
import { aggregate } from '../analysis/aggregate.js';
import { analysisService } from '../analysis/service.js';
import { SENSITIVE_ASSOCIATED } from '../slides/library.js';
import type { PredictionRow } from '../store/analysis-repo.js';
import type { StoredSlide } from '../store/slides-repo.js';
import { collectAnnotations, type AnnotationReportData } from './annotation-section.js';
import { ensureAnalysis } from './ensure-analysis.js';
import { checkCancelled, type ReportJob } from './job.js';
import { engineRunOf, modelCard, type ModelCard } from './model-card.js';
import { associatedJpeg, classMapOverlay, heatmapOverlay, mostConfident, tileCrops, type TopTile } from './slide-images.js';

/** Properties that name the scanner, by reader, in the order they are tried. */
const SCANNER_PROPERTIES = ['aperio.ScanScope ID', 'hamamatsu.Product', 'dicom.ManufacturerModelName', 'tiff.Model', 'leica.device-model', 'philips.DICOM_MANUFACTURERS_MODEL_NAME'];

export interface SlideFacts {
  id: number;
  name: string;
  path: string;
  format: string;
  vendor: string | null;
  scanner: string | null;
  reader: string;
  width: number;
  height: number;
  levels: number;
  mpp: { x: number; y: number } | null;
  mppSource: MppSource | null;
  objectivePower: number | null;
  fileSize: number;
  contentHash: string;
  associatedImages: string[];
}

export interface SlideReportData {
  slide: SlideFacts;
  analysis: Analysis;
  /** True when this report ran the analysis (none was stored). */
  analysed: boolean;
  label: SlideLabel;
  model: ModelCard;
  heatmap: { className: string; colormap: ColormapName; jpeg: Buffer; width: number; height: number };
  classMap: Buffer;
  topTiles: { label: string; index: number; tiles: TopTile[] }[];
  /** Null unless asked for; then every associated image the slide has. */
  associated: { name: string; jpeg: Buffer }[] | null;
  /** Null unless asked for. */
  annotations: AnnotationReportData | null;
  tiles: PredictionRow[];
}

export function slideFacts(s: StoredSlide): SlideFacts {
  const scannerKey = SCANNER_PROPERTIES.find((k) => s.properties[k]);
  return {
    id: s.id,
    name: s.name,
    path: s.path,
    format: s.format,
    vendor: s.vendor,
    scanner: scannerKey ? s.properties[scannerKey]! : null,
    reader: s.reader,
    width: s.width,
    height: s.height,
    levels: s.levelCount,
    mpp: s.mpp,
    mppSource: s.mppSource,
    objectivePower: s.objectivePower,
    fileSize: s.fileSize,
    contentHash: s.contentHash,
    associatedImages: s.associatedImages,
  };
}

export interface SlideDataRequest {
  slideId: number;
  model: string;
  params?: AnalysisParamsInput;
  includeAssociated: boolean;
  topTiles: number;
  /** The heatmap's colour map, as the viewer showed it. */
  colormap: ColormapName;
  includeAnnotations: boolean;
}

export async function collectSlideData(ctx: AppContext, req: SlideDataRequest, job: ReportJob): Promise<SlideReportData> {
  const { analysis, model, ran } = await ensureAnalysis(ctx, req.slideId, req.model, req.params, job);
  checkCancelled(job.signal);
  job.progress('collecting', 0, 1, 'reading the analysis');
  const slide = ctx.slides.require(req.slideId);
  const tiles = analysisService(ctx).repo.predictions(analysis.id);
  const labels = analysis.model.labels;
  const label = aggregate(tiles, labels, { method: 'mean', topK: 0.1, threshold: 0 });
  const heatIndex = Math.max(0, label.slideLabel ? labels.indexOf(label.slideLabel) : 0);
  const heat = await heatmapOverlay(ctx, slide.id, tiles, heatIndex, slide, req.colormap);
  const classMap = await classMapOverlay(ctx, slide.id, tiles, slide);
  checkCancelled(job.signal);
  const topTiles: SlideReportData['topTiles'] = [];
  if (req.topTiles > 0 && analysis.grid) {
    for (let c = 0; c < labels.length; c++) {
      job.progress('collecting', c, labels.length, `tiles of ${labels[c]}`);
      topTiles.push({ label: labels[c]!, index: c, tiles: await tileCrops(ctx, slide.id, analysis.grid, mostConfident(tiles, c, req.topTiles), c) });
      checkCancelled(job.signal);
    }
  }
  let associated: SlideReportData['associated'] = null;
  if (req.includeAssociated) {
    associated = [];
    // Label and macro last: the pictures most likely to carry a patient's name come after the rest.
    const names = [...slide.associatedImages].sort((a, b) => Number(SENSITIVE_ASSOCIATED.has(a)) - Number(SENSITIVE_ASSOCIATED.has(b)));
    for (const name of names) associated.push({ name, jpeg: await associatedJpeg(ctx, slide.id, name) });
  }
  const annotations = req.includeAnnotations ? await collectAnnotations(ctx, slide.id) : null;
  return {
    slide: slideFacts(slide),
    analysis,
    analysed: ran,
    label,
    model: await modelCard(ctx.db, model, [engineRunOf(analysis)]),
    heatmap: { className: labels[heatIndex]!, colormap: req.colormap, jpeg: heat.jpeg, width: heat.width, height: heat.height },
    classMap,
    topTiles,
    associated,
    annotations,
    tiles,
  };
}
