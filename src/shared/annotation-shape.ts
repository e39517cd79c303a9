/**
 * What kind of shape an annotation is and how large, named the same in the viewer's list and in
 * reports: a rectangle drawn here (stored, as QuPath exports it, as a closed four-corner polygon)
 * is listed as a rectangle, not a polygon. Plain functions on GeoJSON geometry, level-0 pixels.
 */

type Position = number[];
interface ShapeGeometry {
  type: string;
  coordinates: unknown;
}

const typeNames: Record<string, string> = {
  Point: 'Point',
  MultiPoint: 'Points',
  LineString: 'Line',
  MultiLineString: 'Lines',
  Polygon: 'Polygon',
  MultiPolygon: 'Multi-polygon',
};

function ringArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j]![0]! + ring[i]![0]!) * (ring[j]![1]! - ring[i]![1]!);
  return Math.abs(sum) / 2;
}

/** Enclosed area in square slide pixels (holes subtracted); 0 for points and lines. */
export function areaOf(g: ShapeGeometry): number {
  const polygon = (rings: Position[][]) => rings.reduce((sum, ring, i) => sum + (i === 0 ? ringArea(ring) : -ringArea(ring)), 0);
  if (g.type === 'Polygon') return polygon(g.coordinates as Position[][]);
  if (g.type === 'MultiPolygon') return (g.coordinates as Position[][][]).reduce((sum, poly) => sum + polygon(poly), 0);
  return 0;
}

/** One ring of four distinct corners joined by horizontal and vertical sides (QuPath's rectangle ROI). */
export function isRectangle(g: ShapeGeometry): boolean {
  if (g.type !== 'Polygon') return false;
  const rings = g.coordinates as Position[][];
  if (rings.length !== 1) return false;
  const ring = rings[0]!;
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  const corners = first[0] === last[0] && first[1] === last[1] ? ring.slice(0, -1) : ring;
  if (corners.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const a = corners[i]!;
    const b = corners[(i + 1) % 4]!;
    const horizontal = a[1] === b[1] && a[0] !== b[0];
    const vertical = a[0] === b[0] && a[1] !== b[1];
    if (!horizontal && !vertical) return false;
  }
  return true;
}

/** "Rectangle", "Polygon", "Line"...; QuPath's other object kinds (detection, cell) are named too. */
export function shapeName(g: ShapeGeometry, objectType = 'annotation'): string {
  const kind = objectType !== 'annotation' ? ` (${objectType})` : '';
  return (isRectangle(g) ? 'Rectangle' : (typeNames[g.type] ?? g.type)) + kind;
}

/** Area in µm² (mm² when large) if the slide's pixel size is known, otherwise in px²; null for points and lines. */
export function areaText(g: ShapeGeometry, mpp: { x: number; y: number } | null): string | null {
  return formatArea(areaOf(g), mpp);
}

/** An area given in square level-0 pixels, as areaText words it; null when there is none. */
export function formatArea(px2: number, mpp: { x: number; y: number } | null): string | null {
  if (!(px2 > 0)) return null;
  if (!mpp) return `${Math.round(px2).toLocaleString('en-US')} px²`;
  const um2 = px2 * mpp.x * mpp.y;
  if (um2 >= 1e6) return `${(um2 / 1e6).toPrecision(3)} mm²`;
  return `${um2 >= 100 ? Math.round(um2).toLocaleString('en-US') : um2.toPrecision(3)} µm²`;
}
