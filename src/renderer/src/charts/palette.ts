/** Series colours (Tableau 10): distinct in both themes and for the common colour-vision deficiencies. */
export const seriesPalette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function seriesColor(index: number): string {
  return seriesPalette[index % seriesPalette.length];
}
