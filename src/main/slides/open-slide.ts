/**
 * The one entry point for opening a slide: checks the file, sniffs what it is and hands it to
 * the reader that fits (OpenSlide for the vendor formats, sharp for TIFF without OpenSlide and
 * for plain images, the DICOM reader for DICOM WSI). Every failure is a SlideError whose
 * message says what is wrong with the file and what Tessella can read.
 */
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { SlideError, SUPPORTED_FORMATS, type SlideReader } from './reader.js';
import { openslideDetectVendor, openslideStatus, openWithOpenSlide } from './openslide.js';
import { MAX_TILED_PIXELS, openWithSharp, sharpStatus } from './sharp-reader.js';
import { isTiffMagic, readTiffPages } from './tiff-directory.js';
import { isQpiDescription } from './qptiff.js';
import { channelLayout, splitsChannels } from './channel-pages.js';
import { DomainError, oneLine } from '../errors.js';

/** Lower-case extensions (with the dot) a folder scan should pick up. */
export const SLIDE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.svs', '.ndpi', '.mrxs', '.scn', '.bif', '.tif', '.tiff', '.qptiff', '.btf', '.vms', '.vmu', '.svslide', '.dcm', '.png', '.jpg', '.jpeg', '.webp',
]);

/** Formats only OpenSlide understands (their files may look like TIFF, JPEG or text to anything else). */
const OPENSLIDE_ONLY: Record<string, string> = {
  '.ndpi': 'Hamamatsu NDPI',
  '.mrxs': 'MIRAX MRXS',
  '.vms': 'Hamamatsu VMS',
  '.vmu': 'Hamamatsu VMU',
  '.svslide': 'Sakura SVSlide',
  '.scn': 'Leica SCN',
  '.bif': 'Ventana BIF',
};

const EXPECTED: Record<string, string> = {
  '.svs': 'an Aperio SVS slide (TIFF)',
  '.tif': 'a TIFF image',
  '.tiff': 'a TIFF image',
  '.dcm': 'a DICOM file',
  '.png': 'a PNG image',
  '.jpg': 'a JPEG image',
  '.jpeg': 'a JPEG image',
  '.webp': 'a WebP image',
};

export interface OpenSlideOptions {
  /** Where converted pyramids of large plain images are cached. */
  cacheDir: string;
}

type Kind = 'tiff' | 'dicom' | 'png' | 'jpeg' | 'webp' | 'text' | 'unknown';

function sniff(head: Buffer): Kind {
  if (head.length >= 132 && head.toString('latin1', 128, 132) === 'DICM') return 'dicom';
  if (isTiffMagic(head)) return 'tiff';
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  // Printable ASCII / UTF-8 with no NUL bytes: a text file (or an OpenSlide index such as .vms).
  if (!head.includes(0) && /^[\x09\x0a\x0d\x20-\x7e\x80-\xff]*$/.test(head.toString('latin1'))) return 'text';
  return 'unknown';
}

const KIND_NAMES: Record<Kind, string> = {
  tiff: 'TIFF',
  dicom: 'DICOM',
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  text: 'text',
  unknown: 'not a recognised image format',
};

function unsupported(path: string, what: string, code: SlideError['code'] = 'unsupported'): SlideError {
  return new SlideError(`Cannot open ${basename(path)}: ${what}. Tessella reads ${SUPPORTED_FORMATS}.`, code);
}

/** Open the slide at `path` with the reader that fits it. */
export async function openSlide(path: string, opts: OpenSlideOptions): Promise<SlideReader> {
  const name = basename(path);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw unsupported(path, 'it is a folder, not a file');
    size = st.size;
  } catch (e) {
    if (e instanceof SlideError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SlideError(`File not found: ${path}`, 'not-found');
    throw new SlideError(`Cannot access ${name}: ${(e as Error).message}`, code === 'EACCES' ? 'bad-request' : 'corrupt');
  }
  if (size === 0) throw unsupported(path, 'the file is empty (0 bytes)', 'corrupt');

  const head = Buffer.alloc(Math.min(size, 512));
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const kind = sniff(head);
  const ext = extname(path).toLowerCase();

  try {
    const reader = await dispatch(path, opts, kind, ext);
    const { width, height } = reader.metadata;
    if (width * height > MAX_TILED_PIXELS) {
      reader.close();
      throw new SlideError(`${name}: the header claims ${width} x ${height} pixels, more than any real slide; the file is probably corrupt.`, 'too-large');
    }
    return reader;
  } catch (e) {
    // Over the plain-image budget, a full disk: the format is fine, the list of formats would not help.
    if (e instanceof DomainError && !(e instanceof SlideError)) throw e;
    if (!(e instanceof SlideError)) throw unsupported(path, `reading it failed (${oneLine(e instanceof Error ? e.message : String(e))})`, 'corrupt');
    // Reader messages say what is wrong; the user also needs to hear what would have worked.
    if (e.code === 'not-found' || e.code === 'unavailable' || e.message.includes(SUPPORTED_FORMATS)) throw e;
    const what = e.message.startsWith(`${name}: `) ? e.message.slice(name.length + 2) : e.message;
    throw unsupported(path, what.replace(/\.$/, ''), e.code);
  }
}

/**
 * A Vectra/PhenoImager QPTIFF or a multi-channel OME-TIFF: OpenSlide takes it for a generic
 * TIFF showing the first page only (and makes levels of the other channels' reduced pages); the
 * sharp reader builds the first channel's pyramid, keeps every channel apart and finds the
 * thumbnail and overview pages.
 */
async function keepsChannelsApart(path: string): Promise<boolean> {
  try {
    const pages = await readTiffPages(path, basename(path));
    return isQpiDescription(pages[0]!.description) || splitsChannels(channelLayout(pages), pages);
  } catch {
    return false;
  }
}

async function dispatch(path: string, opts: OpenSlideOptions, kind: Kind, ext: string): Promise<SlideReader> {
  const openslide = openslideStatus();
  const vendorOnly = OPENSLIDE_ONLY[ext];
  if (kind === 'tiff' && !vendorOnly && (await keepsChannelsApart(path))) return openWithSharp(path, opts);

  // OpenSlide first for anything it may claim: the vendor formats and every TIFF-based slide.
  if (openslide.available && (vendorOnly || kind === 'tiff') && kind !== 'dicom') {
    const vendor = await openslideDetectVendor(path);
    if (vendor) {
      try {
        const reader = await openWithOpenSlide(path);
        if (reader) return reader;
      } catch (e) {
        // A plain tiled TIFF OpenSlide rejects (a codec its libtiff lacks, say) may still suit libvips;
        // when it does not either, OpenSlide's complaint is the more telling one.
        if (vendor !== 'generic-tiff' || ext in OPENSLIDE_ONLY) throw e;
        return openWithSharp(path, opts).catch((sharpError: unknown) => {
          throw sharpError instanceof SlideError && sharpError.code === 'too-large' ? sharpError : e;
        });
      }
    }
  }

  if (vendorOnly) {
    // NDPI, SCN and BIF look like TIFF but only OpenSlide lays them out right; MRXS and VMS are a JPEG or text index of other files.
    if (!openslide.available) {
      throw new SlideError(`${basename(path)} is ${vendorOnly}, which needs OpenSlide: ${openslide.detail}.`, 'unavailable');
    }
    throw unsupported(path, `it is named like ${vendorOnly} but OpenSlide does not recognise it (content: ${KIND_NAMES[kind]})`, 'corrupt');
  }

  switch (kind) {
    case 'dicom':
      // dicom-parser is loaded only when a DICOM file is opened: every CLI start would pay for it.
      return (await import('./dicom.js')).openDicom(path);
    case 'tiff':
    case 'png':
    case 'jpeg':
    case 'webp':
      return openWithSharp(path, opts);
    default: {
      const expected = EXPECTED[ext] ?? vendorOnly;
      const content = kind === 'text' ? 'its content is text' : 'its content is not a recognised image format';
      throw unsupported(path, expected ? `it is named like ${expected} but ${content}` : `${content}`, expected ? 'corrupt' : 'unsupported');
    }
  }
}

/** The installed package's version (the library's own `version` constant lags behind its releases). */
function dicomParserVersion(): string {
  try {
    return (createRequire(import.meta.url)('dicom-parser/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Which readers work here, with versions or the reason one is missing. */
export function readerStatus(): { name: string; available: boolean; detail: string }[] {
  const os = openslideStatus();
  const sh = sharpStatus();
  return [
    { name: 'openslide', available: os.available, detail: os.detail },
    { name: 'sharp', available: sh.available, detail: sh.detail },
    {
      name: 'dicom',
      available: sh.available,
      detail: `dicom-parser ${dicomParserVersion()}; DICOM WSI with JPEG Baseline or uncompressed frames, decoded with libvips ${sh.vips}`,
    },
  ];
}

