/**
 * The bits of viewport state React overlays need, sampled at most once per frame. OpenSeadragon
 * fires update events every animation frame; we only re-render when something visible changed.
 */
import { useEffect, useState } from 'react';
import type OpenSeadragon from 'openseadragon';

export interface ViewState {
  /** Screen (CSS) pixels per level-0 slide pixel. */
  imageZoom: number;
  /** Target angle in degrees (0/90/180/270 with our buttons), not the mid-animation one. */
  rotation: number;
  /** Changes whenever the visible region moves, so overlays anchored to the slide can redraw. */
  regionKey: string;
  containerWidth: number;
}

const initial: ViewState = { imageZoom: 0, rotation: 0, regionKey: '', containerWidth: 0 };

export function useViewState(viewer: OpenSeadragon.Viewer | null): ViewState {
  const [state, setState] = useState<ViewState>(initial);

  useEffect(() => {
    if (!viewer) return;
    let frame = 0;
    const sample = () => {
      frame = 0;
      if (!viewer.world.getItemAt(0)) return;
      const vp = viewer.viewport;
      const b = vp.getBounds(true);
      const next: ViewState = {
        imageZoom: vp.viewportToImageZoom(vp.getZoom(true)),
        rotation: vp.getRotation(),
        regionKey: `${b.x.toFixed(6)},${b.y.toFixed(6)},${b.width.toFixed(6)},${b.height.toFixed(6)}`,
        containerWidth: vp.getContainerSize().x,
      };
      setState((prev) =>
        prev.imageZoom === next.imageZoom && prev.rotation === next.rotation && prev.regionKey === next.regionKey && prev.containerWidth === next.containerWidth
          ? prev
          : next,
      );
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(sample);
    };
    const events = ['open', 'update-viewport', 'animation', 'animation-finish', 'resize', 'rotate'] as const;
    for (const name of events) viewer.addHandler(name, schedule);
    schedule();
    return () => {
      for (const name of events) viewer.removeHandler(name, schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [viewer]);

  return state;
}
