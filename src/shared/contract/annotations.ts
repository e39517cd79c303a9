/**
 * Slide annotations and QuPath GeoJSON exchange. Geometry is GeoJSON in level-0 pixels (x right,
 * y down, origin top-left), the way QuPath writes it; colours cross the contract as #rrggbb.
 */
import { z } from 'zod';
import { call } from './define.js';

const Position = z.array(z.number().finite()).min(2).max(4);
/** Closed on the way in if the last position does not repeat the first. */
const Ring = z.array(Position).min(3);

// Loose objects: geometry members we do not interpret (QuPath's `plane`, a `bbox`) travel along.
export const Geometry = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('Point'), coordinates: Position }),
  z.looseObject({ type: z.literal('MultiPoint'), coordinates: z.array(Position).min(1) }),
  z.looseObject({ type: z.literal('LineString'), coordinates: z.array(Position).min(2) }),
  z.looseObject({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(Position).min(2)).min(1) }),
  z.looseObject({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.looseObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
]);
export const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;

export const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');

export const BBox = z
  .object({ minX: z.number(), minY: z.number(), maxX: z.number(), maxY: z.number() })
  .refine((b) => b.maxX >= b.minX && b.maxY >= b.minY, 'maxX/maxY must not be below minX/minY');

/** QuPath's object kinds; others it may write (tmaCore, ...) are kept as given. */
export const ObjectType = z.string().min(1).max(64);

export const Annotation = z.object({
  /** QuPath's object id (a UUID for everything made here), unique within a slide. */
  id: z.string(),
  slideId: z.number().int(),
  objectType: ObjectType,
  classId: z.number().int().nullable(),
  className: z.string().nullable(),
  name: z.string().nullable(),
  /** The object's own colour; null means "draw in the class colour". */
  color: HexColor.nullable(),
  locked: z.boolean(),
  geometry: Geometry,
  bbox: z.object({ minX: z.number(), minY: z.number(), maxX: z.number(), maxY: z.number() }),
  measurements: z.record(z.string(), z.number().nullable()).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const AnnotationClass = z.object({
  id: z.number().int(),
  name: z.string(),
  color: HexColor,
  /** Annotations of this class across all slides. */
  count: z.number().int(),
});

export const HistoryState = z.object({
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** What undo/redo would revert or repeat, e.g. "create", "import 6". */
  undoLabel: z.string().nullable(),
  redoLabel: z.string().nullable(),
});

export const HistoryStep = HistoryState.extend({
  /** False when there was nothing to undo/redo. */
  applied: z.boolean(),
  /** Ids of the annotations the step changed. */
  changed: z.array(z.string()),
});

const SlideRef = z.object({ slideId: z.number().int().positive() });

/**
 * What one GeoJSON import may hold. Sized so a whole-slide QuPath export (a million or more
 * vertices of detections, pretty-printed) passes, while a file that would take gigabytes to
 * parse, or nesting no GeoJSON needs, is refused at once with the limit named.
 */
export const GEOJSON_LIMITS = {
  /** Bytes of the file (or of the text given inline). */
  fileBytes: 256 * 1024 * 1024,
  features: 500_000,
  /** Positions in one feature's geometry (a whole-slide tissue outline may have many). */
  verticesPerFeature: 1_000_000,
  /** Positions in all the features' geometries together. */
  vertices: 5_000_000,
  /** Arrays and objects inside one another; a MultiPolygon feature in a collection is 8 deep. */
  depth: 64,
} as const;

/** A page of `annotations.list` holds at most this many annotations... */
export const ANNOTATION_PAGE_LIMIT = 5_000;
/** ...and stops early once its geometries hold this many positions (always at least one annotation). */
export const ANNOTATION_PAGE_VERTICES = 200_000;

const Editable = {
  objectType: ObjectType.optional(),
  classId: z.number().int().positive().nullable().optional(),
  name: z.string().max(1000).nullable().optional(),
  color: HexColor.nullable().optional(),
  locked: z.boolean().optional(),
};

export const annotationCalls = {
  'annotations.list': call(
    SlideRef.extend({
      bbox: BBox.optional(),
      /** Annotations to skip (in creation order): the previous page's nextOffset. */
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(ANNOTATION_PAGE_LIMIT).default(1_000),
    }),
    z.object({
      annotations: z.array(Annotation),
      /** Annotations matching (the slide's, or those meeting bbox), over all pages. */
      total: z.number().int(),
      /** Where the next page starts, or null after the last one. */
      nextOffset: z.number().int().nullable(),
    }),
    `One page of a slide's annotations in creation order; with bbox (level-0 pixels) only those whose bounds meet it. A page ends at limit annotations or once it holds ${ANNOTATION_PAGE_VERTICES} vertices, whichever comes first.`,
  ),
  'annotations.create': call(
    SlideRef.extend({ geometry: Geometry, ...Editable }),
    Annotation,
    'Draw a new annotation (objectType "annotation" unless given); undoable.',
  ),
  'annotations.update': call(
    SlideRef.extend({ id: z.string().min(1), geometry: Geometry.optional(), ...Editable }),
    Annotation,
    'Change the given fields of one annotation (a locked one keeps its geometry until unlocked); undoable.',
  ),
  'annotations.delete': call(
    SlideRef.extend({ ids: z.array(z.string().min(1)).min(1).max(100_000) }),
    z.object({ deleted: z.array(z.string()) }),
    'Delete annotations by id, as one undoable step; ids not on the slide are ignored.',
  ),
  'annotations.undo': call(SlideRef, HistoryStep, "Revert the slide's last annotation edit, restoring the exact prior rows."),
  'annotations.redo': call(SlideRef, HistoryStep, 'Repeat the last undone annotation edit of the slide.'),
  'annotations.history': call(SlideRef, HistoryState, 'Whether undo/redo are possible for a slide, and what they would do.'),
  'annotations.classes': call(z.object({}), z.array(AnnotationClass), 'Annotation classes (shared by all slides), in the order they were made (number keys pick them by position).'),
  'annotations.setClass': call(
    z
      .object({ id: z.number().int().positive().optional(), name: z.string().trim().min(1).max(200).optional(), color: HexColor.optional() })
      .refine((v) => v.id !== undefined || v.name !== undefined, 'give a name to add a class, or an id to rename/recolour one'),
    AnnotationClass,
    'Add a class (no id), or rename and/or recolour one (id).',
  ),
  'annotations.import': call(
    SlideRef.extend({ geojson: z.string().optional(), path: z.string().min(1).optional() }).refine(
      (v) => (v.geojson === undefined) !== (v.path === undefined),
      'give exactly one of geojson (the text) or path (a file)',
    ),
    z.object({
      slideId: z.number().int(),
      /** Features read from the file. */
      imported: z.number().int(),
      added: z.number().int(),
      /** Features whose id was already on the slide: replaced, so importing twice does not duplicate. */
      replaced: z.number().int(),
      classesAdded: z.array(z.string()),
      byType: z.record(z.string(), z.number().int()),
    }),
    'Import a QuPath GeoJSON file (FeatureCollection, feature array or one Feature) into a slide, all or nothing; undoable.',
  ),
  'annotations.export': call(
    SlideRef,
    z.object({ geojson: z.string(), count: z.number().int() }),
    "A slide's annotations as QuPath GeoJSON (FeatureCollection), with everything imported but not interpreted written back.",
  ),
} as const;

export type Geometry = z.output<typeof Geometry>;
export type Annotation = z.output<typeof Annotation>;
export type AnnotationClass = z.output<typeof AnnotationClass>;
export type BBox = z.output<typeof BBox>;
export type HistoryState = z.output<typeof HistoryState>;
export type HistoryStep = z.output<typeof HistoryStep>;
export type AnnotationPage = z.output<(typeof annotationCalls)['annotations.list']['output']>;
