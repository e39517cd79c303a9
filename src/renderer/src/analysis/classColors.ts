/** Colours of a model's classes in the predicted-label overlay, the legend and the fraction bars. */
import { classPalette } from '../annotations/colors';

export function classColor(index: number): string {
  return classPalette[index % classPalette.length];
}

/** The same colours as bytes, for writing pixels. */
export function classRgb(index: number): [number, number, number] {
  const n = parseInt(classColor(index).slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
