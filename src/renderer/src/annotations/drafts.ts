/**
 * A shape being drawn, before it is sent to the server, and how it becomes GeoJSON. Thresholds
 * are in screen pixels (turned into slide pixels by `scale`) so they feel the same at any zoom.
 */
import type { Geometry } from '@shared/contract/annotations';
import { areaOf, ellipseFrom, pointFrom, polygonFrom, rectangleFrom, simplify, squared, withoutNearDuplicates, type Pt } from './geometry';
import type { DrawTool } from './tools';

export interface Draft {
  tool: DrawTool;
  /** Rectangle and ellipse: the drag's start and current corner. Polygon: corners so far. Freehand: the samples. */
  points: Pt[];
  /** Shift held: a square or circle. */
  square: boolean;
}

/** A drag shorter than this is a click, not a box. */
const minBoxPx = 3;
/** Freehand outlines keep the detail the eye could see when drawing: about one screen pixel. */
const freehandTolerancePx = 1;
/** Corners this close are one corner (the two clicks of a double-click). */
const duplicatePx = 3;

/** The two corners of a box draft, squared when asked. */
export function boxCorners(d: Draft): [Pt, Pt] {
  const a = d.points[0];
  const b = d.points[d.points.length - 1];
  return [a, d.square ? squared(a, b) : b];
}

/** The GeoJSON a finished draft stands for, or null when it is too small to be meant. */
export function draftGeometry(d: Draft, scale: number): Geometry | null {
  const px = 1 / scale;
  switch (d.tool) {
    case 'point':
      return d.points.length ? pointFrom(d.points[0]) : null;
    case 'rectangle':
    case 'ellipse': {
      const [a, b] = boxCorners(d);
      if (Math.abs(b.x - a.x) < minBoxPx * px || Math.abs(b.y - a.y) < minBoxPx * px) return null;
      return d.tool === 'rectangle' ? rectangleFrom(a, b) : ellipseFrom(a, b);
    }
    case 'polygon': {
      const corners = withoutNearDuplicates(d.points, duplicatePx * px);
      if (corners.length < 3) return null;
      const g = polygonFrom(corners);
      return areaOf(g) > 0 ? g : null;
    }
    case 'freehand': {
      const outline = simplify(withoutNearDuplicates(d.points, px), freehandTolerancePx * px);
      if (outline.length < 3) return null;
      const g = polygonFrom(outline);
      return areaOf(g) >= minBoxPx * minBoxPx * px * px ? g : null;
    }
  }
}
