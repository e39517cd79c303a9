/**
 * Slides whose file keeps each channel on a page of its own: a Vectra/PhenoImager QPTIFF (the
 * PerkinElmer-QPI XML on every page) or a multi-channel OME-TIFF (one IFD per plane, the
 * OME-XML on the first). Both come down to the same model: each channel's full-resolution page,
 * its name, colour and sample depth, and the reduced pages that make its pyramid.
 */
import { parseQpiDescription, qptiffChannels } from './qptiff.js';
import { omeTiffChannels } from './ome-tiff.js';
import type { TiffPage } from './tiff-directory.js';

export interface PageChannel {
  name: string;
  /** "#rrggbb", null when the file names none. */
  color: string | null;
  /** The channel's full-resolution page. */
  page: number;
  /** 16 where the page stores 16-bit samples, else 8 (what the tiles show is then 8-bit). */
  bits: 8 | 16;
}

export interface ChannelLayout {
  kind: 'qptiff' | 'ome-tiff';
  channels: PageChannel[];
  /** The acquisition mode the file writes (QPTIFF's ScanProfile Mode), when it does. */
  mode: string | null;
  samplesPerPixel: number;
}

/** The file's channel pages; null for a TIFF that keeps no channel apart this way. */
export function channelLayout(pages: TiffPage[]): ChannelLayout | null {
  const qp = qptiffChannels(pages);
  if (qp.channels.length > 0) return { kind: 'qptiff', ...qp };
  const ome = omeTiffChannels(pages);
  return ome && ome.channels.length > 0 ? { kind: 'ome-tiff', ...ome } : null;
}

/**
 * True when the layout's channels can each be served as grey tiles of their own: several
 * one-sample channels, every page as large as the first.
 */
export function splitsChannels(layout: ChannelLayout | null, pages: TiffPage[]): layout is ChannelLayout {
  if (!layout || layout.channels.length < 2 || layout.samplesPerPixel !== 1) return false;
  const base = pages[0]!;
  return layout.channels.every((c) => {
    const p = pages[c.page];
    return p !== undefined && p.samplesPerPixel === 1 && p.width === base.width && p.height === base.height;
  });
}

/** A page that may be a reduced level of a channel: QPTIFF pages say so (or say nothing), OME-TIFF pages are judged by size. */
function reducedCandidate(layout: ChannelLayout, p: TiffPage): boolean {
  if (layout.kind !== 'qptiff') return true;
  const type = p.description ? parseQpiDescription(p.description)?.imageType : null;
  return !type || type.toLowerCase() === 'reducedresolution';
}

/**
 * The pages holding channel `channel` at each pyramid level: its full-resolution page, then for
 * each reduced level of the first channel's pyramid (`levelPages`), the matching candidate page
 * of that size in file order: each reduced level is written as the full one is, a QPTIFF's once
 * per channel in channel order, an OME-TIFF's once per plane in plane order (Z and T planes
 * between channels included). A level missing for the channel is left out; its other levels
 * still make a pyramid.
 */
export function channelLevels(pages: TiffPage[], layout: ChannelLayout, levelPages: TiffPage[], channel: number): TiffPage[] {
  const full = layout.channels[channel];
  if (!full) return [];
  const fullPages = new Set(layout.channels.map((c) => c.page));
  const at = layout.kind === 'qptiff' ? channel : full.page - Math.min(...fullPages);
  const out = [pages[full.page]!];
  for (const level of levelPages.slice(1)) {
    const same = pages.filter(
      (p) => !fullPages.has(p.index) && p.width === level.width && p.height === level.height && p.tiled === level.tiled && reducedCandidate(layout, p),
    );
    const page = same[at];
    if (page) out.push(page);
  }
  return out;
}
