/** Series colours: the categorical palette reports use, so run 1 has one colour on screen and on paper. */
import { categoricalHex } from '@shared/colors';

export function seriesColor(index: number): string {
  return categoricalHex(index);
}
