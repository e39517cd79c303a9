/**
 * The analysis overlays on the slide, bottom to top: tissue mask, tile heatmap, explanation
 * map, and the hover card. All canvases ignore the mouse; input stays with OpenSeadragon.
 */
import { useMemo } from 'react';
import { createPortal } from 'react-dom';
import type OpenSeadragon from 'openseadragon';
import type { SlideDetail } from '@shared/api';
import { ExplainLegend } from './ExplainLegend';
import { HeatmapCanvas } from './HeatmapCanvas';
import { ImageOverlayCanvas } from './ImageOverlayCanvas';
import { TileHoverCard } from './TileHoverCard';
import { useOverlayHost } from './useOverlayHost';
import { useTileHover } from './useTileHover';
import type { ViewerAnalysis } from './useViewerAnalysis';

const tissueOpacity = 0.6;
/** The explanation canvas carries its own per-cell alpha. */
const explainOpacity = 1;

export function AnalysisLayers({ viewer, slide, analysis }: { viewer: OpenSeadragon.Viewer; slide: SlideDetail; analysis: ViewerAnalysis }) {
  const host = useOverlayHost(viewer);
  const { runs, style, tissue, explain } = analysis;
  const tiles = runs.tiles;
  // Two colour maps over each other read as neither: an explanation on screen hides the tiles.
  const explaining = explain.result !== null && explain.visible;
  const heatmapStyle = useMemo(() => (explaining && style.visible ? { ...style, visible: false } : style), [style, explaining]);
  const hover = useTileHover(viewer, tiles, heatmapStyle.visible);
  const size = useMemo(() => ({ width: slide.width, height: slide.height }), [slide.width, slide.height]);

  const tissueRect = useMemo(
    () => (tissue.result ? { x: 0, y: 0, w: tissue.result.width * tissue.result.downsample.x, h: tissue.result.height * tissue.result.downsample.y } : null),
    [tissue.result],
  );
  const explainRect = explain.result?.extent ?? null;
  const mpp = slide.mpp ? (slide.mpp.x + slide.mpp.y) / 2 : null;

  return (
    <>
      {host &&
        createPortal(
          <>
            <ImageOverlayCanvas
              viewer={viewer}
              image={tissue.enabled ? tissue.image : null}
              rect={tissueRect}
              opacity={tissueOpacity}
              smooth={false}
              testId="tissue-canvas"
            />
            <HeatmapCanvas viewer={viewer} data={tiles} style={heatmapStyle} hover={hover.tile} focused={analysis.focusedTile} slide={size} />
            <ImageOverlayCanvas
              viewer={viewer}
              image={explain.visible ? explain.canvas : null}
              rect={explainRect}
              opacity={explainOpacity}
              smooth
              testId="explain-canvas"
            />
          </>,
          host,
        )}
      {explaining && explain.result && <ExplainLegend result={explain.result} masked={tiles !== null && tiles.count > 0} />}
      {tiles && hover.tile >= 0 && <TileHoverCard data={tiles} hover={hover} mpp={mpp} />}
    </>
  );
}
