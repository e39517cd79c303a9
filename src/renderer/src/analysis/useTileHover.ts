/**
 * The tile under the pointer, found by coordinate arithmetic on the grid (no per-tile DOM).
 * Plain pointer events on the viewer element: OpenSeadragon has no hover event of its own,
 * and listening passively leaves its pan and zoom untouched.
 */
import { useEffect, useState } from 'react';
import OpenSeadragon from 'openseadragon';
import { tileAt, type TileData } from './tileData';

export interface Hover {
  tile: number;
  /** Pointer position in the viewer element, CSS pixels. */
  x: number;
  y: number;
}

const none: Hover = { tile: -1, x: 0, y: 0 };

export function useTileHover(viewer: OpenSeadragon.Viewer, data: TileData | null, enabled: boolean): Hover {
  const [hover, setHover] = useState<Hover>(none);

  useEffect(() => {
    setHover(none);
    if (!data || !enabled) return;
    const element = viewer.element;
    let frame = 0;
    let last: PointerEvent | null = null;
    const sample = () => {
      frame = 0;
      if (!last || !viewer.world.getItemAt(0)) return;
      const box = element.getBoundingClientRect();
      const x = last.clientX - box.left;
      const y = last.clientY - box.top;
      const p = viewer.viewport.viewerElementToImageCoordinates(new OpenSeadragon.Point(x, y));
      const tile = tileAt(data, p.x, p.y);
      setHover((h) => (h.tile === tile && (tile < 0 || (h.x === x && h.y === y)) ? h : { tile, x, y }));
    };
    const onMove = (e: PointerEvent) => {
      last = e;
      if (!frame) frame = requestAnimationFrame(sample);
    };
    const onLeave = () => {
      last = null;
      setHover(none);
    };
    element.addEventListener('pointermove', onMove, { passive: true });
    element.addEventListener('pointerleave', onLeave);
    return () => {
      element.removeEventListener('pointermove', onMove);
      element.removeEventListener('pointerleave', onLeave);
      cancelAnimationFrame(frame);
    };
  }, [viewer, data, enabled]);

  return hover;
}
