/**
 * Slides and images read with sharp (libvips), no OpenSlide needed:
 * - tiled TIFF, pyramidal or not: a page whose size shrinks with the same aspect is a level;
 *   regions are `extract`ed from the right page, so libvips decodes only the tiles touched;
 * - PNG, JPEG, WebP and strip TIFF: small ones are decoded once and kept in memory, large ones
 *   are converted once into a tiled pyramid in the cache directory (pyramid-cache.ts).
 * Sizes come from the file header and are checked before libvips touches any pixel, so a
 * header claiming absurd dimensions becomes a too-large error instead of a huge allocation:
 * plain images (strip TIFF included) get the plain-image budget of pixel-limit.ts.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp from 'sharp';
import { SlideError, type Grey16Image, type RgbaImage, type SlideLevel, type SlideMetadata, type SlideReader } from './reader.js';
import { ensurePyramid } from './pyramid-cache.js';
import { checkPlainImagePixels, PLAIN_IMAGE_MAX_PIXELS } from './pixel-limit.js';
import {
  blit,
  levelDownsample,
  MAX_REGION_PIXELS,
  readClippedRegion,
  readClippedRegion16,
  type LevelRect,
} from './region.js';
import { isTiffMagic, readTiffPages, sampleBits, UNDECODABLE_COMPRESSION, type TiffPage } from './tiff-directory.js';
import { isQpiDescription } from './qptiff.js';
import { channelLayout, channelLevels, splitsChannels } from './channel-pages.js';
import { omePixelSize } from './ome-tiff.js';

/** Tiled sources are read tile by tile, so only the tile index bounds them: 2^37 px is ~370k x 370k. */
export const MAX_TILED_PIXELS = 2 ** 37;
/** Up to 4096 x 4096 (64 MB RGBA) an image is decoded once and kept in memory. */
export const IN_MEMORY_PIXELS = 4096 * 4096;

export interface SharpReaderOptions {
  /** Where pyramids of large sequential images are written (created if missing). */
  cacheDir: string;
}

export function sharpStatus(): { available: boolean; detail: string; vips: string } {
  const { sharp: version, vips } = sharp.versions;
  return { available: true, detail: `sharp ${version}, libvips ${vips}`, vips };
}

/** Where a level's pixels come from. */
interface PixelSource {
  levels: SlideLevel[];
  /** RGBA pixels of `r`, which lies inside level `level`. */
  read(level: number, r: LevelRect): Promise<Buffer>;
  /** The 16-bit samples of `r` (one band, native byte order), for sources of one-band 16-bit pages. */
  read16(level: number, r: LevelRect): Promise<Buffer>;
}

/** 8-bit sRGB + alpha whatever the input (grey, 16-bit, CMYK). */
function toRgba(img: sharp.Sharp): sharp.Sharp {
  return img.toColourspace('srgb').ensureAlpha().raw();
}

/** The first band as 16-bit grey, exactly as stored (libvips' sRGB conversion would keep only the top 8 bits). */
function toGrey16(img: sharp.Sharp): sharp.Sharp {
  return img.extractChannel(0).toColourspace('grey16').raw({ depth: 'ushort' });
}

function wrapDecodeError(path: string, e: unknown): SlideError {
  if (e instanceof SlideError) return e;
  return new SlideError(`Could not decode ${basename(path)}: ${(e as Error).message}`, 'corrupt');
}

class TiledTiffSource implements PixelSource {
  constructor(
    private readonly path: string,
    private readonly pages: number[],
    readonly levels: SlideLevel[],
  ) {}

  read(level: number, r: LevelRect): Promise<Buffer> {
    return this.extract(level, r, toRgba);
  }

  read16(level: number, r: LevelRect): Promise<Buffer> {
    return this.extract(level, r, toGrey16);
  }

  private async extract(level: number, r: LevelRect, as: (img: sharp.Sharp) => sharp.Sharp): Promise<Buffer> {
    try {
      // limitInputPixels is off because the header sizes were already checked against MAX_TILED_PIXELS.
      return await as(
        sharp(this.path, { page: this.pages[level], limitInputPixels: false, sequentialRead: false, failOn: 'error' }).extract({
          left: r.x,
          top: r.y,
          width: r.w,
          height: r.h,
        }),
      ).toBuffer();
    } catch (e) {
      throw wrapDecodeError(this.path, e);
    }
  }
}

class MemorySource implements PixelSource {
  private decoded: Promise<Buffer> | null = null;
  private decoded16: Promise<Buffer> | null = null;
  readonly levels: SlideLevel[];

  constructor(
    private readonly path: string,
    private readonly page: number,
    width: number,
    height: number,
  ) {
    this.levels = [{ width, height, downsample: 1 }];
  }

  async read(_level: number, r: LevelRect): Promise<Buffer> {
    // Decoded on first use, then shared; a failed decode is retried on the next read.
    this.decoded ??= this.decode(toRgba, () => (this.decoded = null));
    return this.cut(await this.decoded, r, 4);
  }

  async read16(_level: number, r: LevelRect): Promise<Buffer> {
    this.decoded16 ??= this.decode(toGrey16, () => (this.decoded16 = null));
    return this.cut(await this.decoded16, r, 2);
  }

  private decode(as: (img: sharp.Sharp) => sharp.Sharp, failed: () => void): Promise<Buffer> {
    return as(sharp(this.path, { page: this.page, limitInputPixels: IN_MEMORY_PIXELS }))
      .toBuffer()
      .catch((e) => {
        failed();
        throw wrapDecodeError(this.path, e);
      });
  }

  private cut(all: Buffer, r: LevelRect, bytesPerPixel: number): Buffer {
    const width = this.levels[0].width;
    if (r.x === 0 && r.y === 0 && r.w === width && r.h === this.levels[0].height) return Buffer.from(all);
    const out = { width: r.w, data: Buffer.alloc(r.w * r.h * bytesPerPixel) };
    blit(out, 0, 0, all, width, r.x, r.y, r.w, r.h, bytesPerPixel);
    return out.data;
  }
}

/** A slide's channels kept apart, each opened as a reader of its own when first asked for. */
interface ChannelSources {
  bits: (8 | 16)[];
  source(index: number): Promise<PixelSource>;
}

class SharpReader implements SlideReader {
  readonly readerName = 'sharp';
  readonly channelCount?: number;
  readonly channelBits?: (8 | 16)[];
  readonly readRegion16?: SlideReader['readRegion16'];
  private closed = false;
  private readonly channelReaders = new Map<number, Promise<SlideReader>>();

  constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    private readonly source: PixelSource,
    /** Associated image name -> TIFF page of the original file. */
    private readonly associated: Map<string, TiffPage>,
    private readonly channels?: ChannelSources,
    /** This reader is one channel of 16-bit samples: it can read them exactly. */
    samples16 = false,
  ) {
    if (channels) {
      this.channelCount = channels.bits.length;
      this.channelBits = channels.bits;
    }
    if (samples16) this.readRegion16 = (level, x, y, w, h) => this.read16(level, x, y, w, h);
  }

  channel(index: number): Promise<SlideReader> {
    const channels = this.channels;
    const count = channels?.bits.length ?? 0;
    if (!channels || !Number.isInteger(index) || index < 0 || index >= count) {
      return Promise.reject(new SlideError(`${basename(this.path)} has no channel ${index} kept apart (it has ${count}).`, 'bad-request'));
    }
    let r = this.channelReaders.get(index);
    if (!r) {
      r = channels.source(index).then((source) => {
        // Outside the slide is no signal: black, not the glass white of a brightfield background.
        const properties = { ...this.metadata.properties, 'openslide.background-color': '000000' };
        const meta = { ...this.metadata, levels: source.levels, properties };
        return new SharpReader(this.path, meta, source, this.associated, undefined, channels.bits[index] === 16);
      });
      r.catch(() => this.channelReaders.delete(index));
      this.channelReaders.set(index, r);
    }
    return r;
  }

  async readRegion(level: number, x: number, y: number, w: number, h: number): Promise<RgbaImage> {
    if (this.closed) throw new SlideError(`${basename(this.path)} is closed.`, 'bad-request');
    return readClippedRegion(this.metadata.levels, level, x, y, w, h, (inside) => this.source.read(level, inside));
  }

  private async read16(level: number, x: number, y: number, w: number, h: number): Promise<Grey16Image> {
    if (this.closed) throw new SlideError(`${basename(this.path)} is closed.`, 'bad-request');
    return readClippedRegion16(this.metadata.levels, level, x, y, w, h, (inside) => this.source.read16(level, inside));
  }

  async readAssociatedImage(name: string): Promise<RgbaImage> {
    const page = this.associated.get(name);
    if (!page) {
      throw new SlideError(
        `${basename(this.path)} has no associated image "${name}" (it has: ${[...this.associated.keys()].join(', ') || 'none'}).`,
        'bad-request',
      );
    }
    if (page.width * page.height > MAX_REGION_PIXELS) {
      throw new SlideError(`Associated image "${name}" is ${page.width}x${page.height}, too large to read at once.`, 'too-large');
    }
    try {
      const { data, info } = await toRgba(sharp(this.path, { page: page.index, limitInputPixels: MAX_REGION_PIXELS })).toBuffer({
        resolveWithObject: true,
      });
      return { width: info.width, height: info.height, data };
    } catch (e) {
      throw wrapDecodeError(this.path, e);
    }
  }

  close(): void {
    this.closed = true;
    for (const r of this.channelReaders.values()) r.then((c) => c.close(), () => {});
  }
}

// ---------- TIFF ----------

function isAperio(page: TiffPage): boolean {
  return page.description?.startsWith('Aperio') ?? false;
}

/** Pages that form the pyramid: page 0, then each page that shrinks with (about) the same aspect. */
function pyramidPages(pages: TiffPage[]): TiffPage[] {
  const base = pages[0];
  const levels = [base];
  for (const p of pages.slice(1)) {
    const prev = levels[levels.length - 1];
    if (p.tiled !== base.tiled || p.width >= prev.width || p.height >= prev.height) continue;
    // Reduced levels are rounded sizes, so compare the size a pure downsample would give within a pixel or two.
    const ds = base.width / p.width;
    if (Math.abs(base.height / ds - p.height) > Math.max(2, p.height * 0.01)) continue;
    levels.push(p);
  }
  return levels;
}

function associatedName(p: TiffPage, aperio: boolean, isSecondPage: boolean): string | null {
  const d = (p.description ?? '').toLowerCase();
  for (const name of ['label', 'macro', 'thumbnail', 'overview']) {
    if (new RegExp(`\\b${name}\\b`).test(d)) return name === 'overview' ? 'macro' : name;
  }
  // Aperio's thumbnail is the untitled strip page right after level 0.
  if (aperio && isSecondPage && !p.tiled) return 'thumbnail';
  return null;
}

const RESOLUTION_UNITS: Record<number, string> = { 1: 'none', 2: 'inch', 3: 'centimeter' };

/** Micrometres per pixel from TIFF resolution tags, where they plausibly describe a microscope. */
function tiffMpp(p: TiffPage): { x: number; y: number } | null {
  if (!p.xResolution || !p.yResolution) return null;
  const perUnit = p.resolutionUnit === 3 ? 10_000 : p.resolutionUnit === 2 ? 25_400 : null;
  if (perUnit === null) return null;
  const x = perUnit / p.xResolution;
  const y = perUnit / p.yResolution;
  // Inch units are usually a default 72/300 dpi from a generic writer, not a scanner; those give
  // tens of micrometres or more, which no slide scanner produces.
  if (p.resolutionUnit === 2 && x >= 10) return null;
  return { x, y };
}

/** Aperio's "key = value" pairs after the first '|' of ImageDescription, as OpenSlide names them. */
function aperioProperties(description: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const part of description.split('|').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) props[`aperio.${part.slice(0, eq).trim()}`] = part.slice(eq + 1).trim();
  }
  return props;
}

function tiffProperties(p: TiffPage): Record<string, string> {
  const props: Record<string, string> = {};
  const put = (k: string, v: string | number | null) => {
    if (v !== null && v !== '') props[k] = String(v);
  };
  put('tiff.ImageDescription', p.description);
  put('tiff.Make', p.make);
  put('tiff.Model', p.model);
  put('tiff.Software', p.software);
  put('tiff.DateTime', p.dateTime);
  put('tiff.XResolution', p.xResolution);
  put('tiff.YResolution', p.yResolution);
  put('tiff.ResolutionUnit', RESOLUTION_UNITS[p.resolutionUnit] ?? String(p.resolutionUnit));
  return props;
}

function finiteOrNull(v: string | undefined): number | null {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

function checkDecodable(pages: TiffPage[], name: string): void {
  const codec = UNDECODABLE_COMPRESSION[pages[0].compression];
  if (codec) {
    throw new SlideError(`${name} uses ${codec} compression, which needs OpenSlide; OpenSlide could not open it here.`, 'unsupported');
  }
}

function pageLevels(pages: TiffPage[]): SlideLevel[] {
  const [base] = pages;
  return pages.map((p) => ({
    width: p.width,
    height: p.height,
    downsample: levelDownsample(base.width, base.height, p.width, p.height),
  }));
}

async function openTiff(path: string, opts: SharpReaderOptions): Promise<SlideReader> {
  const name = basename(path);
  const pages = await readTiffPages(path, name);
  const base = pages[0];
  const pixels = base.width * base.height;
  if (base.tiled && pixels > MAX_TILED_PIXELS) {
    throw new SlideError(
      `${name} claims to be ${base.width} x ${base.height} pixels, beyond the ${MAX_TILED_PIXELS.toExponential(2)} pixels ` +
        'supported for tiled TIFF; the header is probably corrupt.',
      'too-large',
    );
  }
  // A strip TIFF is a plain image: decoded front to back, whole, so it gets the plain budget.
  if (!base.tiled) checkPlainImagePixels(name, base.width, base.height);
  checkDecodable(pages, name);

  const aperio = isAperio(base);
  const qptiff = isQpiDescription(base.description);
  const layout = channelLayout(pages);
  const ome = layout?.kind === 'ome-tiff';
  const levelPages = pyramidPages(pages);
  const associated = new Map<string, TiffPage>();
  for (const p of pages) {
    if (levelPages.includes(p)) continue;
    const n = associatedName(p, aperio, p.index === 1);
    if (n && !associated.has(n) && p.width * p.height <= MAX_REGION_PIXELS) associated.set(n, p);
  }

  const properties = tiffProperties(base);
  if (aperio && base.description) Object.assign(properties, aperioProperties(base.description));
  const mpp = aperio && finiteOrNull(properties['aperio.MPP']) !== null
    ? { x: Number(properties['aperio.MPP']), y: Number(properties['aperio.MPP']) }
    : (ome ? omePixelSize(base.description) : null) ?? tiffMpp(base);

  const sourceOf = (levels: TiffPage[]): Promise<PixelSource> => {
    const [first] = levels;
    const smallest = levels[levels.length - 1];
    if (first.tiled && smallest.width * smallest.height <= IN_MEMORY_PIXELS) {
      return Promise.resolve(new TiledTiffSource(path, levels.map((p) => p.index), pageLevels(levels)));
    }
    if (!first.tiled && pixels <= IN_MEMORY_PIXELS) return Promise.resolve(new MemorySource(path, first.index, first.width, first.height));
    // Strip TIFF too big for memory, or tiled without an overview small enough to display whole.
    const limit = first.tiled ? MAX_TILED_PIXELS : PLAIN_IMAGE_MAX_PIXELS;
    return pyramidSource(path, first.index, first.compression === 7, limit, opts, first.samplesPerPixel === 1 && sampleBits(first) === 16);
  };
  const source = await sourceOf(levelPages);
  // A fluorescence QPTIFF's or OME-TIFF's channels are pages of their own: each gets its own pyramid, built when first shown.
  const channels: ChannelSources | undefined = splitsChannels(layout, pages)
    ? { bits: layout.channels.map((c) => c.bits), source: (c) => sourceOf(channelLevels(pages, layout, levelPages, c)) }
    : undefined;

  return new SharpReader(
    path,
    {
      format: aperio ? 'aperio' : qptiff ? 'qptiff' : ome ? 'ome-tiff' : 'generic-tiff',
      vendor: aperio ? 'aperio' : base.make?.trim() || (qptiff ? 'Akoya (PerkinElmer)' : null),
      width: base.width,
      height: base.height,
      levels: source.levels,
      mpp,
      objectivePower: aperio ? finiteOrNull(properties['aperio.AppMag']) : null,
      properties,
      associatedImages: [...associated.keys()],
    },
    source,
    associated,
    channels,
  );
}

async function pyramidSource(
  path: string,
  page: number,
  lossy: boolean,
  limitInputPixels: number,
  opts: SharpReaderOptions,
  grey16 = false,
): Promise<PixelSource> {
  const pyramid = await ensurePyramid({ path, page, lossy, limitInputPixels, grey16 }, opts.cacheDir);
  const pages = pyramidPages(await readTiffPages(pyramid, basename(pyramid)));
  return new TiledTiffSource(pyramid, pages.map((p) => p.index), pageLevels(pages));
}

// ---------- PNG / JPEG / WebP ----------

const PLAIN_FORMATS = new Set(['png', 'jpeg', 'webp']);

async function openPlain(path: string, opts: SharpReaderOptions): Promise<SlideReader> {
  const name = basename(path);
  let meta: sharp.Metadata;
  try {
    // Header only: the pixel budget is enforced below with a clearer message than libvips'.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw wrapDecodeError(path, e);
  }
  if (!PLAIN_FORMATS.has(meta.format)) {
    throw new SlideError(`${name} is a ${meta.format} image, which Tessella does not read.`, 'unsupported');
  }
  const { width, height } = meta;
  if (!(width > 0 && height > 0)) throw new SlideError(`${name} has no valid image size.`, 'corrupt');
  checkPlainImagePixels(name, width, height);
  const source =
    width * height <= IN_MEMORY_PIXELS
      ? new MemorySource(path, 0, width, height)
      : await pyramidSource(path, 0, meta.format === 'jpeg', PLAIN_IMAGE_MAX_PIXELS, opts);

  const properties: Record<string, string> = {
    'image.format': meta.format,
    'image.width': String(width),
    'image.height': String(height),
    'image.channels': String(meta.channels),
    'image.depth': meta.depth,
    'image.space': meta.space,
  };
  if (meta.density) properties['image.density-dpi'] = String(meta.density);
  for (const c of meta.comments ?? []) properties[`${meta.format}.${c.keyword}`] = c.text;
  const dpiMpp = meta.density ? 25_400 / meta.density : null;

  return new SharpReader(
    path,
    {
      format: meta.format,
      vendor: null,
      width,
      height,
      levels: source.levels,
      // Same reasoning as tiffMpp: ordinary DPI values are not a microscope's resolution.
      mpp: dpiMpp !== null && dpiMpp < 10 ? { x: dpiMpp, y: dpiMpp } : null,
      objectivePower: null,
      properties,
      associatedImages: [],
    },
    source,
    new Map(),
  );
}

/** Open a TIFF, PNG, JPEG or WebP file with sharp. Errors are SlideErrors naming the file. */
export async function openWithSharp(path: string, opts: SharpReaderOptions): Promise<SlideReader> {
  const head = Buffer.alloc(8);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  return isTiffMagic(head) ? openTiff(path, opts) : openPlain(path, opts);
}
