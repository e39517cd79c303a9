/** How a shape is named and measured in the annotation list. */
import type { Annotation, Geometry } from '@shared/contract/annotations';
import { areaOf } from './geometry';

const typeNames: Record<Geometry['type'], string> = {
  Point: 'Point',
  MultiPoint: 'Points',
  LineString: 'Line',
  MultiLineString: 'Lines',
  Polygon: 'Polygon',
  MultiPolygon: 'Multi-polygon',
};

export function shapeType(a: Annotation): string {
  // QuPath writes detections and cells as well as annotations; say so when it is not the usual kind.
  const kind = a.objectType !== 'annotation' ? ` (${a.objectType})` : '';
  return typeNames[a.geometry.type] + kind;
}

/** Area in µm² (mm² when large) if the slide's pixel size is known, otherwise in px²; null for points and lines. */
export function shapeArea(a: Annotation, mpp: { x: number; y: number } | null): string | null {
  const px2 = areaOf(a.geometry);
  if (px2 <= 0) return null;
  if (!mpp) return `${Math.round(px2).toLocaleString('en-US')} px²`;
  const um2 = px2 * mpp.x * mpp.y;
  if (um2 >= 1e6) return `${(um2 / 1e6).toPrecision(3)} mm²`;
  return `${um2 >= 100 ? Math.round(um2).toLocaleString('en-US') : um2.toPrecision(3)} µm²`;
}
