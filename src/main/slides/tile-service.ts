/**
 * DeepZoom tiles for the viewer: geometry from deepzoom.ts, pixels from the slide reader,
 * resampling and encoding in sharp (libvips on libuv worker threads, so the main thread only
 * schedules), results in the two-level TileCache. Output matches OpenSlide's Python
 * DeepZoomGenerator: same regions, transparent areas flattened onto the slide background,
 * Lanczos downscale to the tile size.
 */
import sharp from 'sharp';
import {
  deepZoomGeometry,
  isValidTile,
  tileRegion,
  type DeepZoomGeometry,
  type DeepZoomOptions,
  type TileRegion,
} from './deepzoom.js';
import { SlideError, type SlideReader } from './reader.js';
import { TileCache, tileKeyString, type TileFormat, type TileKey } from './tile-cache.js';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** OpenSlide's openslide.background-color (RRGGBB hex) or white, as DeepZoomGenerator uses. */
export function backgroundOf(reader: Pick<SlideReader, 'metadata'>): Rgb {
  const hex = reader.metadata.properties['openslide.background-color'];
  if (hex && /^[0-9a-fA-F]{6}$/.test(hex)) {
    const n = Number.parseInt(hex, 16);
    return { r: n >> 16, g: (n >> 8) & 255, b: n & 255 };
  }
  return { r: 255, g: 255, b: 255 };
}

export interface RenderOptions {
  format: TileFormat;
  quality: number;
  background: Rgb;
}

function encode(img: sharp.Sharp, opts: RenderOptions): Promise<Buffer> {
  return opts.format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: opts.quality }).toBuffer();
}

/** Most level pixels fetched in one readRegion call: 16 Mpx, 64 MB of RGBA. */
export const MAX_READ_PIXELS = 16 << 20;

function rgbaInput(px: { width: number; height: number; data: Buffer }, background: Rgb): sharp.Sharp {
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: 4 } }).flatten({ background });
}

/**
 * The region read at its slide level, flattened onto `background` and resized to width x height.
 * Small levels of single-level slides ask for huge regions (a 1/512 DeepZoom level of a
 * 20k x 20k scan reads all of it); those are read in blocks of output pixels, each shrunk on
 * its own, so memory stays bounded and no read exceeds what a reader will return. A block's
 * source edges are the exact images of its output edges, so the blocks butt together.
 */
export async function readScaled(
  reader: SlideReader,
  r: TileRegion,
  background: Rgb,
  maxReadPixels = MAX_READ_PIXELS,
): Promise<sharp.Sharp> {
  if (r.readWidth * r.readHeight <= maxReadPixels) {
    const px = await reader.readRegion(r.slideLevel, r.x, r.y, r.readWidth, r.readHeight);
    if (px.width !== r.readWidth || px.height !== r.readHeight) {
      throw new SlideError(`Reader returned ${px.width}x${px.height} for a ${r.readWidth}x${r.readHeight} region`, 'corrupt');
    }
    const img = rgbaInput(px, background);
    return px.width === r.width && px.height === r.height ? img : img.resize(r.width, r.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  const downsample = reader.metadata.levels[r.slideLevel].downsample;
  const sx = r.readWidth / r.width;
  const sy = r.readHeight / r.height;
  const block = Math.max(1, Math.min(1024, Math.floor(Math.sqrt(maxReadPixels / (sx * sy)))));
  const rgb = Buffer.alloc(r.width * r.height * 3);
  for (let oy = 0; oy < r.height; oy += block) {
    const oh = Math.min(block, r.height - oy);
    const ly0 = Math.floor(oy * sy);
    const ly1 = oy + oh === r.height ? r.readHeight : Math.floor((oy + oh) * sy);
    for (let ox = 0; ox < r.width; ox += block) {
      const ow = Math.min(block, r.width - ox);
      const lx0 = Math.floor(ox * sx);
      const lx1 = ox + ow === r.width ? r.readWidth : Math.floor((ox + ow) * sx);
      const px = await reader.readRegion(
        r.slideLevel,
        r.x + Math.floor(lx0 * downsample),
        r.y + Math.floor(ly0 * downsample),
        lx1 - lx0,
        ly1 - ly0,
      );
      const part = await rgbaInput(px, background).resize(ow, oh, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
      for (let y = 0; y < oh; y++) part.copy(rgb, ((oy + y) * r.width + ox) * 3, y * ow * 3, (y + 1) * ow * 3);
    }
  }
  return sharp(rgb, { raw: { width: r.width, height: r.height, channels: 3 } });
}

/** Renders one tile from the reader, with no caching. */
export async function renderTile(
  reader: SlideReader,
  g: DeepZoomGeometry,
  level: number,
  col: number,
  row: number,
  opts: RenderOptions & { maxReadPixels?: number },
): Promise<Buffer> {
  const r = tileRegion(g, level, col, row);
  if (r.readWidth < 1 || r.readHeight < 1) {
    // a sliver past the last slide-level pixel: nothing to read, only background
    const blank = sharp({ create: { width: r.width, height: r.height, channels: 3, background: opts.background } });
    return encode(blank, opts);
  }
  return encode(await readScaled(reader, r, opts.background, opts.maxReadPixels), opts);
}

export interface SlideHandle {
  /** contentHash() of the slide file: the cache key, so moved files keep their tiles. */
  hash: string;
  reader: SlideReader;
}

export interface TileServiceOptions {
  /** Disk cache directory; null for memory only. */
  cacheDir?: string | null;
  /** Memory cache budget in bytes (default 64 MiB). */
  memoryBytes?: number;
  /** Default JPEG quality (85). */
  quality?: number;
  deepZoom?: DeepZoomOptions;
  onDiskError?: (err: unknown) => void;
}

export const DEFAULT_TILE_QUALITY = 85;

function checkQuality(q: number): number {
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new SlideError(`JPEG quality must be 1-100, got ${q}`, 'bad-request');
  return q;
}

export class TileService {
  readonly cache: TileCache;
  private readonly quality: number;
  private readonly deepZoomOptions: DeepZoomOptions;
  private readonly geometries = new WeakMap<SlideReader, DeepZoomGeometry>();
  private readonly inflight = new Map<string, Promise<Buffer>>();

  constructor(opts: TileServiceOptions = {}) {
    this.cache = new TileCache({ dir: opts.cacheDir ?? null, memoryBytes: opts.memoryBytes, onDiskError: opts.onDiskError });
    this.quality = checkQuality(opts.quality ?? DEFAULT_TILE_QUALITY);
    this.deepZoomOptions = opts.deepZoom ?? {};
  }

  /** The DeepZoom geometry this service uses for a reader (computed once per reader). */
  geometry(reader: SlideReader): DeepZoomGeometry {
    let g = this.geometries.get(reader);
    if (!g) {
      g = deepZoomGeometry(reader.metadata, this.deepZoomOptions);
      this.geometries.set(reader, g);
    }
    return g;
  }

  /** One JPEG tile; rejects with SlideError 'bad-request' for coordinates outside the grid. */
  async getTile(slide: SlideHandle, level: number, col: number, row: number, opts: { quality?: number } = {}): Promise<Buffer> {
    const quality = checkQuality(opts.quality ?? this.quality);
    const g = this.geometry(slide.reader);
    if (!isValidTile(g, level, col, row)) {
      throw new SlideError(`No DeepZoom tile ${level}/${col}_${row} in this slide`, 'bad-request');
    }
    const key: TileKey = { hash: slide.hash, level, col, row, quality, format: 'jpeg' };
    const hit = this.cache.getMemory(key);
    if (hit) return hit;
    const id = tileKeyString(key);
    let p = this.inflight.get(id);
    if (!p) {
      p = this.produce(slide.reader, g, key).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  /** Waits for background disk-cache writes (tests, shutdown). */
  flush(): Promise<void> {
    return this.cache.flush();
  }

  private async produce(reader: SlideReader, g: DeepZoomGeometry, key: TileKey): Promise<Buffer> {
    const cached = await this.cache.get(key);
    if (cached) return cached;
    const tile = await renderTile(reader, g, key.level, key.col, key.row, {
      format: key.format,
      quality: key.quality,
      background: backgroundOf(reader),
    });
    this.cache.set(key, tile);
    return tile;
  }
}
