/**
 * A canvas that repaints with OpenSeadragon: sized to the viewer in device pixels and painted
 * in the same update-viewport handler that follows each tile frame, so overlays stay glued to
 * the tissue while it animates. `requestDraw` repaints on the next frame after data changes;
 * `draw` repaints now (a no-op until the canvas is mounted). The analysis layers and the
 * annotation overlay all paint through this.
 */
import { useCallback, useEffect, useRef } from 'react';
import type OpenSeadragon from 'openseadragon';
import { projectionOf, type Projection } from '../annotations/projection';

export type Painter = (ctx: CanvasRenderingContext2D, p: Projection, width: number, height: number, dpr: number) => void;

export function useViewerCanvas(viewer: OpenSeadragon.Viewer, paint: Painter) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const latest = useRef(paint);
  latest.current = paint;
  const frame = useRef(0);
  const draw = useRef<() => void>(() => {});

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    const repaint = () => {
      if (!viewer.world.getItemAt(0)) return;
      const width = element.clientWidth;
      const height = element.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      const w = Math.round(width * dpr);
      const h = Math.round(height * dpr);
      if (element.width !== w || element.height !== h) {
        element.width = w;
        element.height = h;
      }
      latest.current(ctx, projectionOf(viewer), width, height, dpr);
    };
    draw.current = repaint;
    const events = ['update-viewport', 'open', 'resize', 'rotate'] as const;
    for (const name of events) viewer.addHandler(name, repaint);
    const resize = new ResizeObserver(repaint);
    resize.observe(element);
    repaint();
    return () => {
      for (const name of events) viewer.removeHandler(name, repaint);
      resize.disconnect();
      draw.current = () => {};
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [viewer]);

  const requestDraw = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      draw.current();
    });
  }, []);
  const drawNow = useCallback(() => draw.current(), []);

  return { canvas, requestDraw, draw: drawNow };
}
