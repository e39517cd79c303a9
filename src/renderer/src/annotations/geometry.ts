/**
 * Pure geometry on GeoJSON in level-0 slide pixels: building shapes from drags, moving them,
 * editing vertices, hit-testing and areas. Nothing here knows about OpenSeadragon or React, so
 * the viewer's zoom and rotation only enter through the tolerances callers pass in.
 */
import type { Geometry } from '@shared/contract/annotations';
import { polygonContains } from '@shared/polygon';
import { areaOf as sharedAreaOf } from '@shared/annotation-shape';

export type Position = number[];

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Pt {
  x: number;
  y: number;
}

/** Enough vertices that the outline reads as an ellipse at any zoom a region is looked at. */
export const ellipseVertices = 64;

function closed(ring: Position[]): Position[] {
  const a = ring[0];
  const z = ring[ring.length - 1];
  return a[0] === z[0] && a[1] === z[1] ? ring : [...ring, [a[0], a[1]]];
}

/** Slide pixels are whole numbers elsewhere in Tessella; two decimals keep sub-pixel drawing at deep zoom. */
function round(v: number): number {
  return Math.round(v * 100) / 100;
}

export function polygonFrom(points: Pt[]): Geometry {
  return { type: 'Polygon', coordinates: [closed(points.map((p) => [round(p.x), round(p.y)]))] };
}

export function rectangleFrom(a: Pt, b: Pt): Geometry {
  const x0 = Math.min(a.x, b.x);
  const x1 = Math.max(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  const y1 = Math.max(a.y, b.y);
  return polygonFrom([
    { x: x0, y: y0 },
    { x: x1, y: y0 },
    { x: x1, y: y1 },
    { x: x0, y: y1 },
  ]);
}

/** The ellipse inscribed in the box a-b, as a polygon: QuPath's GeoJSON has no ellipse type. */
export function ellipseFrom(a: Pt, b: Pt): Geometry {
  const cx = (a.x + b.x) / 2;
  const cy = (a.y + b.y) / 2;
  const rx = Math.abs(b.x - a.x) / 2;
  const ry = Math.abs(b.y - a.y) / 2;
  const points: Pt[] = [];
  for (let i = 0; i < ellipseVertices; i++) {
    const t = (i / ellipseVertices) * Math.PI * 2;
    points.push({ x: cx + rx * Math.cos(t), y: cy + ry * Math.sin(t) });
  }
  return polygonFrom(points);
}

export function pointFrom(p: Pt): Geometry {
  return { type: 'Point', coordinates: [round(p.x), round(p.y)] };
}

/** Makes a drag box square (Shift while drawing), keeping the corner the drag started from. */
export function squared(a: Pt, b: Pt): Pt {
  const side = Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y));
  return { x: a.x + Math.sign(b.x - a.x || 1) * side, y: a.y + Math.sign(b.y - a.y || 1) * side };
}

function segmentDistance(p: Pt, a: Pt, b: Pt): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/**
 * Douglas-Peucker: drops points that stray less than `tolerance` from the simplified line, so
 * a freehand drag of hundreds of mouse samples is stored as the few vertices that shape it.
 */
export function simplify(points: Pt[], tolerance: number): Pt[] {
  if (points.length < 3) return points.slice();
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  // An explicit stack instead of recursion: a long freehand outline must not overflow.
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let worst = -1;
    let worstDistance = tolerance;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(points[i], points[first], points[last]);
      if (d > worstDistance) {
        worst = i;
        worstDistance = d;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

/** Drops vertices closer than `tolerance` to the one before (a double-click lands two clicks on one spot). */
export function withoutNearDuplicates(points: Pt[], tolerance: number): Pt[] {
  const out: Pt[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(p.x - last.x, p.y - last.y) > tolerance) out.push(p);
  }
  return out;
}

export function boundsOf(g: Geometry): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  forEachPosition(g, (p) => {
    if (p[0] < b.minX) b.minX = p[0];
    if (p[1] < b.minY) b.minY = p[1];
    if (p[0] > b.maxX) b.maxX = p[0];
    if (p[1] > b.maxY) b.maxY = p[1];
  });
  return b;
}

export function forEachPosition(g: Geometry, fn: (p: Position) => void) {
  switch (g.type) {
    case 'Point':
      return fn(g.coordinates);
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates.forEach(fn);
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.forEach((line) => line.forEach(fn));
    case 'MultiPolygon':
      return g.coordinates.forEach((poly) => poly.forEach((ring) => ring.forEach(fn)));
  }
}

function mapPositions(g: Geometry, fn: (p: Position) => Position): Geometry {
  switch (g.type) {
    case 'Point':
      return { ...g, coordinates: fn(g.coordinates) };
    case 'MultiPoint':
    case 'LineString':
      return { ...g, coordinates: g.coordinates.map(fn) };
    case 'MultiLineString':
    case 'Polygon':
      return { ...g, coordinates: g.coordinates.map((line) => line.map(fn)) };
    case 'MultiPolygon':
      return { ...g, coordinates: g.coordinates.map((poly) => poly.map((ring) => ring.map(fn))) };
  }
}

export function translated(g: Geometry, dx: number, dy: number): Geometry {
  // Any z or m values QuPath wrote ride along untouched.
  return mapPositions(g, ([x, y, ...rest]) => [round(x + dx), round(y + dy), ...rest]);
}

/**
 * Where a vertex lives inside a geometry: the path of array indices down to one position.
 * A ring's closing position repeats its first; it is never a handle of its own (see `movedVertex`).
 */
export interface VertexRef {
  path: number[];
  x: number;
  y: number;
}

/** The draggable vertices of a shape: every distinct position of its rings, lines and points. */
export function vertexHandles(g: Geometry): VertexRef[] {
  const out: VertexRef[] = [];
  const line = (positions: Position[], prefix: number[], isRing: boolean) => {
    const n = isRing ? positions.length - 1 : positions.length;
    for (let i = 0; i < n; i++) out.push({ path: [...prefix, i], x: positions[i][0], y: positions[i][1] });
  };
  switch (g.type) {
    case 'Point':
      out.push({ path: [], x: g.coordinates[0], y: g.coordinates[1] });
      break;
    case 'MultiPoint':
      line(g.coordinates, [], false);
      break;
    case 'LineString':
      line(g.coordinates, [], false);
      break;
    case 'MultiLineString':
      g.coordinates.forEach((l, i) => line(l, [i], false));
      break;
    case 'Polygon':
      g.coordinates.forEach((r, i) => line(r, [i], true));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((poly, j) => poly.forEach((r, i) => line(r, [j, i], true)));
      break;
  }
  return out;
}

/** A copy of `g` with one vertex moved; moving a ring's first vertex moves its closing copy too. */
export function movedVertex(g: Geometry, ref: VertexRef, to: Pt): Geometry {
  const copy = structuredClone(g) as Geometry;
  const place = (p: Position) => {
    p[0] = round(to.x);
    p[1] = round(to.y);
  };
  if (copy.type === 'Point') {
    place(copy.coordinates);
    return copy;
  }
  const index = ref.path[ref.path.length - 1];
  let container: unknown = copy.coordinates;
  for (const i of ref.path.slice(0, -1)) container = (container as unknown[])[i];
  const positions = container as Position[];
  place(positions[index]);
  const isRing = copy.type === 'Polygon' || copy.type === 'MultiPolygon';
  if (isRing && index === 0) place(positions[positions.length - 1]);
  return copy;
}

function nearLine(positions: Position[], p: Pt, tolerance: number): boolean {
  for (let i = 1; i < positions.length; i++) {
    const a = { x: positions[i - 1][0], y: positions[i - 1][1] };
    const b = { x: positions[i][0], y: positions[i][1] };
    if (segmentDistance(p, a, b) <= tolerance) return true;
  }
  return false;
}

/**
 * Whether `p` picks the shape: inside an area, or within `tolerance` (slide pixels, i.e. a few
 * screen pixels divided by the zoom) of a line, point or area outline.
 */
export function hits(g: Geometry, p: Pt, tolerance: number): boolean {
  switch (g.type) {
    case 'Point':
      return Math.hypot(g.coordinates[0] - p.x, g.coordinates[1] - p.y) <= tolerance;
    case 'MultiPoint':
      return g.coordinates.some((c) => Math.hypot(c[0] - p.x, c[1] - p.y) <= tolerance);
    case 'LineString':
      return nearLine(g.coordinates, p, tolerance);
    case 'MultiLineString':
      return g.coordinates.some((l) => nearLine(l, p, tolerance));
    case 'Polygon':
      return polygonContains(g.coordinates, p.x, p.y) || g.coordinates.some((r) => nearLine(r, p, tolerance));
    case 'MultiPolygon':
      return g.coordinates.some((poly) => polygonContains(poly, p.x, p.y) || poly.some((r) => nearLine(r, p, tolerance)));
  }
}

/** Enclosed area in square slide pixels (holes subtracted); 0 for points and lines. */
export function areaOf(g: Geometry): number {
  return sharedAreaOf(g);
}

export function intersects(a: Bounds, b: Bounds): boolean {
  return a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY;
}
