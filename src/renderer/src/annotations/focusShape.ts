/** Brings a shape into view: fitted with a margin, and never closer than a high-power field. */
import type OpenSeadragon from 'openseadragon';
import type { Annotation } from '@shared/contract/annotations';

/** Slide pixels shown at least, so a point or a nucleus-sized shape keeps its surroundings. */
const minContext = 400;
const margin = 1.5;

export function focusShape(viewer: OpenSeadragon.Viewer, a: Annotation) {
  const b = a.bbox;
  const width = Math.max((b.maxX - b.minX) * margin, minContext);
  const height = Math.max((b.maxY - b.minY) * margin, minContext);
  const cx = (b.minX + b.maxX) / 2;
  const cy = (b.minY + b.maxY) / 2;
  const rect = viewer.viewport.imageToViewportRectangle(cx - width / 2, cy - height / 2, width, height);
  viewer.viewport.fitBoundsWithConstraints(rect);
}
