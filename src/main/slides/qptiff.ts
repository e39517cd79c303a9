/**
 * Vectra / PhenoImager / PhenoCycler QPTIFF: one TIFF page per channel, each with a
 * <PerkinElmer-QPI-ImageDescription> XML in ImageDescription naming the channel (Name, or
 * Biomarker) and its display colour ("R,G,B"). Full-resolution channel pages come first, then a
 * thumbnail, the reduced levels (again one page per channel), an overview and a label. The
 * channel model and pyramid pages shared with OME-TIFF are in channel-pages.ts.
 */
import { sampleBits, type TiffPage } from './tiff-directory.js';
import type { PageChannel } from './channel-pages.js';

export interface QpiDescription {
  imageType: string | null;
  name: string | null;
  biomarker: string | null;
  /** "#rrggbb", or null when the page names no colour. */
  color: string | null;
  /** ScanProfile's acquisition mode, e.g. "im_Brightfield" or "im_Fluorescence", when written. */
  mode: string | null;
}

export function isQpiDescription(description: string | null): boolean {
  return description?.includes('<PerkinElmer-QPI-ImageDescription') ?? false;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/**
 * Text of the root's direct children, by tag name (the first of each). Nested elements such as
 * ScanProfile hold their own <Name>s, which are not the channel's, so depth is tracked.
 */
function topLevelText(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const tag = /<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>/g;
  let depth = 0;
  let open: { name: string; textStart: number; simple: boolean } | null = null;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const [all, closing, name, , selfClosing] = m;
    if (!name) continue; // comment, declaration, CDATA
    if (selfClosing) {
      if (depth === 1 && !out.has(name)) out.set(name, '');
      continue;
    }
    if (!closing) {
      if (depth === 1) open = { name, textStart: m.index + all.length, simple: true };
      else if (depth > 1 && open) open.simple = false;
      depth++;
    } else {
      depth--;
      if (depth === 1 && open && open.name === name) {
        if (open.simple && !out.has(name)) out.set(name, decodeEntities(xml.slice(open.textStart, m.index)).trim());
        open = null;
      }
      if (depth < 0) return out;
    }
  }
  return out;
}

/** "255,60,157" (as Akoya writes it) or "#ff3c9d" to "#ff3c9d"; null for anything else. */
export function parseQpiColor(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = s.trim();
  const rgb = /^(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})$/.exec(t);
  if (rgb) {
    const v = rgb.slice(1, 4).map(Number);
    if (v.some((c) => c > 255)) return null;
    return `#${v.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  }
  return /^#[0-9a-f]{6}$/i.test(t) ? t.toLowerCase() : null;
}

export function parseQpiDescription(xml: string): QpiDescription | null {
  if (!isQpiDescription(xml)) return null;
  const start = xml.indexOf('<PerkinElmer-QPI-ImageDescription');
  const fields = topLevelText(xml.slice(start));
  const mode = /<Mode>\s*([^<]*?)\s*<\/Mode>/.exec(xml)?.[1] ?? null;
  const text = (k: string) => {
    const v = fields.get(k);
    return v ? v : null;
  };
  return { imageType: text('ImageType'), name: text('Name'), biomarker: text('Biomarker'), color: parseQpiColor(text('Color')), mode };
}

/**
 * The channels of a QPTIFF: its full-resolution pages in file order (a page without an
 * ImageType counts as full resolution when it is as large as the first page). Empty for a
 * file that is not QPTIFF.
 */
export function qptiffChannels(pages: TiffPage[]): { channels: PageChannel[]; mode: string | null; samplesPerPixel: number } {
  const base = pages[0];
  if (!base || !isQpiDescription(base.description)) return { channels: [], mode: null, samplesPerPixel: 1 };
  const channels: PageChannel[] = [];
  let mode: string | null = null;
  for (const p of pages) {
    const d = p.description ? parseQpiDescription(p.description) : null;
    if (!d) continue;
    mode ??= d.mode;
    const full = d.imageType ? d.imageType.toLowerCase() === 'fullresolution' : p.width === base.width && p.height === base.height;
    if (!full) continue;
    channels.push({ name: d.name ?? d.biomarker ?? `Channel ${channels.length + 1}`, color: d.color, page: p.index, bits: sampleBits(p) });
  }
  return { channels, mode, samplesPerPixel: base.samplesPerPixel };
}
