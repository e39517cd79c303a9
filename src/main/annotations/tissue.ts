/**
 * A cheap glass-versus-tissue test for patches. Stained tissue is coloured (H&E, DAB); bare glass
 * is bright and grey. A pixel counts as tissue when its HSV saturation is at least 0.1 and it is
 * not near-black (value ≥ 0.12, so dust, dark debris and out-of-focus black are not tissue).
 *
 * Thresholds checked on the histolab reference tiles (../shared/data/patches/
 * histolab_tissue_vs_background): glass tiles have at most 3% such pixels, the sparsest tissue
 * tile (adipose, mostly empty fat cells) 18%, one tile that is mostly glass 12%. A patch is kept
 * from 10% up, between the two. Pen ink is saturated too, so pen marks pass; this rejects glass,
 * not artefacts.
 */
export const MIN_SATURATION = 0.1;
export const MIN_VALUE = 0.12;
export const DEFAULT_MIN_TISSUE = 0.1;

/** Fraction of tissue pixels in interleaved RGB or RGBA bytes (alpha 0 = outside the slide, not tissue). */
export function tissueFraction(data: Uint8Array | Buffer, channels: 3 | 4): number {
  const n = Math.floor(data.length / channels);
  if (n === 0) return 0;
  const minValue = MIN_VALUE * 255;
  let tissue = 0;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    if (channels === 4 && data[p + 3] === 0) continue;
    const r = data[p], g = data[p + 1], b = data[p + 2];
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (max >= minValue && max - min >= MIN_SATURATION * max) tissue++;
  }
  return tissue / n;
}
