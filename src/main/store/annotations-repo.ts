/**
 * Rows of `annotations` and `annotation_classes`. Rows travel whole (ids, timestamps and all) so
 * the undo history can put back exactly what was there.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db.js';

export interface AnnotationRow {
  id: number;
  slide_id: number;
  uuid: string;
  object_type: string;
  class_id: number | null;
  name: string | null;
  color: string | null;
  locked: number;
  geometry_json: string;
  min_x: number;
  min_y: number;
  max_x: number;
  max_y: number;
  measurements_json: string | null;
  extra_json: string | null;
  created_at: string;
  updated_at: string;
}

/** What a caller decides; the database assigns id and timestamps. */
export type NewAnnotationRow = Omit<AnnotationRow, 'id' | 'created_at' | 'updated_at'>;

export interface ClassRow {
  id: number;
  name: string;
  /** JSON text of the colour in the form it came in ([r,g,b] or a packed integer). */
  color: string;
}

type Bounds = { minX: number; minY: number; maxX: number; maxY: number };
/** A row's bounding box meets the given one; parameters maxX, maxY, minX, minY. */
const MEETS = 'min_x <= ? AND min_y <= ? AND max_x >= ? AND max_y >= ?';

const COLUMNS = [
  'slide_id', 'uuid', 'object_type', 'class_id', 'name', 'color', 'locked', 'geometry_json',
  'min_x', 'min_y', 'max_x', 'max_y', 'measurements_json', 'extra_json',
] as const;

export class AnnotationsRepo {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Db) {}

  /** Prepared once: an import of many thousand detections runs the same few statements. */
  private sql(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** In insertion order; with bounds, only rows whose bounding box meets them. */
  list(slideId: number, bounds?: Bounds): AnnotationRow[] {
    if (!bounds) return this.sql('SELECT * FROM annotations WHERE slide_id = ? ORDER BY id').all(slideId) as AnnotationRow[];
    return this.sql(`SELECT * FROM annotations WHERE slide_id = ? AND ${MEETS} ORDER BY id`)
      .all(slideId, bounds.maxX, bounds.maxY, bounds.minX, bounds.minY) as AnnotationRow[];
  }

  /** `list` from `offset`, at most `limit` rows. */
  page(slideId: number, bounds: Bounds | undefined, offset: number, limit: number): AnnotationRow[] {
    if (!bounds) return this.sql('SELECT * FROM annotations WHERE slide_id = ? ORDER BY id LIMIT ? OFFSET ?').all(slideId, limit, offset) as AnnotationRow[];
    return this.sql(`SELECT * FROM annotations WHERE slide_id = ? AND ${MEETS} ORDER BY id LIMIT ? OFFSET ?`)
      .all(slideId, bounds.maxX, bounds.maxY, bounds.minX, bounds.minY, limit, offset) as AnnotationRow[];
  }

  /** How many rows `list` would return. */
  count(slideId: number, bounds?: Bounds): number {
    const row = bounds
      ? this.sql(`SELECT COUNT(*) AS n FROM annotations WHERE slide_id = ? AND ${MEETS}`).get(slideId, bounds.maxX, bounds.maxY, bounds.minX, bounds.minY)
      : this.sql('SELECT COUNT(*) AS n FROM annotations WHERE slide_id = ?').get(slideId);
    return (row as { n: number }).n;
  }

  byUuid(slideId: number, uuid: string): AnnotationRow | null {
    return (this.sql('SELECT * FROM annotations WHERE slide_id = ? AND uuid = ?').get(slideId, uuid) as AnnotationRow | undefined) ?? null;
  }

  insert(row: NewAnnotationRow): AnnotationRow {
    return this.sql(`INSERT INTO annotations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => '@' + c).join(', ')}) RETURNING *`).get(row) as AnnotationRow;
  }

  /** Replace the row with this uuid by `row`, fields as given; timestamps move to now. */
  replace(existing: AnnotationRow, row: NewAnnotationRow): AnnotationRow {
    return this.sql(
      `UPDATE annotations SET ${COLUMNS.map((c) => `${c} = @${c}`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = @id RETURNING *`,
    ).get({ ...row, id: existing.id }) as AnnotationRow;
  }

  /**
   * Put a row back exactly as recorded. Its old id may since have gone to a row of another
   * slide (SQLite reuses the highest id); the uuid is the identity, so it then takes a new one.
   */
  restore(row: AnnotationRow): void {
    const all = [...COLUMNS, 'created_at', 'updated_at'];
    const taken = this.sql('SELECT 1 FROM annotations WHERE id = ?').get(row.id);
    const cols = taken ? all : ['id', ...all];
    this.sql(`INSERT INTO annotations (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row);
  }

  deleteById(id: number): void {
    this.sql('DELETE FROM annotations WHERE id = ?').run(id);
  }

  /**
   * In the order they were made: number keys pick classes by position, so a class imported later
   * (or renamed) must not shift the others' numbers, as QuPath's class list keeps them.
   */
  classes(): (ClassRow & { count: number })[] {
    return this.sql('SELECT c.id, c.name, c.color, (SELECT COUNT(*) FROM annotations a WHERE a.class_id = c.id) AS count FROM annotation_classes c ORDER BY c.id')
      .all() as (ClassRow & { count: number })[];
  }

  classById(id: number): ClassRow | null {
    return (this.sql('SELECT * FROM annotation_classes WHERE id = ?').get(id) as ClassRow | undefined) ?? null;
  }

  classByName(name: string): ClassRow | null {
    return (this.sql('SELECT * FROM annotation_classes WHERE name = ?').get(name) as ClassRow | undefined) ?? null;
  }

  insertClass(name: string, color: string): ClassRow {
    const info = this.sql('INSERT INTO annotation_classes (name, color) VALUES (?, ?)').run(name, color);
    return { id: Number(info.lastInsertRowid), name, color };
  }

  updateClass(id: number, name: string, color: string): void {
    this.sql('UPDATE annotation_classes SET name = ?, color = ? WHERE id = ?').run(name, color, id);
  }
}
