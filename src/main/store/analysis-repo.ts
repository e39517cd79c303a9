/**
 * Rows of `models`, `analyses` and `predictions`. Tile probabilities are stored as Float32 BLOBs
 * (one per tile), so a slide of 100,000 tiles stays a few MB and reads back in one query.
 */
import type { Analysis, AnalysisStatus, AnalysisSummary, TileGrid, TilePrediction, TissueParams } from '../../shared/contract/analysis.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface ModelRow {
  id: number;
  name: string;
  arch: string;
  /** Checkpoint folder, or a built-in architecture name. */
  dir: string;
  hash: string;
  labels: string[];
  inputSize: number;
  trainedMpp: number | null;
  filesStamp: string | null;
}

/** Parameters as stored: the contract's plus the slide mpp they were resolved with. */
export interface StoredParams {
  targetMpp: number;
  overlap: number;
  minTissue: number;
  tissue: TissueParams;
  slideMpp: number;
  /** Present only for int8, so an fp32 analysis keeps the parameter key it always had. */
  precision?: 'int8';
}

export interface PredictionRow {
  x: number;
  y: number;
  w: number;
  h: number;
  tissue: number;
  label: number;
  probs: Float32Array;
}

/** A row of the `models` table as SQLite returns it. */
export interface RawModel {
  id: number;
  name: string;
  arch: string;
  dir: string;
  checkpoint_hash: string;
  labels_json: string;
  input_size: number;
  trained_mpp: number | null;
  files_stamp: string | null;
  /** JSON {repo, revision, commit} for a model pulled from the Hub. */
  source_json?: string | null;
  created_at: string;
}

interface RawAnalysis {
  id: number;
  slide_id: number;
  slide_name: string;
  model_id: number;
  params_json: string;
  status: AnalysisStatus;
  tiles_total: number | null;
  tiles_done: number;
  summary_json: string | null;
  error: string | null;
  queue_position: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  grid_json: string | null;
  seconds: number;
  pid: number | null;
  heartbeat_at: string | null;
  checkpoint_hash: string;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

export function modelFromRow(r: RawModel): ModelRow {
  return {
    id: r.id,
    name: r.name,
    arch: r.arch,
    dir: r.dir,
    hash: r.checkpoint_hash,
    labels: JSON.parse(r.labels_json),
    inputSize: r.input_size,
    trainedMpp: r.trained_mpp,
    filesStamp: r.files_stamp,
  };
}

/** Little-endian float32 bytes, whatever the platform's order (all current ones are LE). */
export function encodeProbs(p: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(p.length * 4);
  for (let i = 0; i < p.length; i++) b.writeFloatLE(p[i]!, i * 4);
  return b;
}

export function decodeProbs(b: Buffer): Float32Array {
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

/** A JSON text with object keys sorted, so equal parameters give equal keys. */
export function canonicalJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(sort(v));
}

export class AnalysisRepo {
  constructor(readonly db: Db) {}

  // ---------- models ----------

  modelByDir(dir: string): ModelRow | null {
    const r = this.db.prepare('SELECT * FROM models WHERE dir = ?').get(dir) as RawModel | undefined;
    return r ? modelFromRow(r) : null;
  }

  model(id: number): ModelRow | null {
    const r = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as RawModel | undefined;
    return r ? modelFromRow(r) : null;
  }

  /** Inserts or refreshes the row of a checkpoint folder; trained_mpp and run_id (set by training) are kept. */
  upsertModel(m: { name: string; arch: string; dir: string; hash: string; labels: string[]; inputSize: number; filesStamp: string }): ModelRow {
    this.db
      .prepare(
        `INSERT INTO models (name, arch, dir, checkpoint_hash, labels_json, input_size, files_stamp)
         VALUES (@name, @arch, @dir, @hash, @labels, @inputSize, @filesStamp)
         ON CONFLICT(dir) DO UPDATE SET arch = excluded.arch, checkpoint_hash = excluded.checkpoint_hash,
           labels_json = excluded.labels_json, input_size = excluded.input_size, files_stamp = excluded.files_stamp`,
      )
      .run({ ...m, labels: JSON.stringify(m.labels) });
    return this.modelByDir(m.dir)!;
  }

  // ---------- analyses ----------

  private readonly selectAnalysis = `SELECT a.*, s.name AS slide_name FROM analyses a JOIN slides s ON s.id = a.slide_id`;

  private toAnalysis(r: RawAnalysis): Analysis {
    const m = this.model(r.model_id)!;
    const p = JSON.parse(r.params_json) as StoredParams;
    return {
      id: r.id,
      slideId: r.slide_id,
      slideName: r.slide_name,
      model: { id: m.id, name: m.name, dir: m.dir, arch: m.arch, hash: r.checkpoint_hash, labels: m.labels },
      params: { targetMpp: p.targetMpp, overlap: p.overlap, minTissue: p.minTissue, tissue: p.tissue, precision: p.precision ?? 'fp32' },
      status: r.status,
      done: r.tiles_done,
      total: r.tiles_total,
      grid: r.grid_json ? (JSON.parse(r.grid_json) as TileGrid) : null,
      summary: r.summary_json ? (JSON.parse(r.summary_json) as AnalysisSummary) : null,
      error: r.error,
      queuePosition: r.queue_position,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    };
  }

  get(id: number): Analysis | null {
    const r = this.db.prepare(`${this.selectAnalysis} WHERE a.id = ?`).get(id) as RawAnalysis | undefined;
    return r ? this.toAnalysis(r) : null;
  }

  /** What the runner needs beyond the contract shape. */
  internals(id: number): { params: StoredParams; modelId: number; pid: number | null; heartbeatAt: string | null; seconds: number } | null {
    const r = this.db.prepare('SELECT params_json, model_id, pid, heartbeat_at, seconds FROM analyses WHERE id = ?').get(id) as
      | { params_json: string; model_id: number; pid: number | null; heartbeat_at: string | null; seconds: number }
      | undefined;
    return r ? { params: JSON.parse(r.params_json), modelId: r.model_id, pid: r.pid, heartbeatAt: r.heartbeat_at, seconds: r.seconds } : null;
  }

  find(slideId: number, hash: string, params: StoredParams): Analysis | null {
    const r = this.db
      .prepare(`${this.selectAnalysis} WHERE a.slide_id = ? AND a.checkpoint_hash = ? AND a.params_key = ?`)
      .get(slideId, hash, canonicalJson(params)) as RawAnalysis | undefined;
    return r ? this.toAnalysis(r) : null;
  }

  /** A new analysis, queued or (with `pid`) already running in that process. */
  create(a: { slideId: number; model: ModelRow; params: StoredParams; status: 'queued' | 'running'; pid?: number }): Analysis {
    const position = a.status === 'queued' ? this.nextQueuePosition() : null;
    const info = this.db
      .prepare(
        `INSERT INTO analyses (slide_id, model_id, checkpoint_hash, params_json, params_key, status, queue_position, pid, heartbeat_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ${a.status === 'running' ? NOW : 'NULL'})`,
      )
      .run(a.slideId, a.model.id, a.model.hash, JSON.stringify(a.params), canonicalJson(a.params), a.status, position, a.pid ?? null);
    return this.get(Number(info.lastInsertRowid))!;
  }

  list(filter: { slideId?: number; status?: AnalysisStatus } = {}): Analysis[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.slideId !== undefined) where.push('a.slide_id = ?'), args.push(filter.slideId);
    if (filter.status !== undefined) where.push('a.status = ?'), args.push(filter.status);
    const order = filter.status === 'queued' ? 'a.queue_position, a.id' : 'a.created_at DESC, a.id DESC';
    const rows = this.db.prepare(`${this.selectAnalysis} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}`).all(...args) as RawAnalysis[];
    return rows.map((r) => this.toAnalysis(r));
  }

  private nextQueuePosition(): number {
    const r = this.db.prepare("SELECT MAX(queue_position) AS m FROM analyses WHERE status = 'queued'").get() as { m: number | null };
    return (r.m ?? 0) + 1;
  }

  /** Puts an analysis at the end of the queue (no-op while it runs). */
  requeue(id: number): boolean {
    return (
      this.db
        .prepare(`UPDATE analyses SET status = 'queued', queue_position = ?, error = NULL, pid = NULL, finished_at = NULL WHERE id = ? AND status != 'running'`)
        .run(this.nextQueuePosition(), id).changes > 0
    );
  }

  nextQueued(): number | null {
    const r = this.db.prepare("SELECT id FROM analyses WHERE status = 'queued' ORDER BY queue_position, id LIMIT 1").get() as { id: number } | undefined;
    return r?.id ?? null;
  }

  /**
   * Makes this process the owner of an analysis, unless another live process owns it (a running
   * row whose heartbeat is fresh). Atomic, so two processes sharing the database never both run it.
   */
  claim(id: number, pid: number, staleSeconds: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE analyses SET status = 'running', pid = ?, heartbeat_at = ${NOW}, started_at = ${NOW}, error = NULL, finished_at = NULL, queue_position = NULL
           WHERE id = ? AND (status != 'running' OR pid = ? OR heartbeat_at IS NULL OR heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ','now', ?))`,
        )
        .run(pid, id, pid, `-${staleSeconds} seconds`).changes > 0
    );
  }

  heartbeat(id: number, pid: number): void {
    this.db.prepare(`UPDATE analyses SET heartbeat_at = ${NOW} WHERE id = ? AND pid = ? AND status = 'running'`).run(id, pid);
  }

  /** Running rows whose owner stopped beating: a crash or a killed process. */
  staleRunning(staleSeconds: number): number[] {
    const rows = this.db
      .prepare(`SELECT id FROM analyses WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ','now', ?))`)
      .all(`-${staleSeconds} seconds`) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** Ends a run this process owns. */
  finish(id: number, pid: number, status: Exclude<AnalysisStatus, 'running' | 'queued'>, error: string | null = null): void {
    this.db.prepare(`UPDATE analyses SET status = ?, error = ?, pid = NULL, finished_at = ${NOW} WHERE id = ? AND (pid = ? OR pid IS NULL)`).run(status, error, id, pid);
  }

  /** A queued or interrupted (not running) analysis the user cancels. */
  cancelIdle(id: number): boolean {
    return (
      this.db
        .prepare(`UPDATE analyses SET status = 'cancelled', queue_position = NULL, pid = NULL, finished_at = ${NOW} WHERE id = ? AND status IN ('queued', 'interrupted')`)
        .run(id).changes > 0
    );
  }

  markInterrupted(id: number): void {
    this.db.prepare("UPDATE analyses SET status = 'interrupted', pid = NULL WHERE id = ? AND status = 'running'").run(id);
  }

  setGrid(id: number, grid: TileGrid): void {
    this.db.prepare('UPDATE analyses SET grid_json = ?, tiles_total = ? WHERE id = ?').run(JSON.stringify(grid), grid.tissueTiles, id);
  }

  setSummary(id: number, summary: AnalysisSummary): void {
    this.db.prepare('UPDATE analyses SET summary_json = ? WHERE id = ?').run(JSON.stringify(summary), id);
  }

  addSeconds(id: number, seconds: number): number {
    this.db.prepare('UPDATE analyses SET seconds = seconds + ? WHERE id = ?').run(seconds, id);
    return (this.db.prepare('SELECT seconds FROM analyses WHERE id = ?').get(id) as { seconds: number }).seconds;
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM analyses WHERE id = ?').run(id).changes > 0;
  }

  // ---------- predictions ----------

  private insertStmt?: Statement<unknown[]>;

  /** Stores a batch of tiles and bumps tiles_done, in one transaction; a tile already stored is kept. */
  insertPredictions(id: number, rows: PredictionRow[]): number {
    this.insertStmt ??= this.db.prepare(
      'INSERT OR IGNORE INTO predictions (analysis_id, x, y, w, h, label_index, probs, tissue) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const stmt = this.insertStmt;
    return this.db.transaction(() => {
      let added = 0;
      for (const r of rows) added += stmt.run(id, r.x, r.y, r.w, r.h, r.label, encodeProbs(r.probs), r.tissue).changes;
      this.db.prepare('UPDATE analyses SET tiles_done = tiles_done + ? WHERE id = ?').run(added, id);
      return (this.db.prepare('SELECT tiles_done AS n FROM analyses WHERE id = ?').get(id) as { n: number }).n;
    })();
  }

  /** Top-left corners of the tiles already stored, as "x,y" keys. */
  doneKeys(id: number): string[] {
    return (this.db.prepare('SELECT x, y FROM predictions WHERE analysis_id = ?').all(id) as { x: number; y: number }[]).map((r) => `${r.x},${r.y}`);
  }

  count(id: number, bbox?: { minX: number; minY: number; maxX: number; maxY: number }): number {
    if (!bbox) return (this.db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE analysis_id = ?').get(id) as { n: number }).n;
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM predictions WHERE analysis_id = ? AND x < ? AND y < ? AND x + w > ? AND y + h > ?').get(id, bbox.maxX, bbox.maxY, bbox.minX, bbox.minY) as {
        n: number;
      }
    ).n;
  }

  /** Stored tiles in row-major order (y, then x); with a bbox only those meeting it. */
  predictions(id: number, opts: { bbox?: { minX: number; minY: number; maxX: number; maxY: number }; limit?: number } = {}): PredictionRow[] {
    const limit = opts.limit ?? -1;
    const b = opts.bbox;
    const rows = (
      b
        ? this.db
            .prepare('SELECT * FROM predictions WHERE analysis_id = ? AND x < ? AND y < ? AND x + w > ? AND y + h > ? ORDER BY y, x LIMIT ?')
            .all(id, b.maxX, b.maxY, b.minX, b.minY, limit)
        : this.db.prepare('SELECT * FROM predictions WHERE analysis_id = ? ORDER BY y, x LIMIT ?').all(id, limit)
    ) as { x: number; y: number; w: number; h: number; label_index: number; probs: Buffer; tissue: number }[];
    return rows.map((r) => ({ x: r.x, y: r.y, w: r.w, h: r.h, tissue: r.tissue, label: r.label_index, probs: decodeProbs(r.probs) }));
  }
}

export function toTilePrediction(r: PredictionRow): TilePrediction {
  return { x: r.x, y: r.y, w: r.w, h: r.h, tissue: r.tissue, label: r.label, probs: Array.from(r.probs) };
}
