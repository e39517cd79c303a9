/**
 * A layer for the analysis overlays inside OpenSeadragon's canvas element, placed right after
 * the tile canvas: the navigator and controls stay on top, annotation shapes (portalled into the
 * same element later or earlier) stay above the heatmap, and the brightness/contrast filter on
 * the tile canvas leaves the colour maps true.
 */
import { useEffect, useState } from 'react';
import type OpenSeadragon from 'openseadragon';

export function useOverlayHost(viewer: OpenSeadragon.Viewer | null): HTMLDivElement | null {
  const [host, setHost] = useState<HTMLDivElement | null>(null);
  useEffect(() => {
    if (!viewer) return;
    const div = document.createElement('div');
    div.dataset.layer = 'analysis';
    div.style.cssText = 'position:absolute;inset:0;pointer-events:none;';
    const tiles = viewer.drawer?.canvas as HTMLElement | undefined;
    if (tiles && tiles.parentNode === viewer.canvas) viewer.canvas.insertBefore(div, tiles.nextSibling);
    else viewer.canvas.appendChild(div);
    setHost(div);
    return () => {
      setHost(null);
      div.remove();
    };
  }, [viewer]);
  return host;
}
