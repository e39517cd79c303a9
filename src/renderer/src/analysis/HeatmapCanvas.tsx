/** The tile heatmap layer: recoloured when the style or tiles change, repainted every frame. */
import { useEffect, useMemo } from 'react';
import type OpenSeadragon from 'openseadragon';
import { rasterize } from './heatmapRaster';
import type { HeatmapStyle } from './heatmapStyle';
import { paintHeatmap } from './paintHeatmap';
import type { TileData } from './tileData';
import { useViewerCanvas } from '../viewer/useViewerCanvas';

export function HeatmapCanvas({
  viewer,
  data,
  style,
  hover,
  focused,
  slide,
}: {
  viewer: OpenSeadragon.Viewer;
  data: TileData | null;
  style: HeatmapStyle;
  hover: number;
  focused: number;
  slide: { width: number; height: number };
}) {
  const { mode, classIndex, colormap, threshold } = style;
  // Opacity and visibility apply at draw time; only colour changes rebuild the raster.
  const raster = useMemo(() => (data ? rasterize(data, { mode, classIndex, colormap, threshold }) : null), [data, mode, classIndex, colormap, threshold]);
  const { canvas, requestDraw } = useViewerCanvas(viewer, (ctx, p, width, height, dpr) => {
    if (!data || !raster) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      return;
    }
    paintHeatmap(ctx, p, width, height, dpr, { data, raster, style, hover, focused, slide });
  });
  useEffect(requestDraw, [requestDraw, data, raster, style, hover, focused, slide]);
  return (
    <canvas
      ref={canvas}
      data-testid="heatmap-canvas"
      data-tiles={data?.count ?? 0}
      style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}
    />
  );
}
