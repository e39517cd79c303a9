/**
 * Annotations of slides: edits (each one undoable), viewport queries, classes, and QuPath
 * GeoJSON import/export. One instance per AppContext, so every front door of a process shares
 * the same undo history.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import {
  ANNOTATION_PAGE_LIMIT,
  ANNOTATION_PAGE_VERTICES,
  GEOJSON_LIMITS,
  type Annotation,
  type AnnotationClass,
  type AnnotationPage,
  type BBox,
  type Geometry,
  type HistoryState,
  type HistoryStep,
} from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { AnnotationsRepo, type AnnotationRow, type ClassRow, type NewAnnotationRow } from '../store/annotations-repo.js';
import { defaultClassColor, hexToRawColor, rawColorToHex } from './colors.js';
import { featureCollectionText, geoJsonTooLarge, measurementsRecord, parseGeometry, toFeature, type FeatureExtra } from './geojson.js';
import type { GeoJsonJob } from './geojson-worker-protocol.js';
import { boundsOf, positionCount } from './geometry.js';
import { extraJsonWith, prepareFeatures, type PreparedFeature } from './import-rows.js';
import { prepareFeaturesInWorker } from './parse-in-worker.js';
import { AnnotationHistory, type RowChange } from './history.js';
import { parseLenientJson } from './lenient-json.js';

export interface AnnotationFields {
  objectType?: string;
  classId?: number | null;
  name?: string | null;
  color?: string | null;
  locked?: boolean;
}

export interface ImportResult {
  slideId: number;
  imported: number;
  added: number;
  replaced: number;
  classesAdded: string[];
  byType: Record<string, number>;
}

const FALLBACK_COLOR = '#888888';

export class AnnotationService {
  readonly repo: AnnotationsRepo;
  private readonly history: AnnotationHistory;

  constructor(
    repo: AnnotationsRepo,
    /** Throws (not-found) for a slide that is not in the library. */
    private readonly requireSlide: (slideId: number) => unknown,
  ) {
    this.repo = repo;
    this.history = new AnnotationHistory(repo);
  }

  // ---------- reading ----------

  list(slideId: number, bbox?: BBox): Annotation[] {
    this.requireSlide(slideId);
    const classes = this.classMap();
    return this.repo.list(slideId, bbox).map((r) => toAnnotation(r, classes));
  }

  /**
   * One page of the list: at most `limit` annotations, fewer once their geometries hold
   * ANNOTATION_PAGE_VERTICES positions, so no answer grows with the slide's whole annotation set.
   */
  page(slideId: number, { bbox, offset = 0, limit = ANNOTATION_PAGE_LIMIT }: { bbox?: BBox; offset?: number; limit?: number }): AnnotationPage {
    this.requireSlide(slideId);
    const classes = this.classMap();
    const annotations: Annotation[] = [];
    let vertices = 0;
    for (const r of this.repo.page(slideId, bbox, offset, Math.min(limit, ANNOTATION_PAGE_LIMIT))) {
      const a = toAnnotation(r, classes);
      vertices += positionCount(a.geometry);
      if (annotations.length > 0 && vertices > ANNOTATION_PAGE_VERTICES) break;
      annotations.push(a);
    }
    const total = this.repo.count(slideId, bbox);
    const end = offset + annotations.length;
    return { annotations, total, nextOffset: end < total ? end : null };
  }

  /** The raw rows, for code that needs geometry in bulk (patch extraction). */
  rows(slideId: number): { row: AnnotationRow; cls: ClassRow | null }[] {
    const classes = this.classMap();
    return this.repo.list(slideId).map((row) => ({ row, cls: row.class_id !== null ? (classes.get(row.class_id) ?? null) : null }));
  }

  // ---------- edits ----------

  create(slideId: number, geometry: Geometry, fields: AnnotationFields = {}): Annotation {
    this.requireSlide(slideId);
    const g = checkedGeometry(geometry);
    return this.edit(slideId, 'create', () => {
      const row = this.repo.insert({
        slide_id: slideId,
        uuid: randomUUID(),
        object_type: fields.objectType ?? 'annotation',
        class_id: this.checkedClassId(fields.classId ?? null),
        name: fields.name ?? null,
        color: fields.color ? JSON.stringify(hexToRawColor(fields.color)) : null,
        locked: fields.locked ? 1 : 0,
        ...geometryColumns(g),
        measurements_json: null,
        extra_json: null,
      });
      return [{ uuid: row.uuid, before: null, after: row }];
    });
  }

  update(slideId: number, id: string, patch: AnnotationFields & { geometry?: Geometry }): Annotation {
    this.requireSlide(slideId);
    const g = patch.geometry ? checkedGeometry(patch.geometry) : undefined;
    return this.edit(slideId, 'edit', () => {
      const old = this.repo.byUuid(slideId, id);
      if (!old) throw new DomainError('not-found', `no annotation ${id} on slide ${slideId}`);
      if (g && old.locked && patch.locked !== false) {
        throw new DomainError('conflict', `annotation ${id} is locked; unlock it before reshaping or moving it`, 'locked');
      }
      const next: NewAnnotationRow = {
        ...stripGenerated(old),
        object_type: patch.objectType ?? old.object_type,
        class_id: patch.classId === undefined ? old.class_id : this.checkedClassId(patch.classId),
        name: patch.name === undefined ? old.name : patch.name,
        color: patch.color === undefined ? old.color : keepColorForm(old.color, patch.color),
        locked: patch.locked === undefined ? old.locked : patch.locked ? 1 : 0,
        ...(g ? geometryColumns(g) : {}),
      };
      if (sameFields(old, next)) return [];
      return [{ uuid: id, before: old, after: this.repo.replace(old, next) }];
    }, id);
  }

  delete(slideId: number, ids: string[]): { deleted: string[] } {
    this.requireSlide(slideId);
    const changes = this.repo.transaction(() => {
      const out: RowChange[] = [];
      for (const uuid of new Set(ids)) {
        const row = this.repo.byUuid(slideId, uuid);
        if (!row) continue;
        this.repo.deleteById(row.id);
        out.push({ uuid, before: row, after: null });
      }
      return out;
    });
    this.history.record(slideId, { label: changes.length === 1 ? 'delete' : `delete ${changes.length}`, changes });
    return { deleted: changes.map((c) => c.uuid) };
  }

  undo(slideId: number): HistoryStep {
    this.requireSlide(slideId);
    return this.history.undo(slideId);
  }

  redo(slideId: number): HistoryStep {
    this.requireSlide(slideId);
    return this.history.redo(slideId);
  }

  historyState(slideId: number): HistoryState {
    this.requireSlide(slideId);
    return this.history.state(slideId);
  }

  /** Runs one edit in a transaction, records it, and returns the annotation it leaves. */
  private edit(slideId: number, label: string, fn: () => RowChange[], id?: string): Annotation {
    const changes = this.repo.transaction(fn);
    this.history.record(slideId, { label, changes });
    const row = changes[0]?.after ?? this.repo.byUuid(slideId, id!);
    return toAnnotation(row!, this.classMap());
  }

  // ---------- classes ----------

  classes(): AnnotationClass[] {
    return this.repo.classes().map((c) => ({ id: c.id, name: c.name, color: classHex(c), count: c.count }));
  }

  /** Add (no id) or rename/recolour (id) a class. */
  setClass(input: { id?: number; name?: string; color?: string }): AnnotationClass {
    return this.repo.transaction(() => {
      const name = input.name?.trim();
      let id: number;
      if (input.id === undefined) {
        if (!name) throw new DomainError('invalid-input', 'a new class needs a name');
        const taken = this.repo.classByName(name);
        if (taken) throw new DomainError('conflict', `a class named "${name}" already exists (id ${taken.id})`);
        id = this.repo.insertClass(name, JSON.stringify(input.color ? hexToRawColor(input.color) : defaultClassColor(name))).id;
      } else {
        const cls = this.repo.classById(input.id);
        if (!cls) throw new DomainError('not-found', `no annotation class with id ${input.id}`);
        const taken = name ? this.repo.classByName(name) : null;
        if (taken && taken.id !== cls.id) throw new DomainError('conflict', `a class named "${name}" already exists (id ${taken.id})`);
        const color = input.color === undefined ? cls.color : keepColorForm(cls.color, input.color)!;
        this.repo.updateClass(cls.id, name ?? cls.name, color);
        id = cls.id;
      }
      return this.classes().find((c) => c.id === id)!;
    });
  }

  // ---------- QuPath GeoJSON ----------

  /**
   * All features or none: a file that fails validation, or a failure midway, leaves the slide as
   * it was. Parses in this thread: for small texts and code that is already off the main thread.
   */
  importGeoJson(slideId: number, text: string): ImportResult {
    this.requireSlide(slideId);
    return this.writeImport(slideId, prepareFeatures(text));
  }

  /**
   * The same import with the reading, parsing and validating in a worker thread, so the process
   * keeps answering other calls meanwhile; over a limit of GEOJSON_LIMITS it is refused at once.
   */
  async importGeoJsonOffThread(slideId: number, source: GeoJsonJob, onPhase?: (phase: 'parse' | 'write') => void): Promise<ImportResult> {
    this.requireSlide(slideId);
    const bytes = 'text' in source ? Buffer.byteLength(source.text) : (await stat(source.path)).size;
    if (bytes > GEOJSON_LIMITS.fileBytes) {
      const what = 'path' in source ? source.path : 'the GeoJSON text';
      throw geoJsonTooLarge(`${what} is ${megabytes(bytes)}; at most ${megabytes(GEOJSON_LIMITS.fileBytes)} of GeoJSON can be imported at once`);
    }
    onPhase?.('parse');
    const features = await prepareFeaturesInWorker(source);
    onPhase?.('write');
    this.requireSlide(slideId); // it may have been removed while the worker read
    return this.writeImport(slideId, features);
  }

  private writeImport(slideId: number, features: PreparedFeature[]): ImportResult {
    const classesAdded: string[] = [];
    const byType: Record<string, number> = {};
    let replaced = 0;
    const changes = this.repo.transaction(() =>
      features.map((f): RowChange => {
        let cls: ClassRow | null = null;
        let override: FeatureExtra['classification'];
        if (f.classification) {
          const { name, color, value } = f.classification;
          cls = this.repo.classByName(name);
          if (!cls) {
            cls = this.repo.insertClass(name, JSON.stringify(color ?? defaultClassColor(name)));
            classesAdded.push(name);
          }
          if (!sameJson(value, { name: cls.name, color: JSON.parse(cls.color) })) {
            override = { value, className: cls.name, classColor: cls.color };
          }
        }
        const row: NewAnnotationRow = {
          slide_id: slideId,
          uuid: f.id,
          object_type: f.objectType,
          class_id: cls?.id ?? null,
          name: f.name,
          color: f.color,
          locked: f.locked ? 1 : 0,
          geometry_json: f.geometryJson,
          min_x: f.bounds.minX,
          min_y: f.bounds.minY,
          max_x: f.bounds.maxX,
          max_y: f.bounds.maxY,
          measurements_json: f.measurementsJson,
          extra_json: extraJsonWith(f.extraJson, override),
        };
        byType[f.objectType] = (byType[f.objectType] ?? 0) + 1;
        const before = this.repo.byUuid(slideId, f.id);
        if (before) replaced++;
        return { uuid: f.id, before, after: before ? this.repo.replace(before, row) : this.repo.insert(row) };
      }),
    );
    this.history.record(slideId, { label: `import ${features.length}`, changes });
    return { slideId, imported: features.length, added: features.length - replaced, replaced, classesAdded, byType };
  }

  exportGeoJson(slideId: number): { geojson: string; count: number } {
    this.requireSlide(slideId);
    const features = this.rows(slideId).map(({ row, cls }) =>
      toFeature({
        id: row.uuid,
        objectType: row.object_type,
        name: row.name,
        color: row.color === null ? null : JSON.parse(row.color),
        locked: row.locked !== 0,
        geometry: JSON.parse(row.geometry_json),
        measurements: row.measurements_json === null ? null : parseLenientJson(row.measurements_json),
        extra: row.extra_json === null ? null : (parseLenientJson(row.extra_json) as FeatureExtra),
        cls: cls ? { name: cls.name, color: JSON.parse(cls.color) } : null,
      }),
    );
    return { geojson: featureCollectionText(features), count: features.length };
  }

  // ---------- helpers ----------

  private classMap(): Map<number, ClassRow> {
    return new Map(this.repo.classes().map((c) => [c.id, c]));
  }

  private checkedClassId(id: number | null): number | null {
    if (id !== null && !this.repo.classById(id)) throw new DomainError('not-found', `no annotation class with id ${id}`);
    return id;
  }
}

const services = new WeakMap<AppContext, AnnotationService>();

/** The one service of a context (and so one undo history per process and slide). */
export function annotationService(ctx: AppContext): AnnotationService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new AnnotationService(new AnnotationsRepo(ctx.db), (id) => ctx.slides.require(id))));
  return s;
}

function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

function checkedGeometry(g: Geometry): Geometry {
  return parseGeometry(g, (what) => `invalid geometry: ${what}`);
}

function geometryColumns(g: Geometry) {
  const b = boundsOf(g);
  return { geometry_json: JSON.stringify(g), min_x: b.minX, min_y: b.minY, max_x: b.maxX, max_y: b.maxY };
}

function stripGenerated(r: AnnotationRow): NewAnnotationRow {
  const { id: _id, created_at: _c, updated_at: _u, ...rest } = r;
  return rest;
}

function sameFields(old: AnnotationRow, next: NewAnnotationRow): boolean {
  return (Object.keys(next) as (keyof NewAnnotationRow)[]).every((k) => old[k] === next[k]);
}

/** A colour the user set: keeps the stored form (array or packed int) when it already is that colour. */
function keepColorForm(stored: string | null, hex: string | null): string | null {
  if (hex === null) return null;
  if (stored !== null && rawColorToHex(JSON.parse(stored)) === hex.toLowerCase()) return stored;
  return JSON.stringify(hexToRawColor(hex));
}

function classHex(c: ClassRow): string {
  return rawColorToHex(JSON.parse(c.color)) ?? FALLBACK_COLOR;
}

function toAnnotation(r: AnnotationRow, classes: Map<number, ClassRow>): Annotation {
  const cls = r.class_id !== null ? (classes.get(r.class_id) ?? null) : null;
  return {
    id: r.uuid,
    slideId: r.slide_id,
    objectType: r.object_type,
    classId: r.class_id,
    className: cls?.name ?? null,
    name: r.name,
    color: r.color === null ? null : rawColorToHex(JSON.parse(r.color)),
    locked: r.locked !== 0,
    geometry: JSON.parse(r.geometry_json),
    bbox: { minX: r.min_x, minY: r.min_y, maxX: r.max_x, maxY: r.max_y },
    measurements: r.measurements_json === null ? null : measurementsRecord(parseLenientJson(r.measurements_json)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Equal as JSON values, whatever the key order. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
