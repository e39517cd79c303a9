/** Brings a tile into view with some surroundings, as picking a shape does for annotations. */
import type OpenSeadragon from 'openseadragon';

/** Tiles of surroundings shown, and the least slide pixels shown (a small tile keeps its tissue context). */
const context = 5;
const minSpan = 640;

export function focusTile(viewer: OpenSeadragon.Viewer, x: number, y: number, size: number) {
  const span = Math.max(size * context, minSpan);
  const rect = viewer.viewport.imageToViewportRectangle(x + size / 2 - span / 2, y + size / 2 - span / 2, span, span);
  viewer.viewport.fitBoundsWithConstraints(rect);
}
