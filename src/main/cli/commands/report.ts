/**
 * `tessella report slide|run|cohort|list`: the reports the app makes, from the command line. The
 * report is made by the same ReportService (headless Chromium prints the PDF); the command waits
 * for it, draws progress on stderr when that is a terminal, and prints where the files went.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { COLORMAP_NAMES, DEFAULT_COLORMAP } from '../../../shared/colormaps.js';
import type { ReportProgress, ReportSummary } from '../../../shared/contract/reports.js';
import { CohortReportInput, RunReportInput, SlideReportInput } from '../../../shared/contract/reports.js';
import type { AppContext } from '../../app-context.js';
import { analysisService } from '../../analysis/service.js';
import { reportService } from '../../reports/service.js';
import { CliError, type CliCommand, type CliIO, type OptionSpec, type ParsedOptions } from '../command.js';
import { MODEL_OPTION, resolveCliModel } from '../model-ref.js';
import { abortOnSigint } from '../interrupt.js';

const outputOptions: Record<string, OptionSpec> = {
  out: { type: 'string', description: 'PDF to write (default: the data home’s reports folder)' },
  html: { type: 'string', description: 'also keep the self-contained HTML here' },
  csv: { type: 'string', description: 'also write the table of numbers as CSV here' },
  title: { type: 'string', description: 'report title' },
  notes: { type: 'string', description: 'notes printed in the report' },
  'page-size': { type: 'string', description: 'A4 or Letter', default: 'A4' },
};

const analysisOptions: Record<string, OptionSpec> = {
  model: MODEL_OPTION,
  mpp: { type: 'number', description: 'tile resolution (µm per pixel) when an analysis must be run; without it a stored analysis of any resolution is used' },
  'slide-mpp': { type: 'number', description: 'µm per pixel of slides whose file has none (remembered for them)' },
  'allow-image-type-mismatch': { type: 'boolean', description: 'run a brightfield model on a fluorescence slide (or the reverse), which is refused otherwise' },
};

function str(o: ParsedOptions, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function common(o: ParsedOptions) {
  const pageSize = str(o, 'page-size') ?? 'A4';
  const size = ['A4', 'Letter'].find((s) => s.toLowerCase() === pageSize.toLowerCase());
  if (!size) throw new CliError('--page-size must be A4 or Letter', 2);
  const path = (k: string) => (str(o, k) ? resolve(str(o, k)!) : undefined);
  return {
    pageSize: size,
    ...(path('out') ? { pdf: path('out') } : {}),
    ...(path('html') ? { html: path('html') } : {}),
    ...(path('csv') ? { csv: path('csv') } : {}),
    ...(str(o, 'title') ? { title: str(o, 'title') } : {}),
    ...(str(o, 'notes') ? { notes: str(o, 'notes') } : {}),
  };
}

function analysisParams(o: ParsedOptions) {
  const mpp = o.mpp;
  const allow = o['allow-image-type-mismatch'] === true ? { allowImageTypeMismatch: true } : {};
  if (mpp === undefined) return Object.keys(allow).length ? { params: allow } : {};
  if (typeof mpp !== 'number' || !(mpp > 0)) throw new CliError('--mpp must be a positive number', 2);
  return { params: { mpp, ...allow } };
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new CliError(z.prettifyError(r.error).replace(/\n/g, '; '), 2);
  return r.data;
}

/** Registers slide files on first use (as `slide infer` does) and applies --slide-mpp where the file has none. */
async function slidesOf(ctx: AppContext, files: string[], o: ParsedOptions): Promise<number[]> {
  const slideMpp = o['slide-mpp'];
  if (slideMpp !== undefined && (typeof slideMpp !== 'number' || !(slideMpp > 0))) throw new CliError('--slide-mpp must be a positive number', 2);
  const svc = analysisService(ctx);
  const ids: number[] = [];
  // Checked before anything runs, and all named at once: a cohort should not fail slide by slide.
  const noMpp: string[] = [];
  for (const f of files) {
    let s;
    try {
      s = await ctx.slides.ensure(resolve(f));
    } catch (e) {
      throw new CliError(`${f}: ${(e as Error).message}`);
    }
    if (typeof slideMpp === 'number' && !s.mpp) svc.setSlideMpp(s.id, slideMpp);
    else if (!svc.slideMpp(ctx.slides.require(s.id))) noMpp.push(s.name);
    ids.push(s.id);
  }
  if (noMpp.length) {
    const which = noMpp.length === 1 ? `${noMpp[0]} has no mpp` : `${noMpp.length} slides have no mpp (${noMpp.join(', ')})`;
    throw new CliError(`${which}: give µm per pixel with --slide-mpp X (it is remembered for each slide)`, 2);
  }
  return ids;
}

/** Waits for a report started here, with a progress bar per phase; Ctrl-C cancels it. */
export async function follow(ctx: AppContext, io: CliIO, started: ReportSummary): Promise<ReportSummary> {
  const svc = reportService(ctx);
  // One bar per phase (and per slide while analysing): a new total starts a new bar.
  let bar: { key: string; bar: ReturnType<CliIO['progress']> } | null = null;
  const off = ctx.events.onAny((name, payload) => {
    if (name !== 'reports.progress') return;
    const p = payload as ReportProgress;
    if (p.reportId !== started.id || p.status !== 'running') return;
    const key = `${p.phase}:${p.total}`;
    if (bar?.key !== key) {
      bar?.bar.end();
      bar = { key, bar: io.progress(p.phase, Math.max(1, p.total)) };
    }
    bar.bar.tick(p.done, p.message);
  });
  // Ctrl-C cancels the report through its service, which ends it as cancelled (exit 130 in finished())
  const interrupt = abortOnSigint();
  interrupt.signal.addEventListener('abort', () => void svc.cancel(started.id), { once: true });
  try {
    return await svc.wait(started.id);
  } finally {
    off();
    (bar as { bar: ReturnType<CliIO['progress']> } | null)?.bar.end();
    interrupt.release();
    await svc.dispose();
  }
}

export function finished(r: ReportSummary) {
  if (r.status === 'cancelled') throw new CliError('report cancelled', 130);
  if (r.status !== 'completed') throw new CliError(r.error ?? `report ${r.status}`);
  return r;
}

const slide: CliCommand = {
  path: ['report', 'slide'],
  summary: 'PDF report of one slide scored by a model (running the analysis first when none is stored)',
  positionals: ['FILE'],
  options: {
    ...analysisOptions,
    ...outputOptions,
    'include-associated': { type: 'boolean', description: 'include the label and macro images (they can carry patient data)' },
    'top-tiles': { type: 'number', description: 'most confident tiles shown per class', default: 6 },
    colormap: { type: 'string', description: `heatmap colour map, as the viewer offers them (${COLORMAP_NAMES.join(', ')})`, default: DEFAULT_COLORMAP },
    annotations: { type: 'boolean', description: "add the slide's annotations: class, kind and area of each, totals per class, outlines" },
  },
  async run({ positionals, options, io, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one slide FILE, got ${positionals.length}`, 2);
    const model = await resolveCliModel(str(options, 'model'), app);
    const ctx = await app();
    const [slideId] = await slidesOf(ctx, positionals, options);
    const input = parse(SlideReportInput, {
      ...common(options),
      ...analysisParams(options),
      slideId,
      model,
      includeAssociated: options['include-associated'] === true,
      ...(options['top-tiles'] !== undefined ? { topTiles: options['top-tiles'] } : {}),
      ...(options.colormap !== undefined ? { colormap: options.colormap } : {}),
      includeAnnotations: options.annotations === true,
    });
    return finished(await follow(ctx, io, reportService(ctx).slide(input)));
  },
  human: summaryText,
};

const run: CliCommand = {
  path: ['report', 'run'],
  summary: 'PDF report of one training run, or several side by side (ids from `tessella runs`)',
  positionals: ['RUN...'],
  options: outputOptions,
  async run({ positionals, options, io, app }) {
    if (positionals.length === 0) throw new CliError('give at least one RUN id (see `tessella runs`)', 2);
    const runIds = positionals.map((p) => {
      if (!/^\d+$/.test(p)) throw new CliError(`"${p}" is not a run id (see \`tessella runs\`)`, 2);
      return Number(p);
    });
    const ctx = await app();
    const input = parse(RunReportInput, { ...common(options), runIds });
    let started: ReportSummary;
    try {
      started = reportService(ctx).run(input);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    return finished(await follow(ctx, io, started));
  },
  human: summaryText,
};

const cohort: CliCommand = {
  path: ['report', 'cohort'],
  summary: 'PDF and CSV of per-slide class fractions for many slides scored by one model',
  positionals: ['FILES...'],
  options: { ...analysisOptions, ...outputOptions },
  async run({ positionals, options, io, app }) {
    if (positionals.length === 0) throw new CliError('give at least one slide FILE', 2);
    const model = await resolveCliModel(str(options, 'model'), app);
    const ctx = await app();
    const slideIds = await slidesOf(ctx, positionals, options);
    const input = parse(CohortReportInput, { ...common(options), ...analysisParams(options), slideIds, model });
    return finished(await follow(ctx, io, reportService(ctx).cohort(input)));
  },
  human: summaryText,
};

const list: CliCommand = {
  path: ['report', 'list'],
  summary: 'Reports made so far, newest first',
  async run({ app }) {
    return reportService(await app()).list();
  },
  human: (rows: ReportSummary[]) =>
    rows.length === 0
      ? 'no reports yet'
      : rows.map((r) => `${String(r.id).padStart(4)}  ${r.kind.padEnd(6)}  ${r.status.padEnd(9)}  ${r.createdAt.slice(0, 16).replace('T', ' ')}  ${r.title}${r.pdfPath ? `\n      ${r.pdfPath}` : ''}${r.error ? `\n      ${r.error}` : ''}`).join('\n'),
};

function summaryText(r: ReportSummary): string {
  return [
    `report ${r.id}  ${r.title}`,
    `pdf     ${r.pdfPath} (${r.pages ?? '?'} page${r.pages === 1 ? '' : 's'}, ${r.pageSize})`,
    ...(r.htmlPath ? [`html    ${r.htmlPath}`] : []),
    ...(r.csvPath ? [`csv     ${r.csvPath}`] : []),
  ].join('\n');
}

export const reportCommands: CliCommand[] = [slide, run, cohort, list];
