/** Colours of a model's classes in the predicted-label overlay, the legend and the fraction bars: the reports' colours too. */
import { categoricalHex, categoricalRgb } from '@shared/colors';

export function classColor(index: number): string {
  return categoricalHex(index);
}

/** The same colours as bytes, for writing pixels. */
export function classRgb(index: number): [number, number, number] {
  return categoricalRgb(index);
}
