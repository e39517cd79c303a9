/**
 * How the tile predictions are drawn over the slide: the look (colour map, opacity, ...) is
 * remembered across slides and sessions; whether the heatmap shows belongs to each analysis.
 */
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

const hiddenKey = 'tessella.analysis.heatmapHidden';
/** Enough for every analysis a user looks at; the oldest hidden ones are forgotten (shown again). */
const hiddenLimit = 500;

/** Ids of the analyses whose heatmap the user hid; every other analysis shows its heatmap. */
export function readHiddenHeatmaps(): number[] {
  try {
    const v = JSON.parse(localStorage.getItem(hiddenKey) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}

export function writeHiddenHeatmaps(ids: number[]) {
  try {
    localStorage.setItem(hiddenKey, JSON.stringify(ids.slice(-hiddenLimit)));
  } catch {
    // Only a preference.
  }
}
