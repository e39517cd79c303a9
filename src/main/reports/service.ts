/**
 * Reports for one app context: a row per report, made in the background one after another
 * (mostly waiting on an analysis or on Chromium, so the main process is fine), with
 * reports.progress and reports.changed events. The PDF printer is the host's (Electron) or
 * headless Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CohortReportInput, ReportProgress, ReportSummary, RunReportInput, SlideReportInput } from '../../shared/contract/reports.js';
import type { AppContext } from '../app-context.js';
import { modelKey } from '../analysis/models.js';
import { DomainError } from '../errors.js';
import { isBuiltinName } from '../ml/models/configs.js';
import { ReportsRepo } from '../store/reports-repo.js';
import { appVersion } from '../version.js';
import { ChromiumPrinter } from './chromium-printer.js';
import { cohortCsv, collectCohortData } from './cohort-data.js';
import { tilePredictionsCsv } from './csv.js';
import { checkCancelled, ReportCancelled, type ReportJob } from './job.js';
import { formatDate, RESEARCH_NOTICE } from './layout.js';
import { pdfPageCount, type PdfPrinter } from './pdf-printer.js';
import { cohortReportHtml } from './cohort-template.js';
import { collectRunData, requireRuns, runMetricsCsv } from './run-data.js';
import { runName, runReportHtml } from './run-template.js';
import { collectSlideData } from './slide-data.js';
import { slideReportHtml } from './slide-template.js';
import { processAlive } from '../process-alive.js';

/** reports.progress goes out at most this often while an analysis counts tiles. */
const PROGRESS_INTERVAL_MS = 250;

const CONTENT_TYPES = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

interface Made {
  html: string;
  csv: string | null;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'report'
  );
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export class ReportService {
  readonly repo: ReportsRepo;
  private readonly jobs = new Map<number, Running>();
  private tail: Promise<void> = Promise.resolve();
  private chromium: ChromiumPrinter | null = null;
  private readonly lastProgress = new Map<number, number>();

  constructor(private readonly ctx: AppContext) {
    this.repo = new ReportsRepo(ctx.db);
    // Reports a dead process left unfinished will never finish.
    for (const r of this.repo.unfinished()) if (r.pid === null || !processAlive(r.pid)) this.repo.end(r.id, 'failed', 'interrupted: the process making it stopped');
  }

  private printer(): PdfPrinter {
    return this.ctx.pdfPrinter ?? (this.chromium ??= new ChromiumPrinter());
  }

  private requireSlide(id: number) {
    const s = this.ctx.slides.get(id);
    if (!s) throw new DomainError('not-found', `no slide with id ${id} in the library`);
    return s;
  }

  private checkModel(ref: string): string {
    const key = modelKey(ref, this.ctx.home.models);
    if (!isBuiltinName(key) && !existsSync(key)) throw new DomainError('not-found', `${key}: no such checkpoint folder`);
    return key;
  }

  private report(id: number): ReportSummary {
    const r = this.repo.get(id);
    if (!r) throw new DomainError('not-found', `no report with id ${id}`);
    return r;
  }

  get(id: number): ReportSummary {
    return this.report(id);
  }

  list(): ReportSummary[] {
    return this.repo.list();
  }

  slide(input: SlideReportInput): ReportSummary {
    const s = this.requireSlide(input.slideId);
    const model = this.checkModel(input.model);
    const row = this.repo.create({ kind: 'slide', title: input.title ?? `Slide report: ${s.name}`, pageSize: input.pageSize, params: input, slideIds: [s.id], runIds: [], model, pid: process.pid });
    return this.start(row, input, async (job) => {
      const data = await collectSlideData(this.ctx, { slideId: s.id, model, ...(input.params ? { params: input.params } : {}), includeAssociated: input.includeAssociated, topTiles: input.topTiles, colormap: input.colormap, includeAnnotations: input.includeAnnotations }, job);
      checkCancelled(job.signal);
      return { html: slideReportHtml(data, this.meta(row.title, input.notes)), csv: input.csv ? tilePredictionsCsv(data.tiles, data.analysis.model.labels) : null };
    });
  }

  run(input: RunReportInput): ReportSummary {
    const ids = [...new Set(input.runIds)];
    const runs = requireRuns(this.ctx, ids);
    const title = input.title ?? (runs.length === 1 ? `Training run: ${runName(runs[0]!)}` : `Training runs compared: ${runs.map(runName).join(' vs ')}`.slice(0, 200));
    const row = this.repo.create({ kind: 'run', title, pageSize: input.pageSize, params: input, slideIds: [], runIds: ids, model: null, pid: process.pid });
    return this.start(row, input, async (job) => {
      const data = await collectRunData(this.ctx, ids, job);
      return { html: runReportHtml(data, this.meta(row.title, input.notes)), csv: input.csv ? runMetricsCsv(data) : null };
    });
  }

  cohort(input: CohortReportInput): ReportSummary {
    const ids = [...new Set(input.slideIds)];
    for (const id of ids) this.requireSlide(id);
    const model = this.checkModel(input.model);
    const title = input.title ?? `Cohort report: ${ids.length} slide${ids.length === 1 ? '' : 's'}, ${basename(model)}`;
    const row = this.repo.create({ kind: 'cohort', title, pageSize: input.pageSize, params: input, slideIds: ids, runIds: [], model, pid: process.pid });
    // The table of numbers is the point of a cohort report: its CSV is always written.
    return this.start(row, { ...input, csv: input.csv ?? this.defaultPath(row, 'csv') }, async (job) => {
      const data = await collectCohortData(this.ctx, { slideIds: ids, model, ...(input.params ? { params: input.params } : {}) }, job);
      return { html: cohortReportHtml(data, this.meta(row.title, input.notes)), csv: cohortCsv(data) };
    });
  }

  private meta(title: string, notes: string | undefined) {
    return { title, notes, generatedAt: new Date(), version: appVersion() };
  }

  private defaultPath(row: ReportSummary, ext: 'pdf' | 'csv'): string {
    return join(this.ctx.home.reports, `${row.id}-${row.kind}-${slug(row.title.replace(/^[^:]*:\s*/, ''))}.${ext}`);
  }

  private emitProgress(p: ReportProgress): void {
    const now = Date.now();
    if (p.phase === 'analysing' && p.done !== p.total && now - (this.lastProgress.get(p.reportId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.lastProgress.set(p.reportId, now);
    this.ctx.events.emit('reports.progress', p);
  }

  private start(row: ReportSummary, out: { pdf?: string | undefined; html?: string | undefined; csv?: string | undefined; pageSize: 'A4' | 'Letter' }, make: (job: ReportJob) => Promise<Made>): ReportSummary {
    const id = row.id;
    const controller = new AbortController();
    const job: ReportJob = {
      id,
      signal: controller.signal,
      progress: (phase, done, total, message) => this.emitProgress({ reportId: id, status: 'running', phase, done, total, ...(message ? { message } : {}) }),
    };
    const done = this.tail.then(() => this.make(row, out, make, job));
    this.tail = done.catch(() => {});
    this.jobs.set(id, { controller, done });
    this.emitProgress({ reportId: id, status: 'queued', phase: 'queued', done: 0, total: 1 });
    this.ctx.events.emit('reports.changed', {});
    return this.report(id);
  }

  private async make(row: ReportSummary, out: { pdf?: string | undefined; html?: string | undefined; csv?: string | undefined; pageSize: 'A4' | 'Letter' }, make: (job: ReportJob) => Promise<Made>, job: ReportJob): Promise<void> {
    const id = row.id;
    try {
      if (!this.ctx.db.open || !this.repo.markRunning(id)) return;
      this.ctx.events.emit('reports.changed', {});
      checkCancelled(job.signal);
      const made = await make(job);
      checkCancelled(job.signal);
      job.progress('rendering', 0, 1, 'printing the PDF');
      const generated = new Date();
      const pdf = await this.printer().print(made.html, {
        pageSize: out.pageSize,
        headerTitle: row.title,
        footerText: `${formatDate(generated)} · Tessella ${appVersion()} · ${RESEARCH_NOTICE.split('.')[0]}`,
      });
      checkCancelled(job.signal);
      const pdfPath = resolve(out.pdf ?? this.defaultPath(row, 'pdf'));
      const htmlPath = out.html ? resolve(out.html) : null;
      const csvPath = out.csv && made.csv !== null ? resolve(out.csv) : null;
      await writeAtomic(pdfPath, pdf);
      if (htmlPath) await writeAtomic(htmlPath, made.html);
      if (csvPath) await writeAtomic(csvPath, made.csv!);
      this.repo.complete(id, { pdfPath, htmlPath, csvPath, pages: pdfPageCount(pdf), bytes: pdf.length });
      this.emitProgress({ reportId: id, status: 'completed', phase: 'done', done: 1, total: 1 });
    } catch (e) {
      if (!this.ctx.db.open) return;
      const cancelled = e instanceof ReportCancelled || job.signal.aborted;
      const message = cancelled ? null : (e as Error).message || String(e);
      this.repo.end(id, cancelled ? 'cancelled' : 'failed', message);
      this.emitProgress({ reportId: id, status: cancelled ? 'cancelled' : 'failed', phase: 'done', done: 0, total: 1, ...(message ? { message } : {}) });
    } finally {
      this.jobs.delete(id);
      this.lastProgress.delete(id);
      if (this.ctx.db.open) this.ctx.events.emit('reports.changed', {});
    }
  }

  /** Resolves once a report started in this process has finished (at once for any other). */
  async wait(id: number): Promise<ReportSummary> {
    await this.jobs.get(id)?.done;
    return this.report(id);
  }

  async cancel(id: number): Promise<boolean> {
    const r = this.report(id);
    const job = this.jobs.get(id);
    if (job && r.status === 'queued') {
      // Still waiting for the reports before it: it never starts.
      job.controller.abort();
      const ended = this.repo.end(id, 'cancelled', null);
      if (ended) this.emitProgress({ reportId: id, status: 'cancelled', phase: 'done', done: 0, total: 1 });
      this.ctx.events.emit('reports.changed', {});
      return ended;
    }
    if (job) {
      job.controller.abort();
      await job.done;
      return this.report(id).status === 'cancelled';
    }
    // Being made by a process that is gone: nothing will finish it.
    if ((r.status === 'queued' || r.status === 'running') && this.repo.unfinished().some((u) => u.id === id && (u.pid === null || !processAlive(u.pid)))) {
      const ended = this.repo.end(id, 'cancelled', null);
      if (ended) this.ctx.events.emit('reports.changed', {});
      return ended;
    }
    return false;
  }

  async remove(id: number, deleteFiles: boolean): Promise<boolean> {
    const r = this.repo.get(id);
    if (!r) return false;
    if (this.jobs.has(id)) await this.cancel(id);
    const removed = this.repo.remove(id);
    if (removed && deleteFiles) {
      for (const f of [r.pdfPath, r.htmlPath, r.csvPath]) if (f) await rm(f, { force: true });
    }
    if (removed) this.ctx.events.emit('reports.changed', {});
    return removed;
  }

  /** The path of one of a report's files; not-found unless the report wrote it and it is still there. */
  filePath(id: number, target: 'pdf' | 'html' | 'csv'): string {
    const r = this.report(id);
    const path = target === 'pdf' ? r.pdfPath : target === 'html' ? r.htmlPath : r.csvPath;
    if (r.status !== 'completed' || !path) throw new DomainError('not-found', `report ${id} has no ${target.toUpperCase()} file${r.status !== 'completed' ? ` (it is ${r.status})` : ''}`);
    if (!existsSync(path)) throw new DomainError('not-found', `the ${target.toUpperCase()} of report ${id} is gone: ${path}`);
    return path;
  }

  async open(id: number, target: 'pdf' | 'html' | 'csv', reveal: boolean): Promise<boolean> {
    const path = this.filePath(id, target);
    if (!this.ctx.openPath) return false;
    return this.ctx.openPath(path, reveal);
  }

  async file(id: number, ext: 'pdf' | 'html' | 'csv'): Promise<{ body: Buffer; contentType: string; filename: string }> {
    const path = this.filePath(id, ext);
    return { body: await readFile(path), contentType: CONTENT_TYPES[ext], filename: basename(path) };
  }

  /** Stops the headless browser, if one was started (a short-lived host calls this before exiting). */
  async dispose(): Promise<void> {
    await this.chromium?.close();
    this.chromium = null;
  }
}

const services = new WeakMap<AppContext, ReportService>();

export function reportService(ctx: AppContext): ReportService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new ReportService(ctx)));
  return s;
}
