/**
 * Everything the viewer's analysis pieces share, created once by the viewer page: the slide's
 * analyses and tiles, how the heatmap is drawn, the tissue overlay and the explanation overlay.
 * The page hands it to both the overlay layers and the panel.
 */
import { useCallback, useMemo, useState } from 'react';
import { readHeatmapStyle, readHiddenHeatmaps, writeHeatmapStyle, writeHiddenHeatmaps, type HeatmapStyle } from './heatmapStyle';
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
  const explain = useExplainOverlay(runs.tiles);

  // Shown or hidden is the analysis's own: hiding one heatmap does not hide the next slide's.
  const [hidden, setHidden] = useState<number[]>(readHiddenHeatmaps);
  const currentId = runs.current?.id ?? null;
  const visible = currentId === null || !hidden.includes(currentId);
  const setVisible = useCallback(
    (show: boolean) => {
      if (currentId === null) return;
      setHidden((ids) => {
        const next = show ? ids.filter((id) => id !== currentId) : [...ids.filter((id) => id !== currentId), currentId];
        writeHiddenHeatmaps(next);
        return next;
      });
    },
    [currentId],
  );

  const setStyle = useCallback(
    ({ visible: show, ...patch }: Partial<HeatmapStyle>) => {
      if (show !== undefined) setVisible(show);
      if (Object.keys(patch).length === 0) return;
      setSaved((s) => {
        const next = { ...s, ...patch };
        writeHeatmapStyle(next);
        return next;
      });
    },
    [setVisible],
  );
  const toggleHeatmap = useCallback(() => setVisible(!visible), [setVisible, visible]);

  const tiles = runs.tiles;
  const [focus, setFocus] = useState<{ tile: number; of: TileData | null }>({ tile: -1, of: null });
  // A tile index means nothing in another analysis's (or a refreshed) tile set.
  const focusedTile = focus.of === tiles ? focus.tile : -1;
  const setFocusedTile = useCallback((tile: number) => setFocus({ tile, of: tiles }), [tiles]);

  const classes = runs.tiles?.labels.length ?? runs.current?.model.labels.length ?? 0;
  const style = useMemo(
    () => ({ ...saved, visible, ...(classes > 0 && saved.classIndex >= classes ? { classIndex: 0 } : {}) }),
    [saved, classes, visible],
  );

  return { slideId, runs, style, setStyle, toggleHeatmap, focusedTile, setFocusedTile, tissue, explain };
}
