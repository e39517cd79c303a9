/** Which shape or vertex is under the pointer; tolerances are slide pixels (screen pixels / scale). */
import type { Annotation } from '@shared/contract/annotations';
import { hits, vertexHandles, type Pt, type VertexRef } from './geometry';

/**
 * The shape a click means. Among overlapping hits the smallest wins, so a nucleus drawn inside a
 * tumour region can be picked without first moving the region away.
 */
export function shapeAt(annotations: readonly Annotation[], p: Pt, tolerance: number): Annotation | null {
  let best: Annotation | null = null;
  let bestArea = Infinity;
  for (const a of annotations) {
    const b = a.bbox;
    if (p.x < b.minX - tolerance || p.x > b.maxX + tolerance || p.y < b.minY - tolerance || p.y > b.maxY + tolerance) continue;
    const area = (b.maxX - b.minX) * (b.maxY - b.minY);
    // Later shapes are drawn on top, so on equal size the later one is the one seen.
    if (area <= bestArea && hits(a.geometry, p, tolerance)) {
      best = a;
      bestArea = area;
    }
  }
  return best;
}

/** The vertex handle nearest `p` within `tolerance`, if any. */
export function handleAt(annotation: Annotation, p: Pt, tolerance: number): VertexRef | null {
  let best: VertexRef | null = null;
  let bestDistance = tolerance;
  for (const v of vertexHandles(annotation.geometry)) {
    const d = Math.hypot(v.x - p.x, v.y - p.y);
    if (d <= bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return best;
}
