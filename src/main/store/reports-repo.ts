/** Rows of `reports`: one per report asked for, from queued to its files written (or failed). */
import type { PageSize, ReportKind, ReportStatus, ReportSummary } from '../../shared/contract/reports.js';
import type { Db } from './db.js';

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

interface RawReport {
  id: number;
  kind: ReportKind;
  title: string;
  pdf_path: string | null;
  html_path: string | null;
  csv_path: string | null;
  params_json: string;
  created_at: string;
  status: ReportStatus;
  error: string | null;
  page_size: PageSize;
  slide_ids_json: string;
  run_ids_json: string;
  model: string | null;
  pages: number | null;
  bytes: number | null;
  pid: number | null;
  finished_at: string | null;
}

export interface NewReport {
  kind: ReportKind;
  title: string;
  pageSize: PageSize;
  /** The request as given (what a re-make would need). */
  params: unknown;
  slideIds: number[];
  runIds: number[];
  model: string | null;
  pid: number;
}

export interface ReportFiles {
  pdfPath: string;
  htmlPath: string | null;
  csvPath: string | null;
  pages: number | null;
  bytes: number;
}

function toSummary(r: RawReport): ReportSummary {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    status: r.status,
    error: r.error,
    pageSize: r.page_size,
    pdfPath: r.pdf_path,
    htmlPath: r.html_path,
    csvPath: r.csv_path,
    pages: r.pages,
    bytes: r.bytes,
    slideIds: JSON.parse(r.slide_ids_json),
    runIds: JSON.parse(r.run_ids_json),
    model: r.model,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export class ReportsRepo {
  constructor(private readonly db: Db) {}

  create(r: NewReport): ReportSummary {
    const info = this.db
      .prepare(
        `INSERT INTO reports (kind, title, params_json, status, page_size, slide_ids_json, run_ids_json, model, pid)
         VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      )
      .run(r.kind, r.title, JSON.stringify(r.params), r.pageSize, JSON.stringify(r.slideIds), JSON.stringify(r.runIds), r.model, r.pid);
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): ReportSummary | null {
    const r = this.db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as RawReport | undefined;
    return r ? toSummary(r) : null;
  }

  list(): ReportSummary[] {
    return (this.db.prepare('SELECT * FROM reports ORDER BY created_at DESC, id DESC').all() as RawReport[]).map(toSummary);
  }

  params(id: number): unknown {
    const r = this.db.prepare('SELECT params_json FROM reports WHERE id = ?').get(id) as { params_json: string } | undefined;
    return r ? JSON.parse(r.params_json) : null;
  }

  /** queued -> running; false when the report is no longer queued (cancelled meanwhile). */
  markRunning(id: number): boolean {
    return this.db.prepare(`UPDATE reports SET status = 'running' WHERE id = ? AND status = 'queued'`).run(id).changes > 0;
  }

  setTitle(id: number, title: string): void {
    this.db.prepare('UPDATE reports SET title = ? WHERE id = ?').run(title, id);
  }

  complete(id: number, f: ReportFiles): void {
    this.db
      .prepare(`UPDATE reports SET status = 'completed', error = NULL, pdf_path = ?, html_path = ?, csv_path = ?, pages = ?, bytes = ?, pid = NULL, finished_at = ${NOW} WHERE id = ?`)
      .run(f.pdfPath, f.htmlPath, f.csvPath, f.pages, f.bytes, id);
  }

  /** Ends an unfinished report as failed or cancelled; a finished one is left as it is. */
  end(id: number, status: 'failed' | 'cancelled', error: string | null): boolean {
    return (
      this.db
        .prepare(`UPDATE reports SET status = ?, error = ?, pid = NULL, finished_at = ${NOW} WHERE id = ? AND status IN ('queued', 'running')`)
        .run(status, error, id).changes > 0
    );
  }

  /** Unfinished reports and the process making each. */
  unfinished(): { id: number; pid: number | null }[] {
    return this.db.prepare(`SELECT id, pid FROM reports WHERE status IN ('queued', 'running')`).all() as { id: number; pid: number | null }[];
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM reports WHERE id = ?').run(id).changes > 0;
  }
}
