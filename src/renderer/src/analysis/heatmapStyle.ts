/** How the tile predictions are drawn over the slide; remembered across slides and sessions. */
import { DEFAULT_COLORMAP, isColormapName, type ColormapName } from '@shared/colormaps';

/** probability: one class's probability through a colour map; label: each tile in its predicted class's colour. */
export type HeatmapMode = 'probability' | 'label';

export interface HeatmapStyle {
  visible: boolean;
  mode: HeatmapMode;
  classIndex: number;
  colormap: ColormapName;
  /** 0..1, applied when drawing, so changing it needs no recolouring. */
  opacity: number;
  /** Tiles below it are left clear: the class probability (probability mode) or the winning one (label mode). */
  threshold: number;
  /** Blend neighbouring tiles (bilinear) instead of drawing each as a flat square. */
  smooth: boolean;
}

export const defaultHeatmapStyle: HeatmapStyle = { visible: true, mode: 'probability', classIndex: 0, colormap: DEFAULT_COLORMAP, opacity: 0.55, threshold: 0, smooth: false };

const key = 'tessella.analysis.heatmapStyle';

export function readHeatmapStyle(): HeatmapStyle {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? '{}') as Partial<HeatmapStyle>;
    const s = { ...defaultHeatmapStyle, ...saved };
    const inUnit = (v: unknown, fallback: number) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : fallback);
    return {
      visible: s.visible !== false,
      mode: s.mode === 'label' ? 'label' : 'probability',
      // The class is per model; a remembered index is clamped once labels are known.
      classIndex: Number.isInteger(s.classIndex) && s.classIndex >= 0 ? s.classIndex : 0,
      colormap: isColormapName(s.colormap) ? s.colormap : DEFAULT_COLORMAP,
      opacity: inUnit(s.opacity, defaultHeatmapStyle.opacity),
      threshold: inUnit(s.threshold, 0),
      smooth: s.smooth === true,
    };
  } catch {
    return defaultHeatmapStyle;
  }
}

export function writeHeatmapStyle(style: HeatmapStyle) {
  try {
    localStorage.setItem(key, JSON.stringify(style));
  } catch {
    // Only a preference.
  }
}
