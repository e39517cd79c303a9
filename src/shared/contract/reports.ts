/**
 * Result reports to hand to a colleague: one slide, one or more training runs, or a cohort of
 * slides scored by one model. Each is one HTML document, printed to PDF by Chromium (Electron's
 * printToPDF in the app, Debian Chromium through Playwright elsewhere), with CSV beside it where
 * the report holds a table of numbers.
 */
import { z } from 'zod';
import { call } from './define.js';
import { AnalysisParams } from './analysis.js';
import { COLORMAP_NAMES, DEFAULT_COLORMAP } from '../colormaps.js';

/** A checkpoint folder (HuggingFace layout) or a built-in architecture name, as analysis takes it. */
const ModelRef = z.string().trim().min(1).max(4096);

export const ReportKind = z.enum(['slide', 'run', 'cohort']);
export const PageSize = z.enum(['A4', 'Letter']);
export const ReportStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

const Notes = z.string().max(20_000).optional();

/** Where the files go; by default the data home's reports folder. */
const Outputs = z.object({
  /** PDF path; default `<home>/reports/<id>-<kind>-<name>.pdf`. */
  pdf: z.string().min(1).optional(),
  /** Also keep the HTML (self-contained: images and fonts inlined). */
  html: z.string().min(1).optional(),
  /** Also write the table of numbers as CSV (slide: tile predictions; cohort: per-slide fractions; run: per-class metrics). */
  csv: z.string().min(1).optional(),
});

const Common = Outputs.extend({
  title: z.string().trim().min(1).max(200).optional(),
  notes: Notes,
  pageSize: PageSize.default('A4'),
});

export const SlideReportInput = Common.extend({
  slideId: z.number().int().positive(),
  model: ModelRef,
  /**
   * Tiling for the analysis run when none is stored. Without it the newest completed analysis of
   * the slide with this checkpoint is used, whatever its parameters.
   */
  params: AnalysisParams.optional(),
  /** Label and macro images carry patient data; left out unless asked for. */
  includeAssociated: z.boolean().default(false),
  /** Most confident tiles shown per class. */
  topTiles: z.number().int().min(0).max(24).default(6),
  /** The heatmap's colour map: the one the viewer showed (viridis unless changed there). */
  colormap: z.enum(COLORMAP_NAMES).default(DEFAULT_COLORMAP),
  /** Add the slide's annotations (class, kind, area) as a table and drawn over the thumbnail. */
  includeAnnotations: z.boolean().default(false),
});

export const RunReportInput = Common.extend({
  /** One run, or several for a comparison section (e.g. ViT against the ResNet-50 baseline). */
  runIds: z.array(z.number().int().positive()).min(1).max(12),
});

export const CohortReportInput = Common.extend({
  slideIds: z.array(z.number().int().positive()).min(1).max(10_000),
  model: ModelRef,
  /** As for a slide report, for every slide of the cohort. */
  params: AnalysisParams.optional(),
});

export const ReportSummary = z.object({
  id: z.number().int(),
  kind: ReportKind,
  title: z.string(),
  status: ReportStatus,
  error: z.string().nullable(),
  pageSize: PageSize,
  pdfPath: z.string().nullable(),
  htmlPath: z.string().nullable(),
  csvPath: z.string().nullable(),
  /** Pages of the PDF once written. */
  pages: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  slideIds: z.array(z.number().int()),
  runIds: z.array(z.number().int()),
  model: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const ReportProgress = z.object({
  reportId: z.number().int(),
  status: ReportStatus,
  /** 'analysing' while a slide report first runs the missing analysis. */
  phase: z.enum(['queued', 'analysing', 'collecting', 'rendering', 'done']),
  done: z.number(),
  total: z.number(),
  message: z.string().optional(),
});

const ReportId = z.object({ id: z.number().int().positive() });

export const reportCalls = {
  'reports.slide': call(
    SlideReportInput,
    ReportSummary,
    'Start a slide report (running the analysis first when none is stored for this slide and model); progress comes as reports.progress events.',
  ),
  'reports.run': call(RunReportInput, ReportSummary, 'Start a training-run report; several runs add a comparison section.'),
  'reports.cohort': call(CohortReportInput, ReportSummary, 'Start a cohort report: per-slide class fractions for many slides scored by one model, with CSV.'),
  'reports.list': call(z.object({}), z.array(ReportSummary), 'Reports generated so far, newest first.'),
  'reports.get': call(ReportId, ReportSummary, 'One report.'),
  'reports.cancel': call(ReportId, z.object({ cancelled: z.boolean() }), 'Stop a report still being made.'),
  'reports.remove': call(
    ReportId.extend({ deleteFiles: z.boolean().default(false) }),
    z.object({ removed: z.boolean() }),
    'Forget a report; its files are deleted only when asked.',
  ),
  'reports.open': call(
    ReportId.extend({ target: z.enum(['pdf', 'html', 'csv']).default('pdf'), reveal: z.boolean().default(false) }),
    z.object({ opened: z.boolean() }),
    "Open a report's file with the system viewer, or reveal it in its folder (desktop app only; browser mode downloads it as a resource).",
  ),
} as const;

export type ReportKind = z.output<typeof ReportKind>;
export type PageSize = z.output<typeof PageSize>;
export type ReportStatus = z.output<typeof ReportStatus>;
export type ReportSummary = z.output<typeof ReportSummary>;
export type ReportProgress = z.output<typeof ReportProgress>;
export type SlideReportInput = z.output<typeof SlideReportInput>;
export type RunReportInput = z.output<typeof RunReportInput>;
export type CohortReportInput = z.output<typeof CohortReportInput>;
