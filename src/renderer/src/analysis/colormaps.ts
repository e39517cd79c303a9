/**
 * The heatmap colour maps (src/shared/colormaps.ts, which reports use too, so a PDF shows the
 * colours the screen did) with the CSS forms legends want.
 */
import { COLORMAP_LABELS, COLORMAP_NAMES, colormapRgb, type ColormapName } from '@shared/colormaps';

export { luts, lutIndex, type ColormapName } from '@shared/colormaps';

export const colormapNames: { name: ColormapName; label: string }[] = COLORMAP_NAMES.map((name) => ({ name, label: COLORMAP_LABELS[name] }));

export function cssColor(name: ColormapName, value: number): string {
  const [r, g, b] = colormapRgb(name, value);
  return `rgb(${r},${g},${b})`;
}

/** A CSS linear-gradient of the map, for legends. */
export function cssGradient(name: ColormapName): string {
  const parts: string[] = [];
  for (let k = 0; k <= 10; k++) parts.push(`${cssColor(name, k / 10)} ${k * 10}%`);
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
