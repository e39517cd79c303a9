/**
 * Brings a shape into view: fitted with a margin, never closer than a high-power field, and never
 * past the scan's native magnification (one slide pixel per screen pixel), where a small shape
 * would otherwise be blown up into blur.
 */
import type OpenSeadragon from 'openseadragon';
import type { Annotation } from '@shared/contract/annotations';

/** Slide pixels shown at least, so a point or a nucleus-sized shape keeps its surroundings. */
const minContext = 400;
const margin = 1.5;

export function focusShape(viewer: OpenSeadragon.Viewer, a: Annotation) {
  const b = a.bbox;
  const screen = viewer.viewport.getContainerSize();
  const { width, height } = focusExtent(b, { width: screen.x, height: screen.y });
  const cx = (b.minX + b.maxX) / 2;
  const cy = (b.minY + b.maxY) / 2;
  const rect = viewer.viewport.imageToViewportRectangle(cx - width / 2, cy - height / 2, width, height);
  viewer.viewport.fitBoundsWithConstraints(rect);
}

/**
 * The level-0 box to fit around a shape: its bounds with a margin, at least `minContext` pixels,
 * and at least the screen's size in slide pixels, so fitting it never zooms past 1:1.
 */
export function focusExtent(b: { minX: number; minY: number; maxX: number; maxY: number }, screen: { width: number; height: number }): { width: number; height: number } {
  return {
    width: Math.max((b.maxX - b.minX) * margin, minContext, screen.width),
    height: Math.max((b.maxY - b.minY) * margin, minContext, screen.height),
  };
}
