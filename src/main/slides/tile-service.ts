/**
 * DeepZoom tiles for the viewer: geometry from deepzoom.ts, pixels from the slide reader,
 * resampling and encoding in sharp (libvips on libuv worker threads, so the main thread only
 * schedules), results in the two-level TileCache. renderTile() does what OpenSlide's Python
 * DeepZoomGenerator does (same regions, transparent areas flattened onto the slide background,
 * Lanczos downscale); TileService adds whole-level images for low-resolution levels.
 */
import sharp from 'sharp';
import {
  deepZoomGeometry,
  isValidTile,
  tileRegion,
  type DeepZoomGeometry,
  type DeepZoomLevel,
  type DeepZoomOptions,
  type TileRegion,
} from './deepzoom.js';
import { SlideError, type SlideReader } from './reader.js';
import { ByteLru, TileCache, tileKeyString, type TileFormat, type TileKey } from './tile-cache.js';

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
  /** One-band output (a channel's own tile: its reader's R = G = B). */
  grey?: boolean;
}

function encode(img: sharp.Sharp, opts: Pick<RenderOptions, 'format' | 'quality' | 'grey'>): Promise<Buffer> {
  const out = opts.grey ? img.extractChannel(0).toColourspace('b-w') : img;
  // No Huffman optimisation pass (PIL does none either): ~0.5 ms less per tile for ~8% more bytes.
  return opts.format === 'png' ? out.png().toBuffer() : out.jpeg({ quality: opts.quality, optimiseCoding: false }).toBuffer();
}

/** Most level pixels fetched in one readRegion call: 16 Mpx, 64 MB of RGBA. */
export const MAX_READ_PIXELS = 16 << 20;

/** Largest read whose alpha is checked on the main thread (~0.1 ms for a 256 px tile). */
const OPAQUE_CHECK_PIXELS = 1 << 20;

/** True when every alpha byte is 255. Stops at the first one that is not. */
function opaque(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

function rgbaInput(px: { width: number; height: number; data: Buffer }, background: Rgb): sharp.Sharp {
  const img = sharp(px.data, { raw: { width: px.width, height: px.height, channels: 4 } });
  // Nearly every tile is fully opaque. libvips flattens in float (1-2 ms a tile); checking the
  // alpha bytes of a tile-sized read first lets those tiles skip it. Big reads are rare and
  // would hold the main thread too long, so they are always flattened by libvips.
  const skipFlatten = px.width * px.height <= OPAQUE_CHECK_PIXELS && opaque(px.data);
  return skipFlatten ? img.removeAlpha() : img.flatten({ background });
}

/**
 * The region read at its slide level, flattened onto `background` and resized to width x height.
 * Small levels of single-level slides ask for huge regions (a 1/512 DeepZoom level of a
 * 20k x 20k scan reads all of it); those are read in blocks of output pixels, each shrunk on
 * its own (readBlocks), so memory stays bounded and no read exceeds what a reader will return.
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
  const rgb = Buffer.alloc(r.width * r.height * 3);
  for (const { out: o, read } of readBlocks(r, maxReadPixels)) {
    const px = await reader.readRegion(r.slideLevel, r.x + Math.floor(read.x * downsample), r.y + Math.floor(read.y * downsample), read.w, read.h);
    const part = await rgbaInput(px, background).resize(o.w, o.h, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
    for (let y = 0; y < o.h; y++) part.copy(rgb, ((o.y + y) * r.width + o.x) * 3, y * o.w * 3, (y + 1) * o.w * 3);
  }
  return sharp(rgb, { raw: { width: r.width, height: r.height, channels: 3 } });
}

/**
 * The blocks of output pixels a region too large for one read is read in, each with the part of
 * the slide level it shrinks from. A block's source edges are the exact images of its output
 * edges, so the blocks butt together.
 */
function readBlocks(r: TileRegion, maxReadPixels: number): { out: LevelBlock; read: LevelBlock }[] {
  const sx = r.readWidth / r.width;
  const sy = r.readHeight / r.height;
  const block = Math.max(1, Math.min(1024, Math.floor(Math.sqrt(maxReadPixels / (sx * sy)))));
  const blocks: { out: LevelBlock; read: LevelBlock }[] = [];
  for (let oy = 0; oy < r.height; oy += block) {
    const oh = Math.min(block, r.height - oy);
    const ly0 = Math.floor(oy * sy);
    const ly1 = oy + oh === r.height ? r.readHeight : Math.floor((oy + oh) * sy);
    for (let ox = 0; ox < r.width; ox += block) {
      const ow = Math.min(block, r.width - ox);
      const lx0 = Math.floor(ox * sx);
      const lx1 = ox + ow === r.width ? r.readWidth : Math.floor((ox + ow) * sx);
      blocks.push({ out: { x: ox, y: oy, w: ow, h: oh }, read: { x: lx0, y: ly0, w: lx1 - lx0, h: ly1 - ly0 } });
    }
  }
  return blocks;
}

interface LevelBlock {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** 16-bit samples as sharp input (one band) and back. */
const grey16Input = (data: Uint16Array, width: number, height: number) => sharp(data, { raw: { width, height, channels: 1 } });
async function grey16Output(img: sharp.Sharp): Promise<Uint16Array> {
  const buf = await img.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  const aligned = buf.byteOffset % 2 === 0 ? buf : Buffer.from(buf);
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1);
}

/**
 * readScaled for a channel of 16-bit samples: the region's samples at width x height, shrunk
 * with the same Lanczos kernel in 16 bits (outside the slide is 0, a channel's black).
 */
export async function readScaled16(reader: SlideReader, r: TileRegion, maxReadPixels = MAX_READ_PIXELS): Promise<Uint16Array> {
  const read16 = reader.readRegion16;
  if (!read16) throw new SlideError(`${reader.path}: not a channel of 16-bit samples`, 'bad-request');
  const shrink = async (px: { width: number; height: number; data: Uint16Array }, width: number, height: number) =>
    px.width === width && px.height === height ? px.data : grey16Output(grey16Input(px.data, px.width, px.height).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
  if (r.readWidth * r.readHeight <= maxReadPixels) {
    const px = await read16.call(reader, r.slideLevel, r.x, r.y, r.readWidth, r.readHeight);
    if (px.width !== r.readWidth || px.height !== r.readHeight) {
      throw new SlideError(`Reader returned ${px.width}x${px.height} for a ${r.readWidth}x${r.readHeight} region`, 'corrupt');
    }
    return shrink(px, r.width, r.height);
  }
  const downsample = reader.metadata.levels[r.slideLevel].downsample;
  const out = new Uint16Array(r.width * r.height);
  for (const { out: o, read } of readBlocks(r, maxReadPixels)) {
    const px = await read16.call(reader, r.slideLevel, r.x + Math.floor(read.x * downsample), r.y + Math.floor(read.y * downsample), read.w, read.h);
    const part = await shrink(px, o.w, o.h);
    for (let y = 0; y < o.h; y++) out.set(part.subarray(y * o.w, (y + 1) * o.w), (o.y + y) * r.width + o.x);
  }
  return out;
}

/** 16-bit samples as 8-bit RGB a canvas reads exactly: R = high byte, G = low byte, B = 0. */
export function packSamples16(samples: Uint16Array): Buffer {
  const rgb = Buffer.alloc(samples.length * 3);
  for (let p = 0; p < samples.length; p++) {
    rgb[p * 3] = samples[p]! >> 8;
    rgb[p * 3 + 1] = samples[p]! & 255;
  }
  return rgb;
}

/** Raw RGB `width` x `height`, edge-extended to padW x padH, then shrunk to outW x outH. */
async function shrinkPadded(rgb: Buffer, width: number, height: number, padW: number, padH: number, outW: number, outH: number): Promise<Buffer> {
  let source = rgb;
  if (padW > width || padH > height) {
    // sharp extends after resizing within one pipeline, so padding is a pipeline of its own
    source = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .extend({ right: padW - width, bottom: padH - height, extendWith: 'copy' })
      .raw()
      .toBuffer();
  }
  return sharp(source, { raw: { width: Math.max(width, padW), height: Math.max(height, padH), channels: 3 } })
    .resize(outW, outH, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
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
  /** Memory cache budget for encoded tiles in bytes (default 64 MiB). */
  memoryBytes?: number;
  /** Memory budget for whole low-resolution DeepZoom levels kept as raw RGB (default 64 MiB). */
  levelImageBytes?: number;
  /** Default JPEG quality (85). */
  quality?: number;
  deepZoom?: DeepZoomOptions;
  onDiskError?: (err: unknown) => void;
}

export const DEFAULT_TILE_QUALITY = 85;

/**
 * A DeepZoom level is served from one image of the whole level when its tiles shrink what they
 * read (2x or more per axis) and the level is small: at most 4 Mpx (12 MB of RGB), built from at
 * most 16 Mpx of slide pixels in one read. Levels shrunk 4x or more qualify whatever the source
 * size: per tile they would read 16x the pixels they show, over and over.
 */
const LEVEL_IMAGE_MIN_SHRINK = 2;
const LEVEL_IMAGE_ALWAYS_SHRINK = 4;
const LEVEL_IMAGE_MAX_PIXELS = 4 << 20;

function levelImageFits(l: DeepZoomLevel): boolean {
  if (l.slideToDz < LEVEL_IMAGE_MIN_SHRINK || l.width * l.height > LEVEL_IMAGE_MAX_PIXELS) return false;
  return l.slideToDz >= LEVEL_IMAGE_ALWAYS_SHRINK || l.width * l.height * l.slideToDz ** 2 <= MAX_READ_PIXELS;
}

function checkQuality(q: number): number {
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new SlideError(`JPEG quality must be 1-100, got ${q}`, 'bad-request');
  return q;
}

interface ReaderState {
  id: number;
  geometry: DeepZoomGeometry;
  background: Rgb;
  /** Largest DZ level built from the slide as a whole image; smaller ones are shrunk from it. */
  baseLevel: number | null;
}

/**
 * Serves DeepZoom tiles with caching and single flight. Low-resolution levels are the costly
 * ones on slides with few pyramid levels: each of their tiles covers a large slide area
 * (OpenSlide's Python generator re-reads it for every tile). Here such a level is rendered
 * once as a whole image, shrunk from one read of the slide, and its tiles are cut from it.
 */
export class TileService {
  readonly cache: TileCache;
  private readonly quality: number;
  private readonly deepZoomOptions: DeepZoomOptions;
  private readonly states = new WeakMap<SlideReader, ReaderState>();
  private nextReaderId = 0;
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private readonly levelImages: ByteLru;
  private readonly levelInflight = new Map<string, Promise<Buffer>>();

  constructor(opts: TileServiceOptions = {}) {
    this.cache = new TileCache({ dir: opts.cacheDir ?? null, memoryBytes: opts.memoryBytes, onDiskError: opts.onDiskError });
    // never below one largest level image, or its tiles would rebuild it for every request
    this.levelImages = new ByteLru(Math.max(opts.levelImageBytes ?? 64 << 20, LEVEL_IMAGE_MAX_PIXELS * 3));
    this.quality = checkQuality(opts.quality ?? DEFAULT_TILE_QUALITY);
    this.deepZoomOptions = opts.deepZoom ?? {};
  }

  private state(reader: SlideReader): ReaderState {
    let st = this.states.get(reader);
    if (!st) {
      const geometry = deepZoomGeometry(reader.metadata, this.deepZoomOptions);
      let baseLevel: number | null = null;
      geometry.levels.forEach((l, i) => {
        if (levelImageFits(l)) baseLevel = i;
      });
      st = { id: this.nextReaderId++, geometry, background: backgroundOf(reader), baseLevel };
      this.states.set(reader, st);
    }
    return st;
  }

  /** The DeepZoom geometry this service uses for a reader (computed once per reader). */
  geometry(reader: SlideReader): DeepZoomGeometry {
    return this.state(reader).geometry;
  }

  /** True when tiles of `level` are cut from a whole-level image rather than read one by one. */
  usesLevelImage(reader: SlideReader, level: number): boolean {
    const st = this.state(reader);
    return st.baseLevel !== null && level <= st.baseLevel && st.geometry.levels[level].slideToDz >= LEVEL_IMAGE_MIN_SHRINK;
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
      p = this.produce(slide.reader, key).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  /**
   * One channel of a slide that keeps its channels apart, as a lossless PNG: the viewer colours
   * and mixes channels itself, so a display change never asks for tiles again. 8-bit grey, or
   * with `bits` 16 the channel's samples packed two bytes a pixel (packSamples16): exact for a
   * 16-bit channel, the 8-bit values for an 8-bit one. The packed tiles are cached under a key
   * of their own, so no grey tile cached before is ever read as packed or the other way round.
   */
  async getChannelTile(slide: SlideHandle, channel: number, level: number, col: number, row: number, opts: { bits?: 8 | 16 } = {}): Promise<Buffer> {
    const bits = opts.bits ?? 8;
    if (!slide.reader.channel || !Number.isInteger(channel) || channel < 0 || channel >= (slide.reader.channelCount ?? 0)) {
      throw new SlideError(`This slide has no channel ${channel} of its own (channels: ${slide.reader.channelCount ?? 0})`, 'bad-request');
    }
    const reader = await slide.reader.channel(channel);
    if (!isValidTile(this.geometry(reader), level, col, row)) {
      throw new SlideError(`No DeepZoom tile ${level}/${col}_${row} in this slide`, 'bad-request');
    }
    const key: TileKey = { hash: `${slide.hash}-c${channel}${bits === 16 ? '-u16' : ''}`, level, col, row, quality: 0, format: 'png' };
    const hit = this.cache.getMemory(key);
    if (hit) return hit;
    const id = tileKeyString(key);
    let p = this.inflight.get(id);
    if (!p) {
      p = (bits === 16 ? this.produce16(reader, key) : this.produce(reader, key, true)).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  /** A packed 16-bit channel tile, from the cache or rendered tile by tile (no whole-level image: those are 8-bit RGB). */
  private async produce16(reader: SlideReader, key: TileKey): Promise<Buffer> {
    const cached = await this.cache.get(key);
    if (cached) return cached;
    const r = tileRegion(this.geometry(reader), key.level, key.col, key.row);
    let samples: Uint16Array;
    if (r.readWidth < 1 || r.readHeight < 1) samples = new Uint16Array(r.width * r.height);
    else if (reader.readRegion16) samples = await readScaled16(reader, r);
    else {
      // An 8-bit channel: its grey values, unchanged, in the low byte.
      const grey = await (await readScaled(reader, r, this.state(reader).background)).extractChannel(0).raw().toBuffer();
      samples = Uint16Array.from(grey);
    }
    const tile = await sharp(packSamples16(samples), { raw: { width: r.width, height: r.height, channels: 3 } }).png().toBuffer();
    this.cache.set(key, tile);
    return tile;
  }

  /** Renders a tile without the tile cache (the DeepZoom writer's path); level images are still shared. */
  async render(reader: SlideReader, level: number, col: number, row: number, opts: { format: TileFormat; quality: number; grey?: boolean }): Promise<Buffer> {
    const st = this.state(reader);
    const render = { ...opts, background: st.background };
    if (!this.usesLevelImage(reader, level)) return renderTile(reader, st.geometry, level, col, row, render);
    const r = tileRegion(st.geometry, level, col, row);
    const dz = st.geometry.levels[level];
    const image = await this.levelImage(reader, st, level);
    const left = st.geometry.tileSize * col - (col > 0 ? st.geometry.overlap : 0);
    const top = st.geometry.tileSize * row - (row > 0 ? st.geometry.overlap : 0);
    const whole = sharp(image, { raw: { width: dz.width, height: dz.height, channels: 3 } });
    const cut = r.width === dz.width && r.height === dz.height ? whole : whole.extract({ left, top, width: r.width, height: r.height });
    return encode(cut, render);
  }

  /** Drops what the service holds for a reader (call when closing it); cached tiles stay. */
  forget(reader: SlideReader): void {
    const st = this.states.get(reader);
    if (!st) return;
    this.states.delete(reader);
    st.geometry.levels.forEach((_, level) => this.levelImages.delete(`${st.id}/${level}`));
  }

  /** Waits for background disk-cache writes (tests, shutdown). */
  flush(): Promise<void> {
    return this.cache.flush();
  }

  private async produce(reader: SlideReader, key: TileKey, grey = false): Promise<Buffer> {
    const cached = await this.cache.get(key);
    if (cached) return cached;
    const tile = await this.render(reader, key.level, key.col, key.row, { format: key.format, quality: key.quality, grey });
    this.cache.set(key, tile);
    return tile;
  }

  /** Raw RGB of a whole DZ level: the base level read from the slide, smaller ones shrunk from the base. */
  private levelImage(reader: SlideReader, st: ReaderState, level: number): Promise<Buffer> {
    const key = `${st.id}/${level}`;
    const hit = this.levelImages.get(key);
    if (hit) return Promise.resolve(hit);
    let p = this.levelInflight.get(key);
    if (!p) {
      p = this.buildLevelImage(reader, st, level)
        .then((img) => {
          this.levelImages.set(key, img);
          return img;
        })
        .finally(() => this.levelInflight.delete(key));
      this.levelInflight.set(key, p);
    }
    return p;
  }

  /**
   * DZ pixel z covers slide-level pixels [z * s, (z + 1) * s) exactly, as in the per-tile path,
   * so a level is shrunk from a source padded to a whole number of DZ pixels, never stretched
   * to fit (stretching shifts interior pixels by up to half a pixel). The padding repeats the
   * edge pixels, which keeps the last row and column close to OpenSlide's edge tiles (those are
   * stretched a little) and avoids a background-coloured rim.
   */
  private async buildLevelImage(reader: SlideReader, st: ReaderState, level: number): Promise<Buffer> {
    const g = st.geometry;
    const dz = g.levels[level];
    const base = st.baseLevel!;
    if (level === base) {
      const size = g.slideLevelSizes[dz.slideLevel];
      const padW = Math.ceil(dz.slideToDz * dz.width);
      const padH = Math.ceil(dz.slideToDz * dz.height);
      if (size.width * size.height > MAX_READ_PIXELS) {
        // too big for one read: the block reader pads with background instead (reads past the edge are transparent)
        const whole: TileRegion = { slideLevel: dz.slideLevel, x: g.offset.x, y: g.offset.y, readWidth: padW, readHeight: padH, width: dz.width, height: dz.height };
        return (await readScaled(reader, whole, st.background)).raw().toBuffer();
      }
      const whole: TileRegion = { slideLevel: dz.slideLevel, x: g.offset.x, y: g.offset.y, readWidth: size.width, readHeight: size.height, ...size };
      const levelPixels = await (await readScaled(reader, whole, st.background)).raw().toBuffer();
      return shrinkPadded(levelPixels, size.width, size.height, padW, padH, dz.width, dz.height);
    }
    // one Lanczos shrink from the base by an exact power of two, not a chain of halvings
    const from = g.levels[base];
    const factor = 2 ** (base - level);
    const baseImage = await this.levelImage(reader, st, base);
    return shrinkPadded(baseImage, from.width, from.height, dz.width * factor, dz.height * factor, dz.width, dz.height);
  }
}
