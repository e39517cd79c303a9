/** Where the server's DeepZoom tiles fall (the same cut as src/main/slides/deepzoom.ts). */
import type { SlideDetail } from '@shared/api';

/** The DeepZoom level drawn as a single tile (the whole slide, at most one tile across). */
export function overviewLevel(dz: SlideDetail['deepZoom']): number {
  const max = dz.levelCount - 1;
  for (let level = max; level >= 0; level--) {
    const scale = 2 ** (max - level);
    if (Math.ceil(dz.width / scale) <= dz.tileSize && Math.ceil(dz.height / scale) <= dz.tileSize) return level;
  }
  return 0;
}

/** Pixel size of DeepZoom tile (level, col, row): its share of the level plus the overlap on inner edges. */
export function tileSize(dz: SlideDetail['deepZoom'], level: number, col: number, row: number): { width: number; height: number } {
  const scale = 2 ** (dz.levelCount - 1 - level);
  const side = (full: number, i: number) => {
    const levelSide = Math.ceil(full / scale);
    const start = i * dz.tileSize - (i > 0 ? dz.overlap : 0);
    return Math.min(levelSide, (i + 1) * dz.tileSize + dz.overlap) - start;
  };
  return { width: side(dz.width, col), height: side(dz.height, row) };
}
