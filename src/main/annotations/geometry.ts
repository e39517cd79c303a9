/** Bounds, ring closing and point-in-region tests on GeoJSON geometry in level-0 pixels. */
import type { Geometry } from '../../shared/contract/annotations.js';
import { polygonContains } from '../../shared/polygon.js';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

type Position = number[];
/** One polygon: its outer ring, then its holes. */
export type PolygonRings = Position[][];

function positionsOf(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

export function positionCount(g: Geometry): number {
  return positionsOf(g).length;
}

export function boundsOf(g: Geometry): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of positionsOf(g)) {
    if (x < b.minX) b.minX = x;
    if (y < b.minY) b.minY = y;
    if (x > b.maxX) b.maxX = x;
    if (y > b.maxY) b.maxY = y;
  }
  return b;
}

/** The polygons of an area geometry; empty for points and lines, which enclose nothing. */
export function polygonsOf(g: Geometry): PolygonRings[] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

function closeRing(ring: Position[]): Position[] {
  const a = ring[0];
  const z = ring[ring.length - 1];
  return a.length === z.length && a.every((v, i) => v === z[i]) ? ring : [...ring, [...a]];
}

/**
 * GeoJSON (and JTS, which QuPath reads with) wants every ring closed; some tools omit the last
 * point. Returns null when a ring, once closed, still has fewer than 4 positions (no area).
 */
export function withClosedRings(g: Geometry): { geometry: Geometry; problem: string | null } {
  const fix = (rings: Position[][], where: string): { rings: Position[][]; problem: string | null } => {
    const closed = rings.map(closeRing);
    const bad = closed.findIndex((r) => r.length < 4);
    return { rings: closed, problem: bad >= 0 ? `${where}[${bad}] is not a ring: it needs at least 3 distinct corners` : null };
  };
  if (g.type === 'Polygon') {
    const r = fix(g.coordinates, 'geometry.coordinates');
    return { geometry: { ...g, coordinates: r.rings }, problem: r.problem };
  }
  if (g.type === 'MultiPolygon') {
    let problem: string | null = null;
    const coordinates = g.coordinates.map((poly, i) => {
      const r = fix(poly, `geometry.coordinates[${i}]`);
      problem ??= r.problem;
      return r.rings;
    });
    return { geometry: { ...g, coordinates }, problem };
  }
  return { geometry: g, problem: null };
}

export { polygonContains };

export function regionContains(polygons: PolygonRings[], x: number, y: number): boolean {
  return polygons.some((p) => polygonContains(p, x, y));
}
