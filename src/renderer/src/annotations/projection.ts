/**
 * Mapping between level-0 slide pixels and the viewer element's CSS pixels. OpenSeadragon's own
 * conversions are exact but allocate per point; for drawing thousands of shapes every frame we
 * sample them once and use the affine matrix they imply (pan, zoom, rotation and flip are all
 * affine), which is also what the canvas wants for `setTransform`.
 */
import OpenSeadragon from 'openseadragon';
import type { Bounds, Pt } from './geometry';

/** screen = [a c e; b d f] · image, as in CanvasRenderingContext2D.setTransform(a, b, c, d, e, f). */
export interface Projection {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
  /** Screen pixels per slide pixel. */
  scale: number;
}

// Sampling over a large span keeps the derived matrix precise at any zoom.
const span = 10_000;

export function projectionOf(viewer: OpenSeadragon.Viewer): Projection {
  const vp = viewer.viewport;
  const o = vp.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
  const x = vp.imageToViewerElementCoordinates(new OpenSeadragon.Point(span, 0));
  const y = vp.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, span));
  const a = (x.x - o.x) / span;
  const b = (x.y - o.y) / span;
  const c = (y.x - o.x) / span;
  const d = (y.y - o.y) / span;
  return { a, b, c, d, e: o.x, f: o.y, scale: Math.hypot(a, b) };
}

export function toScreen(p: Projection, x: number, y: number): Pt {
  return { x: p.a * x + p.c * y + p.e, y: p.b * x + p.d * y + p.f };
}

export function toImage(viewer: OpenSeadragon.Viewer, screen: OpenSeadragon.Point): Pt {
  const p = viewer.viewport.viewerElementToImageCoordinates(screen);
  return { x: p.x, y: p.y };
}

/** The slide region under the viewer element (its rotated rectangle's bounding box), for culling. */
export function visibleImageBounds(p: Projection, width: number, height: number): Bounds {
  const det = p.a * p.d - p.b * p.c;
  const inv = (sx: number, sy: number) => {
    const x = sx - p.e;
    const y = sy - p.f;
    return { x: (p.d * x - p.c * y) / det, y: (-p.b * x + p.a * y) / det };
  };
  const corners = [inv(0, 0), inv(width, 0), inv(0, height), inv(width, height)];
  return {
    minX: Math.min(...corners.map((q) => q.x)),
    minY: Math.min(...corners.map((q) => q.y)),
    maxX: Math.max(...corners.map((q) => q.x)),
    maxY: Math.max(...corners.map((q) => q.y)),
  };
}
