/**
 * The tile grid of a slide at a chosen resolution. A tile is the field of view the model was
 * trained on: its input size at the target mpp, so `tileSize` level-0 pixels square. It is read
 * from the coarsest pyramid level that still has the target resolution and handed to the
 * model's own image processor, which resizes (and crops) it exactly as it did training images.
 */
import type { TileGrid } from '../../shared/contract/analysis.js';
import type { SlideLevel } from '../slides/reader.js';
import type { SlideTissue } from './slide-tissue.js';

/** What a tile read needs, level-0 top-left and size. */
export interface Tile {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Fraction of the tile covered by tissue. */
  tissue: number;
}

export type GridGeometry = Omit<TileGrid, 'tiles' | 'tissueTiles'>;

/** 20x objectives resolve about 0.5 µm per pixel: the usual mapping between the two. */
export const MICRONS_AT_1X = 10;
export const DEFAULT_TARGET_MPP = 0.5;

/** Target mpp from what the user asked: an mpp, a magnification, the model's training mpp, or 0.5. */
export function targetMpp(opts: { mpp?: number; magnification?: number; trainedMpp?: number | null }): number {
  if (opts.mpp !== undefined) return opts.mpp;
  if (opts.magnification !== undefined) return MICRONS_AT_1X / opts.magnification;
  return opts.trainedMpp ?? DEFAULT_TARGET_MPP;
}

export function planGrid(slide: { width: number; height: number; levels: SlideLevel[] }, slideMpp: number, target: number, inputSize: number, overlap: number): GridGeometry {
  if (!(slideMpp > 0) || !(target > 0)) throw new Error(`mpp must be positive (slide ${slideMpp}, target ${target})`);
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`overlap must be in [0, 1), got ${overlap}`);
  const tileSize = Math.max(1, Math.round((inputSize * target) / slideMpp));
  // The coarsest level at least as fine as the target (a 0.1% slack absorbs rounded downsamples).
  const wanted = tileSize / inputSize;
  let level = 0;
  slide.levels.forEach((l, i) => {
    if (l.downsample <= wanted * 1.001 && l.downsample > slide.levels[level]!.downsample) level = i;
  });
  const readSize = Math.max(1, Math.round(tileSize / slide.levels[level]!.downsample));
  const stride = Math.max(1, Math.round(tileSize * (1 - overlap)));
  const count = (extent: number) => (extent <= tileSize ? 1 : Math.ceil((extent - tileSize) / stride) + 1);
  return { targetMpp: target, slideMpp, inputSize, tileSize, stride, level, readSize, cols: count(slide.width), rows: count(slide.height) };
}

/** Summed-area table of a mask: sum over [0, x) x [0, y) at (y * (w + 1) + x). */
function integral(mask: Uint8Array, width: number, height: number): Float64Array {
  const s = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += mask[y * width + x]!;
      s[(y + 1) * (width + 1) + x + 1] = s[y * (width + 1) + x + 1]! + row;
    }
  }
  return s;
}

/**
 * Every grid tile with its tissue fraction (mask pixels inside it over its whole area, so the
 * part of an edge tile beyond the slide counts as no tissue), row-major.
 */
export function gridTiles(grid: GridGeometry, tissue: Pick<SlideTissue, 'mask' | 'width' | 'height' | 'downsample'> | null): Tile[] {
  const tiles: Tile[] = [];
  const sat = tissue ? integral(tissue.mask, tissue.width, tissue.height) : null;
  const W = tissue ? tissue.width + 1 : 0;
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const x = c * grid.stride;
      const y = r * grid.stride;
      let fraction = 1;
      if (tissue && sat) {
        const { x: dx, y: dy } = tissue.downsample;
        const x0 = Math.min(tissue.width, Math.round(x / dx));
        const y0 = Math.min(tissue.height, Math.round(y / dy));
        const x1 = Math.min(tissue.width, Math.max(x0 + 1, Math.round((x + grid.tileSize) / dx)));
        const y1 = Math.min(tissue.height, Math.max(y0 + 1, Math.round((y + grid.tileSize) / dy)));
        const full = Math.max(1, Math.round(grid.tileSize / dx)) * Math.max(1, Math.round(grid.tileSize / dy));
        const sum = sat[y1 * W + x1]! - sat[y0 * W + x1]! - sat[y1 * W + x0]! + sat[y0 * W + x0]!;
        fraction = Math.min(1, sum / full);
      }
      tiles.push({ x, y, w: grid.tileSize, h: grid.tileSize, tissue: fraction });
    }
  }
  return tiles;
}
