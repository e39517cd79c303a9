/**
 * QuPath GeoJSON in and out. What we interpret (id, geometry, objectType, name, color,
 * classification, isLocked, measurements) goes to columns; everything else (foreign members,
 * `metadata`, unknown properties, known keys given as null) is kept verbatim and written back,
 * so a QuPath file survives import + export with nothing lost.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GEOJSON_LIMITS, GEOMETRY_TYPES, Geometry } from '../../shared/contract/annotations.js';
import { describeJsonSyntaxError, DomainError } from '../errors.js';
import { withClosedRings } from './geometry.js';
import { nestingBeyond, parseLenientJson, stringifyLenientJson } from './lenient-json.js';

/** A GeoJSON file we cannot take: says what is wrong and at which feature. */
export class GeoJsonError extends DomainError {
  constructor(message: string) {
    super('invalid-input', message, 'invalid-geojson');
    this.name = 'GeoJsonError';
  }
}

export type GeoJsonLimits = { [K in keyof typeof GEOJSON_LIMITS]: number };

/** A GeoJSON file over one of the import limits: says which, and by how much. */
export function geoJsonTooLarge(message: string): DomainError {
  return new DomainError('too-large', message, 'geojson-too-large');
}

/** What extra_json holds for an imported feature. */
export interface FeatureExtra {
  /** Feature members other than type, id, geometry and properties (QuPath's nucleusGeometry, ...). */
  members?: Record<string, unknown>;
  /** Properties we do not interpret, and interpreted ones that were given as null. */
  properties?: Record<string, unknown>;
  /** The properties' keys in their original order, so a key that was absent stays absent. */
  keys?: string[];
  /** The id was a JSON number; written back as one. */
  numericId?: true;
  /**
   * The feature's classification when it differs from what the class row would write (another
   * colour than the class already had, QuPath 0.2's colorRGB, extra keys). Written back while
   * the class still has this name and colour.
   */
  classification?: { value: unknown; className: string; classColor: string };
}

export interface ParsedFeature {
  index: number;
  id: string;
  objectType: string;
  name: string | null;
  /** As given: [r,g,b], a packed integer, or null. */
  color: unknown;
  locked: boolean;
  geometry: Geometry;
  classification: { name: string; color: unknown; value: Record<string, unknown> } | null;
  measurements: unknown;
  extra: FeatureExtra;
}

/** The stored object as export needs it. */
export interface StoredFeature {
  id: string;
  objectType: string;
  name: string | null;
  color: unknown;
  locked: boolean;
  geometry: unknown;
  measurements: unknown;
  extra: FeatureExtra | null;
  cls: { name: string; color: unknown } | null;
}

const INTERPRETED = new Set(['objectType', 'object_type', 'name', 'color', 'classification', 'isLocked', 'measurements']);
/** QuPath 0.2 wrote the object's Java class as its "id". */
const LEGACY_TYPE_IDS: Record<string, string> = {
  PathAnnotationObject: 'annotation',
  PathDetectionObject: 'detection',
  PathTileObject: 'tile',
  PathCellObject: 'cell',
  TMACoreObject: 'tmaCore',
  PathRootObject: 'root',
};

// The two forms QuPath reads: [r, g, b] (0.3+) and a packed RGB integer (0.2).
const ColorValue = z.union([z.number().int(), z.array(z.number().int().min(0).max(255)).min(3).max(4)], {
  error: 'must be a colour: [r, g, b] with 0-255 values, or a packed RGB integer',
});

const Classification = z
  .looseObject({
    name: z.string().min(1).optional(),
    names: z.array(z.string().min(1)).min(1).optional(),
    color: ColorValue.optional(),
    colorRGB: z.number().int().optional(),
  })
  .refine((c) => c.name !== undefined || c.names !== undefined, { error: 'needs a "name"' });

const Properties = z.looseObject({
  objectType: z.string().min(1).optional(),
  object_type: z.string().min(1).optional(),
  name: z.string().optional(),
  color: ColorValue.optional(),
  classification: Classification.optional(),
  isLocked: z.boolean().optional(),
  measurements: z
    .union([z.record(z.string(), z.unknown()), z.array(z.looseObject({ name: z.string(), value: z.unknown() }))], {
      error: 'must be an object of name: value, or an array of {name, value}',
    })
    .optional(),
});

// ---------- parsing ----------

export function parseGeoJson(text: string, limits: GeoJsonLimits = GEOJSON_LIMITS): ParsedFeature[] {
  if (text.trim() === '') throw new GeoJsonError('the GeoJSON is empty');
  const tooDeep = nestingBeyond(text, limits.depth);
  if (tooDeep >= 0) {
    throw new GeoJsonError(`the GeoJSON nests arrays and objects more than ${limits.depth} deep ${lineColumn(text, tooDeep)}; at most ${limits.depth} levels can be imported`);
  }
  let doc: unknown;
  try {
    doc = parseLenientJson(text);
  } catch (e) {
    // Never V8's message as is: it quotes the text, which may be any file.
    throw new GeoJsonError(`not valid JSON: ${describeJsonSyntaxError(e, text)}`);
  }
  const features = topLevelFeatures(doc);
  checkSize(features, limits);
  const parsed: ParsedFeature[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < features.length; i++) {
    const f = parseFeature(features[i], i);
    const before = seen.get(f.id);
    if (before !== undefined) throw new GeoJsonError(`features[${i}] has the same id "${f.id}" as features[${before}]; ids must be unique`);
    seen.set(f.id, i);
    parsed.push(f);
  }
  return parsed;
}

function topLevelFeatures(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (isObject(doc)) {
    if (doc.type === 'FeatureCollection') {
      if (!Array.isArray(doc.features)) throw new GeoJsonError('the FeatureCollection has no "features" array');
      return doc.features;
    }
    if (doc.type === 'Feature' || (doc.type === undefined && 'geometry' in doc)) return [doc];
    if (typeof doc.type === 'string' && (GEOMETRY_TYPES as readonly string[]).includes(doc.type)) {
      throw new GeoJsonError(`the file is a bare ${doc.type} geometry; wrap it in a Feature (with properties) or a FeatureCollection`);
    }
  }
  throw new GeoJsonError(`expected a GeoJSON FeatureCollection, an array of Features or one Feature; got ${describe(doc)}`);
}

/** Counts before validating: a file over a limit is refused before any time goes into it. */
function checkSize(features: unknown[], limits: GeoJsonLimits): void {
  if (features.length > limits.features) {
    throw geoJsonTooLarge(`the GeoJSON has ${features.length} features; at most ${limits.features} can be imported at once`);
  }
  let total = 0;
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    const g = isObject(f) && isObject(f.geometry) ? f.geometry.coordinates : undefined;
    const n = countPositions(g);
    if (n > limits.verticesPerFeature) {
      throw geoJsonTooLarge(`features[${i}] has ${n} vertices; at most ${limits.verticesPerFeature} per feature can be imported`);
    }
    total += n;
  }
  if (total > limits.vertices) throw geoJsonTooLarge(`the GeoJSON has ${total} vertices in all; at most ${limits.vertices} can be imported at once`);
}

/** Positions in a coordinates array of any geometry type (malformed ones are left to validation). */
function countPositions(c: unknown): number {
  if (!Array.isArray(c)) return 0;
  if (c.length === 0 || !Array.isArray(c[0])) return 1;
  let n = 0;
  for (const x of c) n += countPositions(x);
  return n;
}

function parseFeature(raw: unknown, index: number): ParsedFeature {
  const at = (what: string) => `features[${index}]${isObject(raw) && typeof raw.id === 'string' ? ` (id "${raw.id}")` : ''}: ${what}`;
  if (!isObject(raw)) throw new GeoJsonError(at(`expected a Feature object, got ${describe(raw)}`));
  if (raw.type !== undefined && raw.type !== 'Feature') throw new GeoJsonError(at(`"type" must be "Feature", got ${describe(raw.type)}`));

  const geometry = parseGeometry(raw.geometry, at);

  const propsRaw = raw.properties ?? {};
  if (!isObject(propsRaw)) throw new GeoJsonError(at(`"properties" must be an object, got ${describe(propsRaw)}`));
  // Interpreted keys given as null mean "not set"; they are kept as given and not validated.
  const props: Record<string, unknown> = {};
  const kept: Record<string, unknown> = {};
  // With both spellings of the object type, QuPath reads objectType; object_type is then kept as given.
  const shadowed = propsRaw.objectType != null ? 'object_type' : null;
  for (const [k, v] of Object.entries(propsRaw)) {
    if (INTERPRETED.has(k) && v !== null && k !== shadowed) props[k] = v;
    else kept[k] = v;
  }
  const p = Properties.safeParse(props);
  if (!p.success) throw new GeoJsonError(at(formatIssue(p.error.issues[0], props, 'properties')));
  const pr = p.data;

  let objectType = pr.objectType ?? pr.object_type;
  let id: string;
  const extra: FeatureExtra = {};
  if (typeof raw.id === 'string' && Object.hasOwn(LEGACY_TYPE_IDS, raw.id)) {
    objectType ??= LEGACY_TYPE_IDS[raw.id];
    id = randomUUID();
  } else if (typeof raw.id === 'string' && raw.id.trim() !== '') id = raw.id;
  else if (typeof raw.id === 'number' && Number.isFinite(raw.id)) {
    id = String(raw.id);
    extra.numericId = true;
  } else if (raw.id === undefined || raw.id === null || raw.id === '') id = randomUUID();
  else throw new GeoJsonError(at(`"id" must be a string or a number, got ${describe(raw.id)}`));

  const members = Object.fromEntries(Object.entries(raw).filter(([k]) => !['type', 'id', 'geometry', 'properties'].includes(k)));
  if (Object.keys(members).length) extra.members = members;
  if (Object.keys(kept).length) extra.properties = kept;
  extra.keys = Object.keys(propsRaw);

  const cls = pr.classification;
  return {
    index,
    id,
    objectType: objectType ?? 'annotation',
    name: pr.name ?? null,
    color: pr.color ?? null,
    locked: pr.isLocked ?? false,
    geometry,
    classification: cls ? { name: cls.name ?? cls.names!.join(': '), color: cls.color ?? cls.colorRGB ?? null, value: cls } : null,
    measurements: pr.measurements ?? null,
    extra,
  };
}

/** Validates a geometry the way an import reports it: what is wrong and where. */
export function parseGeometry(raw: unknown, at: (what: string) => string = (w) => w): Geometry {
  if (raw === undefined || raw === null) throw new GeoJsonError(at('has no geometry'));
  if (!isObject(raw)) throw new GeoJsonError(at(`"geometry" must be an object, got ${describe(raw)}`));
  if (!(GEOMETRY_TYPES as readonly string[]).includes(raw.type as string)) {
    throw new GeoJsonError(at(`geometry type ${describe(raw.type)} is not supported (expected ${GEOMETRY_TYPES.join(', ')})`));
  }
  const g = Geometry.safeParse(raw);
  if (!g.success) throw new GeoJsonError(at(formatIssue(g.error.issues[0], raw, 'geometry')));
  const { geometry, problem } = withClosedRings(g.data);
  if (problem) throw new GeoJsonError(at(problem));
  return geometry;
}

// ---------- writing ----------

export function toFeature(o: StoredFeature): Record<string, unknown> {
  const extra = o.extra ?? {};
  const keys = extra.keys;
  const given = new Set(keys ?? []);
  const keptProps = extra.properties ?? {};
  // Imported features keep their own spelling and defaults; ours follow what QuPath writes.
  const typeKey = given.has('object_type') && !given.has('objectType') ? 'object_type' : 'objectType';
  const wasGiven = (k: string) => given.has(k) && !(k in keptProps);
  const known: Record<string, unknown> = {};
  if (!keys || wasGiven(typeKey) || o.objectType !== 'annotation') known[typeKey] = o.objectType;
  if (o.name !== null) known.name = o.name;
  if (o.color !== null) known.color = o.color;
  if (o.cls) {
    const override = extra.classification;
    const same = override && override.className === o.cls.name && override.classColor === JSON.stringify(o.cls.color);
    known.classification = same ? override.value : { name: o.cls.name, color: o.cls.color };
  }
  if (o.locked || wasGiven('isLocked')) known.isLocked = o.locked;
  if (o.measurements !== null) known.measurements = o.measurements;

  const properties: Record<string, unknown> = {};
  for (const k of keys ?? []) {
    if (k in known) properties[k] = known[k];
    else if (k in keptProps) properties[k] = keptProps[k];
  }
  for (const [k, v] of Object.entries(known)) if (!(k in properties)) properties[k] = v;
  for (const [k, v] of Object.entries(keptProps)) if (!(k in properties)) properties[k] = v;

  return {
    type: 'Feature',
    id: extra.numericId ? Number(o.id) : o.id,
    geometry: o.geometry,
    properties,
    ...(extra.members ?? {}),
  };
}

/** Pretty-printed up to this many features; beyond, compact (detection exports get large). */
const PRETTY_LIMIT = 10_000;

export function featureCollectionText(features: Record<string, unknown>[]): string {
  const doc = { type: 'FeatureCollection', features };
  if (features.length > PRETTY_LIMIT) return stringifyLenientJson(doc) + '\n';
  // One position per line, not one number: arrays of plain numbers go on one line. A match
  // spans newlines, which JSON strings cannot hold, so string contents are never touched.
  return stringifyLenientJson(doc, 2).replace(NUMBER_ARRAY, (_m, body: string) => `[${body.trim().split(/,\s*/).join(', ')}]`) + '\n';
}

const NUMBER_ARRAY = /\[(\s*\n\s*(?:-?Infinity|NaN|-?[\d.eE+-]+)(?:,\s*\n\s*(?:-?Infinity|NaN|-?[\d.eE+-]+))*\s*\n\s*)\]/g;

/** Measurements for the UI as name → number (null for NaN/∞ or non-numbers), from either QuPath form. */
export function measurementsRecord(raw: unknown): Record<string, number | null> | null {
  if (raw === null || raw === undefined) return null;
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.filter(isObject).map((m) => [String(m.name), m.value])
    : isObject(raw)
      ? Object.entries(raw)
      : [];
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? v : null]));
}

// ---------- messages ----------

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `(line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? text.slice(0, 37) + '...' : text}`;
}

function pathText(root: string, path: PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), root);
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function formatIssue(issue: z.core.$ZodIssue, root: unknown, rootName: string): string {
  const where = pathText(rootName, issue.path);
  const value = valueAt(root, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return `${where} must be ${issue.expected === 'number' ? 'a finite number' : `a ${issue.expected}`}, got ${describe(value)}`;
    case 'too_small':
      return `${where} needs at least ${issue.minimum} ${issue.origin === 'array' ? 'entries' : ''}, got ${describe(value)}`.replace(/ {2,}/g, ' ');
    case 'too_big':
      return `${where} allows at most ${issue.maximum}${issue.origin === 'array' ? ' entries' : ''}, got ${describe(value)}`;
    default:
      return `${where} ${issue.message}`;
  }
}
