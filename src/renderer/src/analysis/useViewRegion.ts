/** The level-0 slide region on screen (clipped to the slide), updated when the view settles. */
import { useEffect, useState } from 'react';
import type OpenSeadragon from 'openseadragon';
import { projectionOf, visibleImageBounds } from '../annotations/projection';

export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function viewRegion(viewer: OpenSeadragon.Viewer, slide: { width: number; height: number }): Region | null {
  if (!viewer.world.getItemAt(0)) return null;
  const size = viewer.viewport.getContainerSize();
  const b = visibleImageBounds(projectionOf(viewer), size.x, size.y);
  const x = Math.max(0, Math.floor(b.minX));
  const y = Math.max(0, Math.floor(b.minY));
  const w = Math.min(slide.width, Math.ceil(b.maxX)) - x;
  const h = Math.min(slide.height, Math.ceil(b.maxY)) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

export function useViewRegion(viewer: OpenSeadragon.Viewer | null, slide: { width: number; height: number }): Region | null {
  const [region, setRegion] = useState<Region | null>(null);
  const { width, height } = slide;
  useEffect(() => {
    if (!viewer) return;
    const update = () => setRegion(viewRegion(viewer, { width, height }));
    const events = ['open', 'animation-finish', 'resize'] as const;
    for (const name of events) viewer.addHandler(name, update);
    update();
    return () => {
      for (const name of events) viewer.removeHandler(name, update);
    };
  }, [viewer, width, height]);
  return region;
}
