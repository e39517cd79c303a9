/**
 * What kind of image a slide is, brightfield (stain absorbing light on bright glass) or
 * fluorescence (emitted light on a dark background), and its channels. Decided from the file's
 * own description where it says so (QPTIFF and OME-TIFF channel tables), else from the pixels
 * of a small overview: fluorescence is mostly near-black with sparse bright signal, brightfield
 * mostly bright glass. Never from the file name.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp from 'sharp';
import type { ImageType, SlideChannel } from '../../shared/api.js';
import type { RgbaImage, SlideReader } from './reader.js';
import { defaultChannelColor, RGB_CHANNELS, wavelengthColor } from './channel-colors.js';
import { qptiffChannels } from './qptiff.js';
import { omeChannels } from './ome-tiff.js';
import { isTiffMagic, readTiffPages, type TiffPage } from './tiff-directory.js';
import { thumbnailLevel } from './thumbnail.js';
import { readScaled } from './tile-service.js';

export type { ImageType, SlideChannel };
export { omeChannels };

export interface ImageInfo {
  imageType: ImageType;
  channels: SlideChannel[];
  /** What decided the type: the file's metadata, or its pixels. */
  decidedBy: 'metadata' | 'pixels';
}

/** Summary of an overview's opaque pixels (value = brightest of R, G, B). */
export interface PixelStats {
  pixels: number;
  medianValue: number;
  /** Fractions of pixels with value below DARK, and at or above BRIGHT. */
  darkFraction: number;
  brightFraction: number;
  /** Fraction of bright, colourless pixels: what glass looks like in brightfield. */
  glassFraction: number;
  /** Every pixel has R = G = B (within JPEG noise). */
  greyscale: boolean;
  /** 99th percentile of each colour channel. */
  channelP99: [number, number, number];
}

const DARK = 40;
const BRIGHT = 200;
/** Longest side of the overview the pixels are judged on. */
export const OVERVIEW_SIDE = 256;

function percentile(hist: Float64Array, total: number, p: number): number {
  const want = p * total;
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v]!;
    if (seen >= want && seen > 0) return v;
  }
  return hist.length - 1;
}

/** Statistics of the pixels of an RGBA image whose alpha is at least half (outside-slide areas are left out). */
export function pixelStats(img: RgbaImage): PixelStats {
  const valueHist = new Float64Array(256);
  const chanHist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)] as const;
  let n = 0;
  let dark = 0;
  let bright = 0;
  let coloured = 0;
  let glass = 0;
  const d = img.data;
  for (let o = 0; o + 3 < d.length; o += 4) {
    if (d[o + 3]! < 128) continue;
    const r = d[o]!, g = d[o + 1]!, b = d[o + 2]!;
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const m = r < g ? (r < b ? r : b) : g < b ? g : b;
    n++;
    valueHist[v]++;
    chanHist[0][r]++;
    chanHist[1][g]++;
    chanHist[2][b]++;
    if (v < DARK) dark++;
    if (v >= BRIGHT) {
      bright++;
      if (v - m <= v * 0.1) glass++;
    }
    if (v - m > 3) coloured++;
  }
  return {
    pixels: n,
    medianValue: n ? percentile(valueHist, n, 0.5) : 0,
    darkFraction: n ? dark / n : 0,
    brightFraction: n ? bright / n : 0,
    glassFraction: n ? glass / n : 0,
    greyscale: n > 0 && coloured <= n * 0.001,
    channelP99: [0, 1, 2].map((c) => (n ? percentile(chanHist[c as 0 | 1 | 2], n, 0.99) : 0)) as [number, number, number],
  };
}

/**
 * Dark background with signal. Brightfield overviews are mostly glass (bright and colourless)
 * and even a field of dense tissue keeps eosin's red bright; a fluorescence overview is mostly
 * below 40 however it was exposed. A brightfield scan padded with black (outside the scanned
 * area) is dark too, but what is not black there is mostly glass; fluorescence signal is
 * coloured, or dimmer than glass.
 */
export function looksFluorescent(s: PixelStats): boolean {
  if (s.pixels === 0) return false;
  if (s.medianValue < 60 && s.brightFraction < 0.1) return true;
  return s.darkFraction >= 0.5 && s.glassFraction < 0.5 * (1 - s.darkFraction);
}

/** Channels of an RGB fluorescence image: the colours that carry signal. */
function signalChannels(s: PixelStats): SlideChannel[] {
  const top = Math.max(...s.channelP99);
  const keep = RGB_CHANNELS.filter((_, i) => s.channelP99[i]! >= Math.max(8, top * 0.25));
  return keep.map((c) => ({ ...c }));
}

/** Hamamatsu NDPI fluorescence scans describe their filter cube: `Name=DAPI 2 (387)`, `EmissionWaveLength=455`. */
function ndpiChannel(properties: Record<string, string>): { name: string | null; color: string | null } {
  for (const [k, v] of Object.entries(properties)) {
    const text = `${k}=${v}`;
    if (!k.startsWith('hamamatsu.') || !/Shading Data|ExcitationWaveLength|EmissionWaveLength/.test(text)) continue;
    const name = /(?:^|[\r\n;])Name=([^\r\n;]*)/.exec(text)?.[1]?.trim() || null;
    const emission = Number(/EmissionWaveLength=(\d+)/.exec(text)?.[1]);
    return { name, color: emission > 0 ? wavelengthColor(emission) : null };
  }
  return { name: null, color: null };
}

/**
 * Channels named by the file. The tiles show the first page of a multi-page file, so only the
 * first channel is in them: as grey, or as the one colour component carrying signal (`first`).
 */
function named(list: { name: string | null; color: string | null }[], first: SlideChannel['sample']): SlideChannel[] {
  return list.map((c, i) => {
    const name = c.name?.trim() || `Channel ${i + 1}`;
    const channel: SlideChannel = { name, color: c.color ?? defaultChannelColor(name, i) };
    return i === 0 && first ? { ...channel, sample: first } : channel;
  });
}

/** Where a lone channel sits in RGB pixels: grey, or the one component with signal; undefined when several carry it. */
function loneSample(s: PixelStats): SlideChannel['sample'] {
  if (s.greyscale) return 'grey';
  const signal = signalChannels(s);
  return signal.length === 1 ? signal[0]!.sample : undefined;
}

/** What the TIFF's own description says, when it says enough to decide. */
function fromTiffMetadata(pages: TiffPage[], stats: PixelStats): ImageInfo | null {
  const qp = qptiffChannels(pages);
  if (qp.channels.length > 0) {
    const brightfield = qp.samplesPerPixel >= 3 || /bright/i.test(qp.mode ?? '');
    if (brightfield) return { imageType: 'brightfield', channels: RGB_CHANNELS.map((c) => ({ ...c })), decidedBy: 'metadata' };
    if (qp.channels.length > 1 || /fluor/i.test(qp.mode ?? '')) return { imageType: 'fluorescence', channels: named(qp.channels, loneSample(stats)), decidedBy: 'metadata' };
  }
  const ome = omeChannels(pages[0]?.description ?? null);
  if (ome && ome.channels.length > 1 && ome.samplesPerPixel === 1) {
    return { imageType: 'fluorescence', channels: named(ome.channels, loneSample(stats)), decidedBy: 'metadata' };
  }
  return null;
}

/** Channel names the metadata gives for a single-channel or undecided file (QPTIFF with one page, NDPI filter cubes). */
function metadataChannels(pages: TiffPage[] | null, properties: Record<string, string>): { name: string | null; color: string | null }[] {
  if (pages) {
    const qp = qptiffChannels(pages);
    if (qp.channels.length) return qp.channels;
    const ome = omeChannels(pages[0]?.description ?? null);
    if (ome?.channels.length) return ome.channels;
  }
  const ndpi = ndpiChannel(properties);
  return ndpi.name || ndpi.color ? [ndpi] : [];
}

/** The slide's pixels at about OVERVIEW_SIDE px, RGBA with outside-slide areas transparent where the level is small enough to read whole. */
export async function readOverview(reader: SlideReader, side = OVERVIEW_SIDE): Promise<RgbaImage> {
  const meta = reader.metadata;
  const scale = Math.min(1, side / Math.max(meta.width, meta.height));
  const width = Math.max(1, Math.round(meta.width * scale));
  const height = Math.max(1, Math.round(meta.height * scale));
  const levelIndex = thumbnailLevel(meta.levels, width, height);
  const level = meta.levels[levelIndex]!;
  if (level.width * level.height <= 4096 * 4096) {
    const px = await reader.readRegion(levelIndex, 0, 0, level.width, level.height);
    // Nearest neighbour keeps alpha and colours unblended: only statistics are taken from it.
    const data = await sharp(px.data, { raw: { width: px.width, height: px.height, channels: 4 } })
      .resize(width, height, { fit: 'fill', kernel: 'nearest' })
      .raw()
      .toBuffer();
    return { width, height, data };
  }
  // One huge level: read in blocks (flattened onto white, the usual glass); rare for fluorescence.
  const img = await readScaled(reader, { slideLevel: levelIndex, x: 0, y: 0, readWidth: level.width, readHeight: level.height, width, height }, { r: 255, g: 255, b: 255 });
  const { data } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width, height, data };
}

async function tiffPagesOf(path: string): Promise<TiffPage[] | null> {
  const head = Buffer.alloc(4);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    return isTiffMagic(head) ? await readTiffPages(path, basename(path)) : null;
  } catch {
    // A TIFF structure the reader itself got past but this walk does not: judge by pixels alone.
    return null;
  }
}

/** Decides from metadata where it is explicit, else from the overview's pixel statistics. */
export function decideImageType(stats: PixelStats, pages: TiffPage[] | null, properties: Record<string, string>): ImageInfo {
  const byMeta = pages ? fromTiffMetadata(pages, stats) : null;
  if (byMeta) return byMeta;
  const fluorescent = looksFluorescent(stats);
  const meta = metadataChannels(pages, properties);
  if (!fluorescent) {
    return { imageType: 'brightfield', channels: stats.greyscale ? [] : RGB_CHANNELS.map((c) => ({ ...c })), decidedBy: 'pixels' };
  }
  if (meta.length) return { imageType: 'fluorescence', channels: named(meta, loneSample(stats)), decidedBy: 'pixels' };
  if (stats.greyscale) return { imageType: 'fluorescence', channels: [{ name: 'Channel 1', color: '#ffffff', sample: 'grey' }], decidedBy: 'pixels' };
  return { imageType: 'fluorescence', channels: signalChannels(stats), decidedBy: 'pixels' };
}

/**
 * Decides from the reader's overview and the file's metadata. Channels the reader keeps apart
 * (tiles of their own) carry their sample depth, which says how their tiles are served.
 */
export async function detectImageType(reader: SlideReader): Promise<ImageInfo> {
  const [overview, pages] = await Promise.all([readOverview(reader), tiffPagesOf(reader.path)]);
  const info = decideImageType(pixelStats(overview), pages, reader.metadata.properties);
  const bits = reader.channelBits;
  if (info.imageType === 'fluorescence' && bits && bits.length > 1 && bits.length === info.channels.length) {
    return { ...info, channels: info.channels.map((c, i) => ({ ...c, bits: bits[i]! })) };
  }
  return info;
}
