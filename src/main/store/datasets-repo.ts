/** Rows of `datasets`, `labels`, `images` and `import_errors`, to and from the contract's shapes. */
import type { DatasetDetail, DatasetImage, DatasetSummary } from '../../shared/contract/datasets.js';
import type { Statement } from 'better-sqlite3';
import { conflict, type DomainError } from '../errors.js';
import type { Db } from './db.js';

/** The one error for a dataset name already in use, however the clash was found. */
export function nameTaken(name: string): DomainError {
  return conflict(`a dataset named "${name}" already exists; choose another name or remove it first`, 'dataset-exists');
}

export type Split = 'train' | 'val' | 'test';
export type DatasetSource = 'folder' | 'csv' | 'extracted';
export interface Ratios {
  train: number;
  val: number;
  test: number;
}

interface DatasetRow {
  id: number;
  name: string;
  root: string | null;
  source: DatasetSource;
  seed: number;
  csv_path: string | null;
  splits_json: string;
  mpp: number | null;
  created_at: string;
  updated_at: string;
}

/** What the importer needs of each stored image to diff a re-import against. */
export interface StoredImage {
  id: number;
  path: string;
  fileSize: number;
  mtimeMs: number | null;
  contentHash: string;
  phash: string | null;
  width: number;
  height: number;
  labelId: number | null;
  split: Split | null;
  splitGiven: boolean;
  group: string | null;
  mpp: number | null;
  sourceSlideId: number | null;
  fileMpp: number | null;
  /** The label was set in Tessella (grid, accepted suggestion): a re-import keeps it. */
  labelEdited: boolean;
}

export interface ImageWrite {
  path: string;
  fileSize: number;
  mtimeMs: number;
  contentHash: string;
  phash: string;
  width: number;
  height: number;
  labelId: number | null;
  split: Split | null;
  splitGiven: boolean;
  group: string | null;
  /** Effective mpp: the CSV's, else the file's, else the dataset's. */
  mpp: number | null;
  fileMpp: number | null;
  /** The image this one duplicates; it must already be written. */
  duplicateOf: number | null;
}

export interface LabelRow {
  id: number;
  name: string;
  color: string;
  position: number;
}

/** Tableau 10: distinct on light and dark themes and for common colour blindness. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A prediction set an image query reads suggestions from. */
export interface QueryPredictions {
  modelHash: string;
  /** Class names in the order the set's label_index counts. */
  labels: string[];
}

export interface ImageFilter {
  datasetId: number;
  /** A class name, or null for unlabelled images. */
  label?: string | null;
  split?: Split;
  duplicates?: boolean;
  conflicts?: boolean;
  /** Needed by the prediction filters and the uncertainty order; without it they match nothing / fall back to path order. */
  predictions?: QueryPredictions | null;
  predicted?: string;
  minConfidence?: number;
  maxConfidence?: number;
  disagree?: boolean;
  order: 'path' | 'sample' | 'uncertainty';
}

export interface ImageQuery extends ImageFilter {
  offset: number;
  limit: number;
}

type ImageRow = Omit<DatasetImage, 'prediction' | 'duplicateGroup'> & { pIndex?: number | null; pConfidence?: number; pMargin?: number };

function imageColumns(predictions: QueryPredictions | null | undefined): string {
  const predicted = predictions ? ', p.label_index AS pIndex, p.confidence AS pConfidence, p.margin AS pMargin' : '';
  return `i.id, i.path, l.name AS label, i.split, i.width, i.height, i.mpp, i.group_key AS "group", i.duplicate_of AS duplicateOf${predicted}`;
}

function toImage({ pIndex, pConfidence, pMargin, ...image }: ImageRow, p: QueryPredictions | null | undefined): DatasetImage {
  return { ...image, duplicateGroup: null, prediction: p && pIndex != null ? { label: p.labels[pIndex] ?? `#${pIndex}`, confidence: pConfidence!, margin: pMargin! } : null };
}

export class DatasetsRepo {
  /** Statements are compiled once: an import runs the row writes tens of thousands of times. */
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {}

  private prep(sql: string): Statement<unknown[]> {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private summary(r: DatasetRow): DatasetSummary {
    const images = (this.prep('SELECT count(*) AS n FROM images WHERE dataset_id = ?').get(r.id) as { n: number }).n;
    return {
      id: r.id,
      name: r.name,
      source: r.source,
      root: r.root,
      csvPath: r.csv_path,
      seed: r.seed,
      ratios: JSON.parse(r.splits_json) as Ratios,
      mpp: r.mpp,
      images,
      labels: this.labels(r.id).map((l) => l.name),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  list(): DatasetSummary[] {
    return (this.prep('SELECT * FROM datasets ORDER BY name COLLATE NOCASE, id').all() as DatasetRow[]).map((r) => this.summary(r));
  }

  get(id: number): DatasetSummary | null {
    const r = this.prep('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
    return r ? this.summary(r) : null;
  }

  byName(name: string): DatasetSummary | null {
    const r = this.prep('SELECT * FROM datasets WHERE name = ?').get(name) as DatasetRow | undefined;
    return r ? this.summary(r) : null;
  }

  /** updated_at as stored, for detecting an import that raced another. */
  version(id: number): string | null {
    return (this.prep('SELECT updated_at AS v FROM datasets WHERE id = ?').get(id) as { v: string } | undefined)?.v ?? null;
  }

  /** A new dataset; a name already taken (the one unique column) is a conflict. */
  create(d: { name: string; source: DatasetSource; root: string | null; csvPath: string | null; seed: number; ratios: Ratios; mpp: number | null }): number {
    try {
      const info = this
        .prep('INSERT INTO datasets (name, source, root, csv_path, seed, splits_json, mpp) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(d.name, d.source, d.root, d.csvPath, d.seed, JSON.stringify(d.ratios), d.mpp);
      return Number(info.lastInsertRowid);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw nameTaken(d.name);
      throw e;
    }
  }

  updateSettings(id: number, d: { root: string | null; csvPath: string | null; seed: number; ratios: Ratios; mpp: number | null }): void {
    this
      .prep(`UPDATE datasets SET root = ?, csv_path = ?, seed = ?, splits_json = ?, mpp = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
      .run(d.root, d.csvPath, d.seed, JSON.stringify(d.ratios), d.mpp, id);
  }

  remove(id: number): boolean {
    return this.prep('DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
  }

  labels(datasetId: number): LabelRow[] {
    return this.prep('SELECT id, name, color, position FROM labels WHERE dataset_id = ? ORDER BY position, id').all(datasetId) as LabelRow[];
  }

  /** The label's id, creating it after the existing ones so their indexes never shift. */
  ensureLabel(datasetId: number, name: string): number {
    const found = this.prep('SELECT id FROM labels WHERE dataset_id = ? AND name = ?').get(datasetId, name) as { id: number } | undefined;
    if (found) return found.id;
    const { next } = this.prep('SELECT coalesce(max(position) + 1, 0) AS next FROM labels WHERE dataset_id = ?').get(datasetId) as { next: number };
    const info = this.prep('INSERT INTO labels (dataset_id, name, color, position) VALUES (?, ?, ?, ?)').run(datasetId, name, PALETTE[next % PALETTE.length], next);
    return Number(info.lastInsertRowid);
  }

  /** Drops classes no image has any more and closes the gaps, keeping the remaining order. */
  pruneLabels(datasetId: number): void {
    this.prep('DELETE FROM labels WHERE dataset_id = ? AND id NOT IN (SELECT label_id FROM images WHERE dataset_id = ? AND label_id IS NOT NULL)').run(datasetId, datasetId);
    const setPos = this.prep('UPDATE labels SET position = ? WHERE id = ?');
    this.labels(datasetId).forEach((l, i) => setPos.run(i, l.id));
  }

  storedImages(datasetId: number): StoredImage[] {
    return this
      .prep(
        `SELECT id, path, file_size AS fileSize, file_mtime_ms AS mtimeMs, content_hash AS contentHash, phash, width, height,
                label_id AS labelId, split, split_given AS splitGiven, group_key AS "group", mpp, source_slide_id AS sourceSlideId,
                file_mpp AS fileMpp, label_edited AS labelEdited
         FROM images WHERE dataset_id = ? ORDER BY path`,
      )
      .all(datasetId)
      .map((r) => {
        const row = r as Omit<StoredImage, 'splitGiven' | 'labelEdited'> & { splitGiven: number; labelEdited: number };
        return { ...row, splitGiven: !!row.splitGiven, labelEdited: !!row.labelEdited };
      });
  }

  insertImage(datasetId: number, w: ImageWrite): number {
    const info = this
      .prep(
        `INSERT INTO images (dataset_id, path, file_size, file_mtime_ms, content_hash, phash, width, height, label_id, split, split_given, group_key, mpp, file_mpp, duplicate_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, w.path, w.fileSize, w.mtimeMs, w.contentHash, w.phash, w.width, w.height, w.labelId, w.split, w.splitGiven ? 1 : 0, w.group, w.mpp, w.fileMpp, w.duplicateOf);
    return Number(info.lastInsertRowid);
  }

  updateImage(id: number, w: ImageWrite): void {
    this
      .prep(
        `UPDATE images SET file_size = ?, file_mtime_ms = ?, content_hash = ?, phash = ?, width = ?, height = ?, label_id = ?, split = ?,
                split_given = ?, group_key = ?, mpp = ?, file_mpp = ?, duplicate_of = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
      )
      .run(w.fileSize, w.mtimeMs, w.contentHash, w.phash, w.width, w.height, w.labelId, w.split, w.splitGiven ? 1 : 0, w.group, w.mpp, w.fileMpp, w.duplicateOf, id);
  }

  deleteImage(id: number): void {
    this.prep('DELETE FROM images WHERE id = ?').run(id);
  }

  replaceErrors(datasetId: number, errors: { path: string; reason: string }[]): void {
    this.prep('DELETE FROM import_errors WHERE dataset_id = ?').run(datasetId);
    const ins = this.prep('INSERT INTO import_errors (dataset_id, path, reason) VALUES (?, ?, ?)');
    for (const e of errors) ins.run(datasetId, e.path, e.reason);
  }

  errors(datasetId: number): { path: string; reason: string }[] {
    return this.prep('SELECT path, reason FROM import_errors WHERE dataset_id = ? ORDER BY id').all(datasetId) as { path: string; reason: string }[];
  }

  /** Exact = same bytes as the image it points at; near = flagged but different bytes. */
  duplicateCounts(datasetId: number): { exact: number; near: number } {
    const r = this
      .prep(
        `SELECT coalesce(sum(d.content_hash = i.content_hash), 0) AS exact, coalesce(sum(d.content_hash <> i.content_hash), 0) AS near
         FROM images i JOIN images d ON d.id = i.duplicate_of WHERE i.dataset_id = ?`,
      )
      .get(datasetId) as { exact: number; near: number };
    return { exact: r.exact, near: r.near };
  }

  splitSizes(datasetId: number): { train: number; val: number; test: number; unassigned: number } {
    const sizes = { train: 0, val: 0, test: 0, unassigned: 0 };
    for (const r of this.prep('SELECT split, count(*) AS n FROM images WHERE dataset_id = ? GROUP BY split').all(datasetId) as { split: Split | null; n: number }[]) {
      sizes[r.split ?? 'unassigned'] = r.n;
    }
    return sizes;
  }

  detail(id: number): DatasetDetail | null {
    const base = this.get(id);
    if (!base) return null;
    const counts = this
      .prep('SELECT label_id AS labelId, split, count(*) AS n FROM images WHERE dataset_id = ? GROUP BY label_id, split')
      .all(id) as { labelId: number | null; split: Split | null; n: number }[];
    const classes = this.labels(id).map((l, index) => {
      const c = { label: l.name, index, color: l.color, total: 0, train: 0, val: 0, test: 0 };
      for (const r of counts) {
        if (r.labelId !== l.id) continue;
        c.total += r.n;
        if (r.split) c[r.split] += r.n;
      }
      return c;
    });
    const facts = this
      .prep('SELECT count(DISTINCT group_key) AS groups, coalesce(sum(split_given), 0) AS given, count(mpp) AS withMpp FROM images WHERE dataset_id = ?')
      .get(id) as { groups: number; given: number; withMpp: number };
    return {
      ...base,
      classes,
      splits: this.splitSizes(id),
      errors: this.errors(id),
      duplicates: this.duplicateCounts(id),
      groups: facts.groups,
      givenSplits: facts.given,
      withMpp: facts.withMpp,
    };
  }

  /** FROM/WHERE/ORDER BY for a filter, shared by the page and the id queries so both list images in the same order. */
  private filtered(q: ImageFilter): { from: string; args: (string | number)[]; order: string } {
    const where = ['i.dataset_id = ?'];
    const args: (string | number)[] = [];
    const p = q.predictions ?? null;
    let joins = 'LEFT JOIN labels l ON l.id = i.label_id';
    if (p) {
      joins += ' LEFT JOIN image_predictions p ON p.image_id = i.id AND p.model_hash = ?';
      args.push(p.modelHash);
    }
    args.push(q.datasetId);
    if (q.label === null) where.push('i.label_id IS NULL');
    else if (q.label !== undefined) {
      where.push('l.name = ?');
      args.push(q.label);
    }
    if (q.split !== undefined) {
      where.push('i.split = ?');
      args.push(q.split);
    }
    if (q.duplicates || q.conflicts) {
      // a copy's group is where its duplicate_of chain ends (at most two steps: see withDuplicateGroups)
      const grouped = `SELECT x.id, COALESCE(d.duplicate_of, x.duplicate_of, x.id) AS grp, x.label_id AS label FROM images x
                       LEFT JOIN images d ON d.id = x.duplicate_of WHERE x.dataset_id = ?`;
      const having = q.conflicts ? 'count(DISTINCT coalesce(label, -1)) > 1' : 'count(*) > 1';
      where.push(`i.id IN (SELECT g.id FROM (${grouped}) g WHERE g.grp IN (SELECT grp FROM (${grouped}) GROUP BY grp HAVING ${having}))`);
      args.push(q.datasetId, q.datasetId);
    }
    const byPrediction = q.predicted !== undefined || q.minConfidence !== undefined || q.maxConfidence !== undefined || !!q.disagree;
    if (byPrediction && !p) where.push('0');
    if (p) {
      if (q.predicted !== undefined) {
        where.push('p.label_index = ?');
        args.push(p.labels.indexOf(q.predicted));
      }
      if (q.minConfidence !== undefined) {
        where.push('p.confidence >= ?');
        args.push(q.minConfidence);
      }
      if (q.maxConfidence !== undefined) {
        where.push('p.confidence <= ?');
        args.push(q.maxConfidence);
      }
      if (q.disagree) {
        // the set names its classes itself, so a class added or dropped since does not shift the comparison
        where.push(`p.image_id IS NOT NULL AND l.name IS NOT json_extract(?, '$[' || p.label_index || ']')`);
        args.push(JSON.stringify(p.labels));
      }
    }
    // the content hash is effectively random and never changes, so it makes a stable sample order
    const order =
      q.order === 'sample' ? 'i.content_hash, i.id' : q.order === 'uncertainty' && p ? 'p.margin IS NULL, p.margin, i.path, i.id' : 'i.path, i.id';
    return { from: `FROM images i ${joins} WHERE ${where.join(' AND ')}`, args, order };
  }

  images(q: ImageQuery): { total: number; items: DatasetImage[] } {
    const { from, args, order } = this.filtered(q);
    const total = (this.prep(`SELECT count(*) AS n ${from}`).get(...args) as { n: number }).n;
    const rows = this.prep(`SELECT ${imageColumns(q.predictions)} ${from} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as ImageRow[];
    return { total, items: this.withDuplicateGroups(rows.map((r) => toImage(r, q.predictions))) };
  }

  /**
   * Fills in duplicateGroup: the image every copy leads to. A near copy points at its group's
   * first image, an exact copy at the first image with its bytes, which is that first image or a
   * near copy of it, so at most two steps lead there. Only the page's own images are looked up.
   */
  private withDuplicateGroups(items: DatasetImage[]): DatasetImage[] {
    if (items.length === 0) return items;
    const pointed = [...new Set(items.map((i) => i.duplicateOf).filter((d): d is number => d !== null))];
    const parent = new Map<number, number | null>(
      (this.prep(`SELECT id, duplicate_of AS d FROM images WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(pointed)) as { id: number; d: number | null }[]).map((r) => [r.id, r.d]),
    );
    const heads = new Set(
      (this.prep(`SELECT DISTINCT duplicate_of AS d FROM images WHERE duplicate_of IN (SELECT value FROM json_each(?))`).all(JSON.stringify(items.map((i) => i.id))) as { d: number }[]).map((r) => r.d),
    );
    for (const it of items) it.duplicateGroup = it.duplicateOf !== null ? (parent.get(it.duplicateOf) ?? it.duplicateOf) : heads.has(it.id) ? it.id : null;
    return items;
  }

  /**
   * The given images in the given order (those not in the dataset left out). Cheap however deep
   * in a 100,000-image list they sit, unlike an OFFSET that walks every row before them.
   */
  imagesById(datasetId: number, ids: number[], predictions?: QueryPredictions | null): DatasetImage[] {
    const args: (string | number)[] = [JSON.stringify(ids)];
    let joins = 'LEFT JOIN labels l ON l.id = i.label_id';
    if (predictions) {
      joins += ' LEFT JOIN image_predictions p ON p.image_id = i.id AND p.model_hash = ?';
      args.push(predictions.modelHash);
    }
    args.push(datasetId);
    // CROSS JOIN keeps json_each the outer loop: each id is one primary-key lookup
    const rows = this
      .prep(`SELECT ${imageColumns(predictions)} FROM json_each(?) j CROSS JOIN images i ON i.id = j.value ${joins} WHERE i.dataset_id = ? ORDER BY j.key`)
      .all(...args) as ImageRow[];
    return this.withDuplicateGroups(rows.map((r) => toImage(r, predictions)));
  }

  /** Ids in the order images() lists them, for select-all and range selection. */
  imageIds(q: ImageQuery): { total: number; ids: number[] } {
    const { from, args, order } = this.filtered(q);
    const ids = this.prep(`SELECT i.id ${from} ORDER BY ${order} LIMIT ? OFFSET ?`).pluck().all(...args, q.limit, q.offset) as number[];
    // A list that starts at the top and stops short of the limit is the whole match: no count needed.
    const whole = q.offset === 0 && ids.length < q.limit;
    const total = whole ? ids.length : (this.prep(`SELECT count(*) AS n ${from}`).get(...args) as { n: number }).n;
    return { total, ids };
  }

  imagePath(imageId: number, datasetId?: number): string | null {
    const r = this.prep('SELECT path, dataset_id AS datasetId FROM images WHERE id = ?').get(imageId) as { path: string; datasetId: number } | undefined;
    if (!r || (datasetId !== undefined && r.datasetId !== datasetId)) return null;
    return r.path;
  }
}
