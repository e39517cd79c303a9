/** One image laid over a level-0 rectangle of the slide (tissue mask, explanation map). */
import { useEffect } from 'react';
import type OpenSeadragon from 'openseadragon';
import { useViewerCanvas } from '../viewer/useViewerCanvas';

export interface Placement {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function ImageOverlayCanvas({
  viewer,
  image,
  rect,
  opacity,
  smooth,
  testId,
}: {
  viewer: OpenSeadragon.Viewer;
  image: CanvasImageSource | null;
  rect: Placement | null;
  opacity: number;
  /** Masks stay crisp (nearest neighbour); continuous maps are smoothed. */
  smooth: boolean;
  testId: string;
}) {
  const { canvas, requestDraw } = useViewerCanvas(viewer, (ctx, p, _w, _h, dpr) => {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    if (!image || !rect) return;
    ctx.setTransform(p.a * dpr, p.b * dpr, p.c * dpr, p.d * dpr, p.e * dpr, p.f * dpr);
    ctx.globalAlpha = opacity;
    ctx.imageSmoothingEnabled = smooth;
    ctx.drawImage(image, rect.x, rect.y, rect.w, rect.h);
    ctx.globalAlpha = 1;
  });
  useEffect(requestDraw, [requestDraw, image, rect, opacity, smooth]);
  return <canvas ref={canvas} data-testid={testId} style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }} />;
}
