/**
 * Everything the viewer's analysis pieces share, created once by the viewer page: the slide's
 * analyses and tiles, how the heatmap is drawn, the tissue overlay and the explanation overlay.
 * The page hands it to both the overlay layers and the panel.
 */
import { useCallback, useMemo, useState } from 'react';
import { readHeatmapStyle, writeHeatmapStyle, type HeatmapStyle } from './heatmapStyle';
import type { TileData } from './tileData';
import { useExplainOverlay, type ExplainOverlay } from './useExplainOverlay';
import { useSlideAnalyses, type SlideAnalyses } from './useSlideAnalyses';
import { useTissueOverlay, type TissueOverlay } from './useTissueOverlay';

export interface ViewerAnalysis {
  slideId: number;
  runs: SlideAnalyses;
  /** With the class clamped to the current model's labels. */
  style: HeatmapStyle;
  setStyle: (patch: Partial<HeatmapStyle>) => void;
  toggleHeatmap: () => void;
  /** The tile the gallery last jumped to, outlined on the slide; -1 for none. */
  focusedTile: number;
  setFocusedTile: (tile: number) => void;
  tissue: TissueOverlay;
  explain: ExplainOverlay;
}

export function useViewerAnalysis(slideId: number): ViewerAnalysis {
  const runs = useSlideAnalyses(slideId);
  const [saved, setSaved] = useState<HeatmapStyle>(readHeatmapStyle);
  const tissue = useTissueOverlay(slideId);
  const explain = useExplainOverlay();

  const setStyle = useCallback((patch: Partial<HeatmapStyle>) => {
    setSaved((s) => {
      const next = { ...s, ...patch };
      writeHeatmapStyle(next);
      return next;
    });
  }, []);
  const toggleHeatmap = useCallback(
    () =>
      setSaved((s) => {
        const next = { ...s, visible: !s.visible };
        writeHeatmapStyle(next);
        return next;
      }),
    [],
  );

  const tiles = runs.tiles;
  const [focus, setFocus] = useState<{ tile: number; of: TileData | null }>({ tile: -1, of: null });
  // A tile index means nothing in another analysis's (or a refreshed) tile set.
  const focusedTile = focus.of === tiles ? focus.tile : -1;
  const setFocusedTile = useCallback((tile: number) => setFocus({ tile, of: tiles }), [tiles]);

  const classes = runs.tiles?.labels.length ?? runs.current?.model.labels.length ?? 0;
  const style = useMemo(
    () => (classes > 0 && saved.classIndex >= classes ? { ...saved, classIndex: 0 } : saved),
    [saved, classes],
  );

  return { slideId, runs, style, setStyle, toggleHeatmap, focusedTile, setFocusedTile, tissue, explain };
}
