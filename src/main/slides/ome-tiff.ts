/**
 * OME-TIFF: the OME-XML in the first page's ImageDescription describes the image's planes
 * (Pixels: SizeC, SizeZ, SizeT, DimensionOrder), its channels (Name, Color as a signed 32-bit
 * RGBA integer) and which IFD holds which plane (TiffData). Only the first Image is read, and of
 * each channel its first plane (Z = 0, T = 0): a slide viewer shows one focal plane.
 */
import { sampleBits, type TiffPage } from './tiff-directory.js';
import type { PageChannel } from './channel-pages.js';

export interface OmeChannel {
  name: string | null;
  color: string | null;
}

function attr(attrs: string, k: string): string | null {
  return new RegExp(`\\b${k}="([^"]*)"`).exec(attrs)?.[1] ?? null;
}

/** The first Image's <Pixels ...> attributes and body (self-closing Pixels has none). */
function firstPixels(xml: string): { attrs: string; body: string } | null {
  const open = /<(?:\w+:)?Pixels\b([^>]*?)(\/?)>/.exec(xml);
  if (!open) return null;
  if (open[2]) return { attrs: open[1]!, body: '' };
  const from = open.index + open[0].length;
  const end = xml.indexOf('Pixels>', from);
  return { attrs: open[1]!, body: xml.slice(from, end < 0 ? xml.length : end) };
}

/** OME-XML's Channel elements: name and colour (a signed 32-bit RGBA integer). */
export function omeChannels(description: string | null): { channels: OmeChannel[]; samplesPerPixel: number } | null {
  if (!description || !/<(?:\w+:)?OME[\s>]/.test(description)) return null;
  const scope = firstPixels(description)?.body ?? description;
  const channels: OmeChannel[] = [];
  let samplesPerPixel = 1;
  for (const m of scope.matchAll(/<(?:\w+:)?Channel\b([^>]*?)\/?>/g)) {
    const attrs = m[1] ?? '';
    const raw = attr(attrs, 'Color');
    const rgba = raw !== null && /^-?\d+$/.test(raw) ? Number(raw) >>> 0 : null;
    const color = rgba === null ? null : `#${(rgba >>> 8).toString(16).padStart(6, '0')}`;
    samplesPerPixel = Math.max(samplesPerPixel, Number(attr(attrs, 'SamplesPerPixel')) || 1);
    channels.push({ name: attr(attrs, 'Name'), color });
  }
  return { channels, samplesPerPixel };
}

/**
 * IFD of each channel's first plane. TiffData elements that name their plane (FirstC/Z/T, IFD,
 * one plane each) are taken as written; otherwise the planes follow DimensionOrder from the
 * first TiffData's IFD (0 when none says), so channel c is c times C's stride.
 */
function channelIfds(pixels: { attrs: string; body: string }, sizeC: number): number[] {
  const n = (v: string | null, d: number) => (v !== null && /^\d+$/.test(v) ? Number(v) : d);
  const sizeZ = n(attr(pixels.attrs, 'SizeZ'), 1);
  const sizeT = n(attr(pixels.attrs, 'SizeT'), 1);
  const order = attr(pixels.attrs, 'DimensionOrder') ?? 'XYCZT';
  const tiffData = [...pixels.body.matchAll(/<(?:\w+:)?TiffData\b([^>]*?)\/?>/g)].map((m) => m[1] ?? '');
  const byPlane = new Map<number, number>();
  for (const t of tiffData) {
    if (n(attr(t, 'PlaneCount'), 1) !== 1 || attr(t, 'FirstC') === null || attr(t, 'IFD') === null) continue;
    if (n(attr(t, 'FirstZ'), 0) === 0 && n(attr(t, 'FirstT'), 0) === 0) byPlane.set(n(attr(t, 'FirstC'), 0), n(attr(t, 'IFD'), 0));
  }
  if (byPlane.size === sizeC) return Array.from({ length: sizeC }, (_, c) => byPlane.get(c) ?? -1);
  const start = n(attr(tiffData[0] ?? '', 'IFD'), 0);
  const size: Record<string, number> = { C: sizeC, Z: sizeZ, T: sizeT };
  let stride = 1;
  for (const d of order.slice(2)) {
    if (d === 'C') break;
    stride *= size[d] ?? 1;
  }
  return Array.from({ length: sizeC }, (_, c) => start + c * stride);
}

/**
 * The channels of an OME-TIFF whose planes are one-sample pages, with the IFD of each; null for
 * a file without OME-XML. A channel whose page is missing leaves the list empty (the file is
 * read as one image then).
 */
export function omeTiffChannels(pages: TiffPage[]): { channels: PageChannel[]; mode: null; samplesPerPixel: number } | null {
  const description = pages[0]?.description ?? null;
  const ome = omeChannels(description);
  if (!ome) return null;
  const pixels = firstPixels(description!);
  const sizeC = Number(attr(pixels?.attrs ?? '', 'SizeC')) || ome.channels.length;
  // SizeC counts samples: an RGB image is one Channel of three samples.
  const listed = ome.channels.length > 0 ? ome.channels : Array.from({ length: sizeC }, () => ({ name: null, color: null }));
  const ifds = pixels ? channelIfds(pixels, listed.length) : listed.map((_, c) => c);
  const channels: PageChannel[] = [];
  for (const [c, ch] of listed.entries()) {
    const page = pages[ifds[c]!];
    if (!page) return { channels: [], mode: null, samplesPerPixel: ome.samplesPerPixel };
    channels.push({ name: ch.name?.trim() || `Channel ${c + 1}`, color: ch.color, page: page.index, bits: sampleBits(page) });
  }
  return { channels, mode: null, samplesPerPixel: Math.max(ome.samplesPerPixel, pages[0]!.samplesPerPixel) };
}

const UNIT_UM: Record<string, number> = { 'µm': 1, 'μm': 1, um: 1, nm: 1e-3, mm: 1e3 };

/** Micrometres per pixel from the first Image's PhysicalSizeX/Y (µm unless a unit says otherwise); null when absent. */
export function omePixelSize(description: string | null): { x: number; y: number } | null {
  if (!description || !/<(?:\w+:)?OME[\s>]/.test(description)) return null;
  const attrs = firstPixels(description)?.attrs ?? '';
  const size = (axis: 'X' | 'Y') => {
    const v = Number(attr(attrs, `PhysicalSize${axis}`));
    const scale = UNIT_UM[attr(attrs, `PhysicalSize${axis}Unit`) ?? 'µm'];
    return scale !== undefined && Number.isFinite(v) && v > 0 ? v * scale : null;
  };
  const x = size('X');
  const y = size('Y') ?? x;
  return x !== null && y !== null ? { x, y } : null;
}
