/**
 * Slide thumbnails. Reads the smallest pyramid level that still has at least the output's
 * resolution, so a pyramidal slide costs one small read. A slide without a small enough level
 * (one huge level) is read in blocks that are each shrunk on their own, so memory stays
 * bounded instead of decoding gigapixels at once.
 */
import sharp from 'sharp';
import type { ImageType } from '../../shared/api.js';
import type { SlideReader } from './reader.js';
import { backgroundOf, readScaled, readScaled16 } from './tile-service.js';

export interface ThumbnailOptions {
  quality?: number;
  /** Fluorescence thumbnails are drawn on black and contrast-stretched (dim signal would look near black). */
  imageType?: ImageType | null;
  /** Most level pixels read in one readRegion call (default MAX_READ_PIXELS). */
  maxReadPixels?: number;
  /**
   * For a reader whose channels are kept apart: each channel's display colour ("#rrggbb"). The
   * thumbnail then mixes every channel, each auto-contrasted on its own, as the viewer opens it.
   */
  channelColors?: string[];
}

/** Output size: the slide scaled to fit maxSize x maxSize, never enlarged. */
export function thumbnailSize(width: number, height: number, maxSize: number): { width: number; height: number } {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Index of the level with the fewest pixels that is at least `width` x `height`. */
export function thumbnailLevel(levels: SlideReader['metadata']['levels'], width: number, height: number): number {
  let best = 0;
  for (let i = 1; i < levels.length; i++) {
    const l = levels[i];
    if (l.width >= width && l.height >= height && l.width * l.height < levels[best].width * levels[best].height) best = i;
  }
  return best;
}

export async function thumbnail(reader: SlideReader, maxSize: number, opts: ThumbnailOptions = {}): Promise<Buffer> {
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`Bad thumbnail size ${maxSize}`);
  const quality = opts.quality ?? 85;
  const meta = reader.metadata;
  const out = thumbnailSize(meta.width, meta.height, maxSize);
  const levelIndex = thumbnailLevel(meta.levels, out.width, out.height);
  const level = meta.levels[levelIndex];
  const region = { slideLevel: levelIndex, x: 0, y: 0, readWidth: level.width, readHeight: level.height, ...out };
  const fluorescence = opts.imageType === 'fluorescence';
  if (opts.channelColors && reader.channel && (reader.channelCount ?? 0) > 1) {
    const rgb = await mixedChannels(reader, opts.channelColors, out, opts.maxReadPixels);
    return sharp(rgb, { raw: { width: out.width, height: out.height, channels: 3 } }).jpeg({ quality }).toBuffer();
  }
  const img = await readScaled(reader, region, fluorescence ? BLACK : backgroundOf(reader), opts.maxReadPixels);
  if (!fluorescence) return img.jpeg({ quality }).toBuffer();
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  stretchContrast(data);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

const BLACK = { r: 0, g: 0, b: 0 };

/** Every channel at `out` size, each stretched by its own percentiles, summed in its colour. */
async function mixedChannels(reader: SlideReader, colors: string[], out: { width: number; height: number }, maxReadPixels?: number): Promise<Buffer> {
  const n = out.width * out.height;
  const acc = new Float32Array(n * 3);
  const count = Math.min(colors.length, reader.channelCount ?? 0);
  for (let c = 0; c < count; c++) {
    const channel = await reader.channel!(c);
    const levelIndex = thumbnailLevel(channel.metadata.levels, out.width, out.height);
    const level = channel.metadata.levels[levelIndex]!;
    const region = { slideLevel: levelIndex, x: 0, y: 0, readWidth: level.width, readHeight: level.height, ...out };
    // A 16-bit channel is stretched on its own samples: dim signal may lie wholly below 256.
    const grey = channel.readRegion16
      ? await readScaled16(channel, region, maxReadPixels)
      : await (await readScaled(channel, region, BLACK, maxReadPixels)).extractChannel(0).raw().toBuffer();
    const { low, high } = stretchRange(grey, 1);
    const hex = Number.parseInt(colors[c]!.slice(1), 16);
    const rgb = [(hex >> 16) / 255, ((hex >> 8) & 255) / 255, (hex & 255) / 255];
    for (let p = 0; p < n; p++) {
      const t = Math.min(1, Math.max(0, (grey[p]! - low) / (high - low))) * 255;
      acc[p * 3] += rgb[0]! * t;
      acc[p * 3 + 1] += rgb[1]! * t;
      acc[p * 3 + 2] += rgb[2]! * t;
    }
  }
  return Buffer.from(Uint8ClampedArray.from(acc, Math.round).buffer);
}
/** STRETCH_LOW and STRETCH_HIGH percentiles of the brightest of each pixel's `bands` values (8-bit, or 16-bit samples). */
function stretchRange(px: Uint8Array | Uint16Array, bands: number): { low: number; high: number } {
  const hist = new Float64Array(px instanceof Uint16Array ? 65536 : 256);
  const n = Math.floor(px.length / bands);
  for (let p = 0; p < n * bands; p += bands) {
    let v = px[p]!;
    for (let k = 1; k < bands; k++) v = Math.max(v, px[p + k]!);
    hist[v]++;
  }
  const at = (q: number) => {
    let seen = 0;
    for (let v = 0; v < hist.length; v++) if ((seen += hist[v]!) >= q * n && seen > 0) return v;
    return hist.length - 1;
  };
  const low = at(STRETCH_LOW);
  return { low, high: Math.max(at(STRETCH_HIGH), low + 1) };
}

/** Percentiles of the brightest channel mapped to black and to full brightness. */
export const STRETCH_LOW = 0.005;
export const STRETCH_HIGH = 0.998;

/**
 * Auto-contrast of interleaved RGB in place, as a viewer's "auto" button does: the brightest
 * channel's STRETCH_LOW and STRETCH_HIGH percentiles become 0 and 255, every channel scaled by
 * the same factor so the channels' colours are kept. Returns the range used.
 */
export function stretchContrast(rgb: Uint8Array): { low: number; high: number } {
  const n = Math.floor(rgb.length / 3);
  const { low, high } = stretchRange(rgb, 3);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.round(Math.min(255, Math.max(0, ((v - low) * 255) / (high - low))));
  for (let i = 0; i < n * 3; i++) rgb[i] = lut[rgb[i]!]!;
  return { low, high };
}
