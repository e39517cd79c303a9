/**
 * Whole-slide classification: tissue detection, tiling, slide inference (queued, resumable),
 * tile predictions for overlays, slide-level labels, exports and explainability maps.
 * Coordinates are level-0 pixels (x right, y down), as everywhere else in the contract.
 */
import { z } from 'zod';
import { call } from './define.js';

/** A checkpoint folder (HuggingFace layout) or a built-in architecture name. */
const ModelRef = z.string().trim().min(1).max(4096);

export const TissueParams = z.object({
  /** Otsu on HSV saturation, on greyscale, or either (a pixel passing one of the two). */
  method: z.enum(['both', 'saturation', 'grey']).default('both'),
  /** Resolution the mask is computed at, µm per mask pixel (about 1.25x at 8). */
  maskMpp: z.number().min(1).max(128).default(8),
  /** Fixed thresholds in 0..1 instead of Otsu's (saturation: above is tissue; grey: below is tissue, or on fluorescence: signal above is tissue). */
  saturationThreshold: z.number().min(0).max(1).optional(),
  greyThreshold: z.number().min(0).max(1).optional(),
  /** Tissue pieces smaller than this are dropped (dust, debris). */
  minAreaUm2: z.number().min(0).max(1e10).default(5000),
  fillHoles: z.boolean().default(true),
  /** Holes larger than this (lumens, tears) stay background. */
  maxHoleUm2: z.number().min(0).max(1e12).default(100_000),
  /** Green, blue, red and black ink is not tissue. */
  rejectPen: z.boolean().default(true),
  /** Bright, colourless pixels are glass whatever the thresholds say. */
  rejectGlass: z.boolean().default(true),
});

export const AnalysisParams = z
  .object({
    /** Tile resolution in µm per pixel; default: the mpp the model was trained at when recorded, else 0.5. */
    mpp: z.number().min(0.05).max(64).optional(),
    /** Tile resolution as an objective magnification (20 = 20x); an alternative to mpp. */
    magnification: z.number().min(0.1).max(400).optional(),
    /** Fraction of a tile shared with its neighbour, 0 (none) to 0.75. */
    overlap: z.number().min(0).max(0.75).default(0),
    /** Least fraction of a tile that must be tissue for it to be classified. */
    minTissue: z.number().min(0).max(1).default(0.25),
    tissue: TissueParams.default(TissueParams.parse({})),
    /** Run a model on a slide of another image type (a brightfield model on fluorescence), which is refused otherwise. */
    allowImageTypeMismatch: z.boolean().optional(),
    /** Numeric precision of the model on CPU: fp32 (default) or int8 (ViT: faster; ResNet: about fp32's speed on CPU; checked with `tessella model agreement`). */
    precision: z.enum(['fp32', 'int8']).optional(),
  })
  .refine((p) => p.mpp === undefined || p.magnification === undefined, 'give mpp or magnification, not both');

export const AnalysisStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);

export const AggregateMethod = z.enum(['mean', 'majority', 'topk']);

export const SlideLabel = z.object({
  method: AggregateMethod,
  /** Null when no class reached the threshold (or there were no tissue tiles). */
  slideLabel: z.string().nullable(),
  /** The winning class's score: a mean probability (mean, topk) or a vote fraction (majority). */
  confidence: z.number(),
  scores: z.record(z.string(), z.number()),
  /** Fraction of tissue tiles whose most probable class is each label. */
  classFractions: z.record(z.string(), z.number()),
  tissueTiles: z.number().int(),
});

export const AnalysisSummary = SlideLabel.extend({
  /** Inference time of this run and the ones it resumed, seconds. */
  seconds: z.number(),
  tilesPerSecond: z.number(),
  /** The onnxruntime execution provider the tiles ran on (absent: recorded before providers were, which means cpu). */
  provider: z.string().optional(),
  /** Why it is not the provider asked for, when the engine fell back. */
  providerNote: z.string().optional(),
});

export const TileGrid = z.object({
  /** µm per pixel the tiles were taken at, and the slide's level-0 mpp. */
  targetMpp: z.number(),
  slideMpp: z.number(),
  /** Model input side, pixels; tile side and step between tiles, level-0 pixels. */
  inputSize: z.number().int(),
  tileSize: z.number().int(),
  stride: z.number().int(),
  /** Pyramid level tiles are read from, and the size read there. */
  level: z.number().int(),
  readSize: z.number().int(),
  cols: z.number().int(),
  rows: z.number().int(),
  /** Every tile of the grid, and those with enough tissue to be classified. */
  tiles: z.number().int(),
  tissueTiles: z.number().int(),
});

export const Analysis = z.object({
  id: z.number().int(),
  slideId: z.number().int(),
  slideName: z.string(),
  model: z.object({ id: z.number().int(), name: z.string(), dir: z.string(), arch: z.string(), hash: z.string(), labels: z.array(z.string()) }),
  params: z.object({
    targetMpp: z.number(),
    overlap: z.number(),
    minTissue: z.number(),
    tissue: TissueParams,
    precision: z.enum(['fp32', 'int8']),
  }),
  status: AnalysisStatus,
  /** Tissue tiles classified so far, of `total` (null until the tiles are planned). */
  done: z.number().int(),
  total: z.number().int().nullable(),
  grid: TileGrid.nullable(),
  summary: AnalysisSummary.nullable(),
  error: z.string().nullable(),
  queuePosition: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const TilePrediction = z.object({
  x: z.number().int(),
  y: z.number().int(),
  w: z.number().int(),
  h: z.number().int(),
  /** Fraction of the tile the tissue mask covers. */
  tissue: z.number(),
  /** Index into `labels` of the most probable class. */
  label: z.number().int(),
  probs: z.array(z.number()),
});

export const TissueResult = z.object({
  /** Mask size and level-0 pixels per mask pixel along x and y. */
  width: z.number().int(),
  height: z.number().int(),
  downsample: z.object({ x: z.number(), y: z.number() }),
  /** µm per mask pixel; null when the slide has no mpp (the mask then uses a fixed downsample). */
  maskMpp: z.number().nullable(),
  /** Thresholds used, 0..1 (Otsu's unless fixed ones were given). */
  thresholds: z.object({ saturation: z.number(), grey: z.number() }),
  tissueFraction: z.number(),
  penFraction: z.number(),
  /** RGBA overlay the size of the mask, base64 PNG: tissue green, rejected pen ink magenta, the rest clear. */
  png: z.string(),
});

export const Region = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int().positive(),
  h: z.number().int().positive(),
});

export const ExplainMap = z.object({
  /** 'rollout', 'cls-head-<h>' (last layer, per head) or 'grad-cam'. */
  name: z.string(),
  rows: z.number().int(),
  cols: z.number().int(),
  /** Row-major, scaled to 0..1 (max = 1). */
  values: z.array(z.number()),
});

export const ExplainResult = z.object({
  method: z.enum(['rollout', 'grad-cam']),
  label: z.string(),
  /** Class the map explains. */
  target: z.string(),
  probabilities: z.record(z.string(), z.number()),
  maps: z.array(ExplainMap),
  /** Size of `png`. */
  width: z.number().int(),
  height: z.number().int(),
  /** The main map (rollout / Grad-CAM) over the image (as the model saw it) or the slide region, base64 PNG. */
  png: z.string(),
  /** For a slide region: the level-0 area the maps cover (whole tiles, so it may exceed the region); null for an image. */
  extent: Region.nullable(),
  /** For a slide region: tiles explained. */
  tiles: z.number().int(),
});

const AnalysisId = z.object({ id: z.number().int().positive() });
const SlideId = z.number().int().positive();

export const analysisCalls = {
  'analysis.tissue': call(
    z.object({ slideId: SlideId, tissue: TissueParams.default(TissueParams.parse({})) }),
    TissueResult,
    'Detect tissue on a slide at low resolution and return the mask as an overlay with the thresholds used.',
  ),
  'analysis.setSlideMpp': call(
    z.object({ slideId: SlideId, mpp: z.number().min(0.01).max(100).nullable() }),
    z.object({ slideId: z.number().int(), mpp: z.object({ x: z.number(), y: z.number() }).nullable() }),
    "Set (or with null, clear) a slide's µm per pixel where the file has none or a wrong one; remembered per slide.",
  ),
  'analysis.plan': call(
    z.object({ slideId: SlideId, model: ModelRef, params: AnalysisParams.optional() }),
    z.object({
      needsSlideMpp: z.boolean(),
      message: z.string().nullable(),
      grid: TileGrid.nullable(),
      /** Why the model does not suit the slide's image type (a brightfield model on fluorescence); enqueue refuses it unless params.allowImageTypeMismatch. */
      imageTypeMismatch: z.string().nullable().optional(),
    }),
    'How a slide would be tiled for a model: resolution, tile size, level and tile counts; says when the slide needs an mpp.',
  ),
  'analysis.enqueue': call(
    z.object({ slideIds: z.array(SlideId).min(1).max(10_000), model: ModelRef, params: AnalysisParams.optional() }),
    z.object({ analyses: z.array(Analysis) }),
    'Queue slides for analysis with a model; an analysis already stored for the same slide, model and parameters is reused (and resumed if unfinished).',
  ),
  'analysis.cancel': call(AnalysisId, z.object({ cancelled: z.boolean() }), 'Stop a running or queued analysis; tiles already classified are kept for a resume.'),
  'analysis.resume': call(AnalysisId, Analysis, 'Queue a cancelled, failed or interrupted analysis again; it continues from the tiles not yet stored.'),
  'analysis.list': call(
    z.object({ slideId: SlideId.optional(), status: AnalysisStatus.optional() }),
    z.array(Analysis),
    'Analyses, newest first, optionally of one slide or with one status (the queue: status "queued").',
  ),
  'analysis.get': call(AnalysisId, Analysis, 'One analysis with its progress, tile grid and summary.'),
  'analysis.remove': call(AnalysisId, z.object({ removed: z.boolean() }), 'Delete an analysis and its tile predictions (stopping it first if running).'),
  'analysis.tiles': call(
    AnalysisId.extend({
      bbox: z
        .object({ minX: z.number(), minY: z.number(), maxX: z.number(), maxY: z.number() })
        .refine((b) => b.maxX >= b.minX && b.maxY >= b.minY, 'maxX/maxY must not be below minX/minY')
        .optional(),
      limit: z.number().int().min(1).max(200_000).default(50_000),
    }),
    z.object({ labels: z.array(z.string()), total: z.number().int(), truncated: z.boolean(), tiles: z.array(TilePrediction) }),
    'Tile predictions of an analysis, those meeting a viewport (level-0 bbox) when given.',
  ),
  'analysis.slideLabel': call(
    AnalysisId.extend({
      method: AggregateMethod.default('mean'),
      /** topk: how many of the most probable tiles per class (>= 1), or a fraction of the tissue tiles (< 1). */
      topK: z.number().positive().max(1_000_000).default(0.1),
      /** Least score the winning class needs; below it the slide stays unlabelled. */
      threshold: z.number().min(0).max(1).default(0),
      /** With a positive class, the slide is positive as soon as that class reaches the threshold. */
      positiveClass: z.string().min(1).optional(),
    }),
    SlideLabel,
    'Aggregate the tile predictions of an analysis into a slide label with its confidence.',
  ),
  'analysis.export': call(
    AnalysisId.extend({ dir: z.string().min(1), heatmapClass: z.string().min(1).optional() }),
    z.object({ dir: z.string(), heatmap: z.string(), csv: z.string(), geojson: z.string(), summary: z.string() }),
    'Write heatmap.png (aligned to the slide thumbnail), tiles.csv, tiles.geojson (QuPath tiles) and summary.json to a folder.',
  ),
  'analysis.explain': call(
    z
      .object({
        model: ModelRef,
        /** An image file, or a slide region (level-0 pixels) tiled and stitched at the analysis resolution. */
        image: z.string().min(1).optional(),
        slideId: SlideId.optional(),
        region: Region.optional(),
        params: AnalysisParams.optional(),
        /** Class to explain (name or index); default the predicted one. */
        target: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
      })
      .refine((v) => (v.image === undefined) !== (v.slideId === undefined), 'give an image or a slideId')
      .refine((v) => v.slideId === undefined || v.region !== undefined, 'a slide needs a region'),
    ExplainResult,
    'Attention rollout and per-head CLS attention (ViT) or Grad-CAM (ResNet) for an image or a slide region.',
  ),
} as const;

export type TissueParams = z.output<typeof TissueParams>;
export type AnalysisParams = z.output<typeof AnalysisParams>;
export type AnalysisParamsInput = z.input<typeof AnalysisParams>;
export type AnalysisStatus = z.output<typeof AnalysisStatus>;
export type Analysis = z.output<typeof Analysis>;
export type AnalysisSummary = z.output<typeof AnalysisSummary>;
export type SlideLabel = z.output<typeof SlideLabel>;
export type TileGrid = z.output<typeof TileGrid>;
export type TilePrediction = z.output<typeof TilePrediction>;
export type TissueResult = z.output<typeof TissueResult>;
export type ExplainResult = z.output<typeof ExplainResult>;
export type ExplainMap = z.output<typeof ExplainMap>;
export type AggregateMethod = z.output<typeof AggregateMethod>;

export const AnalysisProgress = z.object({
  analysisId: z.number().int(),
  slideId: z.number().int(),
  status: AnalysisStatus,
  done: z.number().int(),
  total: z.number().int().nullable(),
  tilesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string().optional(),
});
export type AnalysisProgress = z.output<typeof AnalysisProgress>;
