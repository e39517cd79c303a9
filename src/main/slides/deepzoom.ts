/**
 * DeepZoom geometry, computed exactly as OpenSlide's Python DeepZoomGenerator does, so that
 * tiles, .dzi files and viewer URLs line up with what the OpenSlide tooling produces.
 * The arithmetic below keeps Python's operation order (float products, then ceil/trunc):
 * the region a tile reads must match bit for bit, or neighbouring tiles drift by a pixel.
 */
import { SlideError, type SlideMetadata } from './reader.js';

export interface DeepZoomOptions {
  /** Tile edge without overlap. 254 + 2 * 1 = 256 is the power of two viewers prefer. */
  tileSize?: number;
  overlap?: number;
  /** Restrict to the non-empty area OpenSlide reports in openslide.bounds-* properties. */
  limitBounds?: boolean;
}

export interface DeepZoomLevel {
  width: number;
  height: number;
  cols: number;
  rows: number;
  /** Slide level the tiles of this DZ level are read from. */
  slideLevel: number;
  /** Level-0 pixels per DZ pixel (a power of two). */
  downsample: number;
  /** Slide-level pixels per DZ pixel (≥ 1): how much the read region is shrunk. */
  slideToDz: number;
}

export interface DeepZoomGeometry {
  tileSize: number;
  overlap: number;
  limitBounds: boolean;
  /** Size of the (possibly bounds-limited) image at full resolution. */
  width: number;
  height: number;
  /** Index = DZ level, 0 is 1x1 and the last is full resolution. */
  levels: DeepZoomLevel[];
  tileCount: number;
  /** Level-0 offset of the active area (non-zero only with limitBounds). */
  offset: { x: number; y: number };
  /** Active-area size of each slide level. */
  slideLevelSizes: { width: number; height: number }[];
  slideLevelDownsamples: number[];
}

/** What to read for one tile and what size it becomes. */
export interface TileRegion {
  slideLevel: number;
  /** Top-left in level-0 pixels, as readRegion takes it. */
  x: number;
  y: number;
  /** Size to read at slideLevel. */
  readWidth: number;
  readHeight: number;
  /** Final tile size, overlaps included. */
  width: number;
  height: number;
}

export type SlideShape = Pick<SlideMetadata, 'width' | 'height' | 'levels'> & {
  properties?: Record<string, string>;
};

export const DEFAULT_TILE_SIZE = 254;
export const DEFAULT_OVERLAP = 1;

/** OpenSlide's openslide_get_best_level_for_downsample: the largest level downsample ≤ the wanted one. */
export function bestLevelForDownsample(downsamples: readonly number[], downsample: number): number {
  if (downsamples.length === 0 || downsample < downsamples[0]) return 0;
  for (let i = 1; i < downsamples.length; i++) {
    if (downsample < downsamples[i]) return i - 1;
  }
  return downsamples.length - 1;
}

export function deepZoomGeometry(slide: SlideShape, opts: DeepZoomOptions = {}): DeepZoomGeometry {
  const tileSize = opts.tileSize ?? DEFAULT_TILE_SIZE;
  const overlap = opts.overlap ?? DEFAULT_OVERLAP;
  const limitBounds = opts.limitBounds ?? false;
  if (!Number.isInteger(tileSize) || tileSize < 1) throw new SlideError(`Bad tile size ${tileSize}`, 'bad-request');
  if (!Number.isInteger(overlap) || overlap < 0) throw new SlideError(`Bad overlap ${overlap}`, 'bad-request');
  if (slide.levels.length === 0) throw new SlideError('Slide has no levels', 'corrupt');

  const props = slide.properties ?? {};
  const level0 = { width: slide.levels[0].width, height: slide.levels[0].height };
  let offset = { x: 0, y: 0 };
  let slideLevelSizes = slide.levels.map((l) => ({ width: l.width, height: l.height }));
  if (limitBounds) {
    // Python does int(prop) (a bad value raises); unparseable values here fall back to "no bounds".
    const intProp = (name: string, fallback: number) => {
      const v = props[name];
      const n = v === undefined ? NaN : Number.parseInt(v, 10);
      return Number.isFinite(n) ? n : fallback;
    };
    offset = { x: intProp('openslide.bounds-x', 0), y: intProp('openslide.bounds-y', 0) };
    const scaleX = intProp('openslide.bounds-width', level0.width) / level0.width;
    const scaleY = intProp('openslide.bounds-height', level0.height) / level0.height;
    slideLevelSizes = slide.levels.map((l) => ({
      width: Math.ceil(l.width * scaleX),
      height: Math.ceil(l.height * scaleY),
    }));
  }
  const { width, height } = slideLevelSizes[0];

  const sizes: { width: number; height: number }[] = [{ width, height }];
  let w = width;
  let h = height;
  while (w > 1 || h > 1) {
    w = Math.max(1, Math.ceil(w / 2));
    h = Math.max(1, Math.ceil(h / 2));
    sizes.push({ width: w, height: h });
  }
  sizes.reverse();

  const slideLevelDownsamples = slide.levels.map((l) => l.downsample);
  const count = sizes.length;
  const levels = sizes.map((s, dz): DeepZoomLevel => {
    const downsample = 2 ** (count - dz - 1);
    const slideLevel = bestLevelForDownsample(slideLevelDownsamples, downsample);
    return {
      width: s.width,
      height: s.height,
      cols: Math.ceil(s.width / tileSize),
      rows: Math.ceil(s.height / tileSize),
      slideLevel,
      downsample,
      slideToDz: downsample / slideLevelDownsamples[slideLevel],
    };
  });

  return {
    tileSize,
    overlap,
    limitBounds,
    width,
    height,
    levels,
    tileCount: levels.reduce((n, l) => n + l.cols * l.rows, 0),
    offset,
    slideLevelSizes,
    slideLevelDownsamples,
  };
}

/** True when (level, col, row) names a tile of this geometry. */
export function isValidTile(g: DeepZoomGeometry, level: number, col: number, row: number): boolean {
  if (!Number.isInteger(level) || level < 0 || level >= g.levels.length) return false;
  const l = g.levels[level];
  return Number.isInteger(col) && Number.isInteger(row) && col >= 0 && row >= 0 && col < l.cols && row < l.rows;
}

/** Region to read and output size for one tile; throws SlideError 'bad-request' outside the grid. */
export function tileRegion(g: DeepZoomGeometry, level: number, col: number, row: number): TileRegion {
  if (!isValidTile(g, level, col, row)) {
    throw new SlideError(`No DeepZoom tile ${level}/${col}_${row}`, 'bad-request');
  }
  const dz = g.levels[level];
  const slideLevel = dz.slideLevel;
  const levelSize = g.slideLevelSizes[slideLevel];
  const levelDownsample = g.slideLevelDownsamples[slideLevel];

  const axis = (t: number, tiles: number, dzLimit: number, levelLimit: number, offset: number) => {
    const overlapBefore = t !== 0 ? g.overlap : 0;
    const overlapAfter = t !== tiles - 1 ? g.overlap : 0;
    const size = Math.min(g.tileSize, dzLimit - g.tileSize * t) + overlapBefore + overlapAfter;
    const l = dz.slideToDz * (g.tileSize * t - overlapBefore);
    const l0 = Math.trunc(levelDownsample * l + offset);
    const read = Math.trunc(Math.min(Math.ceil(dz.slideToDz * size), levelLimit - Math.ceil(l)));
    return { size, l0, read };
  };
  const x = axis(col, dz.cols, dz.width, levelSize.width, g.offset.x);
  const y = axis(row, dz.rows, dz.height, levelSize.height, g.offset.y);
  return {
    slideLevel,
    x: x.l0,
    y: y.l0,
    readWidth: x.read,
    readHeight: y.read,
    width: x.size,
    height: y.size,
  };
}

/** The .dzi descriptor, byte for byte what DeepZoomGenerator.get_dzi() writes. */
export function dziXml(g: Pick<DeepZoomGeometry, 'tileSize' | 'overlap' | 'width' | 'height'>, format: 'jpeg' | 'png'): string {
  return (
    `<Image TileSize="${g.tileSize}" Overlap="${g.overlap}" Format="${format}" ` +
    `xmlns="http://schemas.microsoft.com/deepzoom/2008"><Size Width="${g.width}" Height="${g.height}" /></Image>`
  );
}
