/** Viewport commands shared by the toolbar buttons and keyboard shortcuts, so both behave identically. */
import OpenSeadragon from 'openseadragon';

export const zoomStep = 1.6;

export function zoomIn(viewer: OpenSeadragon.Viewer) {
  viewer.viewport.zoomBy(zoomStep);
  viewer.viewport.applyConstraints();
}

export function zoomOut(viewer: OpenSeadragon.Viewer) {
  viewer.viewport.zoomBy(1 / zoomStep);
  viewer.viewport.applyConstraints();
}

export function fit(viewer: OpenSeadragon.Viewer) {
  viewer.viewport.goHome();
}

/** One slide pixel per screen pixel, around the current centre. */
export function oneToOne(viewer: OpenSeadragon.Viewer) {
  viewer.viewport.zoomTo(viewer.viewport.imageToViewportZoom(1));
  viewer.viewport.applyConstraints();
}

export function rotateBy(viewer: OpenSeadragon.Viewer, degrees: number) {
  // Normalised so the angle stays in 0..359 and magnification/scale-bar maths stay simple.
  const next = (((viewer.viewport.getRotation() + degrees) % 360) + 360) % 360;
  viewer.viewport.setRotation(next);
}

export function panByPixels(viewer: OpenSeadragon.Viewer, dx: number, dy: number) {
  viewer.viewport.panBy(viewer.viewport.deltaPointsFromPixels(new OpenSeadragon.Point(dx, dy)));
  viewer.viewport.applyConstraints();
}
