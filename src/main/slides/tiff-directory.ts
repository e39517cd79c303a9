/**
 * Reads the image directories (IFDs) of a classic or BigTIFF file: page sizes, tiling,
 * compression and the descriptive tags. The sharp reader needs this because libvips reports
 * neither per-page sizes nor tiling, and because sizes must be sanity-checked before libvips
 * is allowed near a file whose header may claim absurd dimensions.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SlideError } from './reader.js';

export interface TiffPage {
  index: number;
  width: number;
  height: number;
  tiled: boolean;
  tileWidth: number | null;
  tileHeight: number | null;
  compression: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** SampleFormat: 1 unsigned integer (the default), 2 signed, 3 floating point. */
  sampleFormat: number;
  /** NewSubfileType bit 0: a reduced-resolution copy of another page. */
  reduced: boolean;
  description: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  dateTime: string | null;
  xResolution: number | null;
  yResolution: number | null;
  /** 1 none, 2 inch, 3 centimetre. */
  resolutionUnit: number;
}

/** 16 for a page of unsigned 16-bit samples; 8 for anything else (libvips gives those to the tiles as 8-bit). */
export function sampleBits(p: Pick<TiffPage, 'bitsPerSample' | 'sampleFormat'>): 8 | 16 {
  return p.bitsPerSample === 16 && p.sampleFormat === 1 ? 16 : 8;
}

/** TIFF compression codes the bundled libvips cannot decode, named for the error message. */
export const UNDECODABLE_COMPRESSION: Record<number, string> = {
  33003: 'Aperio JPEG 2000 (YCbCr)',
  33005: 'Aperio JPEG 2000 (RGB)',
  34712: 'JPEG 2000',
  34713: 'Nikon NEF',
};

const MAX_PAGES = 4096;
const MAX_ENTRIES = 4096;
const MAX_STRING = 1 << 20;

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Cheap check on the first bytes of a file. */
export function isTiffMagic(head: Buffer): boolean {
  if (head.length < 4) return false;
  const order = head.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return false;
  const version = order === 'II' ? head.readUInt16LE(2) : head.readUInt16BE(2);
  return version === 42 || version === 43;
}

/**
 * An ASCII tag's text up to its NUL. Some writers (PhenoImager's QPTIFF XML) put UTF-16 there,
 * with a byte-order mark or, little-endian, without one; a UTF-8 BOM is dropped.
 */
export function decodeTiffText(data: Buffer): string {
  const utf16 = (le: boolean, from: number): string => {
    let end = from;
    while (end + 1 < data.length && (data[end] !== 0 || data[end + 1] !== 0)) end += 2;
    const body = Buffer.from(data.subarray(from, end));
    if (!le) body.swap16();
    return body.toString('utf16le');
  };
  if (data.length >= 2 && data[0] === 0xff && data[1] === 0xfe) return utf16(true, 2);
  if (data.length >= 2 && data[0] === 0xfe && data[1] === 0xff) return utf16(false, 2);
  if (data.length >= 4 && data[0] === 0x3c && data[1] === 0 && data[2] !== 0 && data[3] === 0) return utf16(true, 0);
  const from = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  const end = data.indexOf(0, from);
  const bytes = data.subarray(from, end < 0 ? data.length : end);
  return from === 3 ? bytes.toString('utf8') : bytes.toString('latin1');
}

class Reader {
  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    private readonly le: boolean,
    readonly big: boolean,
    private readonly name: string,
  ) {}

  async bytes(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || offset + length > this.size) {
      throw new SlideError(`${this.name}: TIFF structure points past the end of the file (truncated or corrupt).`, 'corrupt');
    }
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, offset);
    if (bytesRead !== length) throw new SlideError(`${this.name}: unexpected end of file in the TIFF header.`, 'corrupt');
    return buf;
  }

  u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  u64(b: Buffer, o: number): number {
    const v = this.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new SlideError(`${this.name}: TIFF offset out of range (corrupt header).`, 'corrupt');
    }
    return Number(v);
  }
  offset(b: Buffer, o: number): number {
    return this.big ? this.u64(b, o) : this.u32(b, o);
  }

  /** Numeric values of one entry; `valueField` is where its inline value or offset sits. */
  async numbers(type: number, count: number, entry: Buffer, valueField: number, max = 16): Promise<number[]> {
    const size = TYPE_SIZES[type];
    if (!size) return [];
    const n = Math.min(count, max);
    const inline = size * count <= (this.big ? 8 : 4);
    const data = inline ? entry.subarray(valueField) : await this.bytes(this.offset(entry, valueField), size * n);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (type) {
        case 1:
        case 7:
          out.push(data[o]);
          break;
        case 3:
          out.push(this.u16(data, o));
          break;
        case 4:
        case 13:
          out.push(this.u32(data, o));
          break;
        case 16:
          out.push(this.u64(data, o));
          break;
        case 5:
          out.push(this.u32(data, o) / (this.u32(data, o + 4) || 1));
          break;
        default:
          out.push(NaN);
      }
    }
    return out;
  }

  async text(count: number, entry: Buffer, valueField: number): Promise<string> {
    const n = Math.min(count, MAX_STRING);
    const inline = count <= (this.big ? 8 : 4);
    const data = inline ? entry.subarray(valueField, valueField + n) : await this.bytes(this.offset(entry, valueField), n);
    return decodeTiffText(data);
  }
}

/** All pages of the TIFF at `path`, in file order. Throws SlideError('corrupt') on broken structure. */
export async function readTiffPages(path: string, displayName: string): Promise<TiffPage[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
    if (!isTiffMagic(head)) throw new SlideError(`${displayName} is not a TIFF file.`, 'corrupt');
    const le = head.toString('latin1', 0, 2) === 'II';
    const big = (le ? head.readUInt16LE(2) : head.readUInt16BE(2)) === 43;
    const r = new Reader(fh, size, le, big, displayName);
    let next = big ? r.u64(head, 8) : r.u32(head, 4);
    const seen = new Set<number>();
    const pages: TiffPage[] = [];
    while (next !== 0) {
      if (seen.has(next)) throw new SlideError(`${displayName}: TIFF directory chain loops (corrupt file).`, 'corrupt');
      if (pages.length >= MAX_PAGES) throw new SlideError(`${displayName}: more than ${MAX_PAGES} TIFF pages.`, 'corrupt');
      seen.add(next);
      const { page, nextOffset } = await readDirectory(r, next, pages.length);
      pages.push(page);
      next = nextOffset;
    }
    if (pages.length === 0) throw new SlideError(`${displayName}: the TIFF holds no images.`, 'corrupt');
    return pages;
  } finally {
    await fh.close();
  }
}

async function readDirectory(r: Reader, at: number, index: number): Promise<{ page: TiffPage; nextOffset: number }> {
  const countSize = r.big ? 8 : 2;
  const entrySize = r.big ? 20 : 12;
  const valueField = r.big ? 12 : 8;
  const countBuf = await r.bytes(at, countSize);
  const count = r.big ? r.u64(countBuf, 0) : r.u16(countBuf, 0);
  if (count === 0 || count > MAX_ENTRIES) throw new SlideError(`TIFF directory ${index} has ${count} entries (corrupt).`, 'corrupt');
  const body = await r.bytes(at + countSize, count * entrySize + (r.big ? 8 : 4));
  const page: TiffPage = {
    index,
    width: 0,
    height: 0,
    tiled: false,
    tileWidth: null,
    tileHeight: null,
    compression: 1,
    samplesPerPixel: 1,
    bitsPerSample: 1,
    sampleFormat: 1,
    reduced: false,
    description: null,
    make: null,
    model: null,
    software: null,
    dateTime: null,
    xResolution: null,
    yResolution: null,
    resolutionUnit: 2,
  };
  for (let i = 0; i < count; i++) {
    const entry = body.subarray(i * entrySize, (i + 1) * entrySize);
    const tag = r.u16(entry, 0);
    const type = r.u16(entry, 2);
    const n = r.big ? r.u64(entry, 4) : r.u32(entry, 4);
    const first = async () => (await r.numbers(type, n, entry, valueField, 1))[0] ?? 0;
    switch (tag) {
      case 254:
        page.reduced = ((await first()) & 1) === 1;
        break;
      case 256:
        page.width = await first();
        break;
      case 257:
        page.height = await first();
        break;
      case 258:
        page.bitsPerSample = await first();
        break;
      case 259:
        page.compression = await first();
        break;
      case 270:
        page.description = await r.text(n, entry, valueField);
        break;
      case 271:
        page.make = await r.text(n, entry, valueField);
        break;
      case 272:
        page.model = await r.text(n, entry, valueField);
        break;
      case 277:
        page.samplesPerPixel = await first();
        break;
      case 282:
        page.xResolution = await first();
        break;
      case 283:
        page.yResolution = await first();
        break;
      case 296:
        page.resolutionUnit = await first();
        break;
      case 305:
        page.software = await r.text(n, entry, valueField);
        break;
      case 306:
        page.dateTime = await r.text(n, entry, valueField);
        break;
      case 339:
        page.sampleFormat = await first();
        break;
      case 322:
        page.tileWidth = await first();
        break;
      case 323:
        page.tileHeight = await first();
        break;
    }
  }
  page.tiled = page.tileWidth !== null && page.tileHeight !== null;
  if (!(page.width > 0 && page.height > 0)) {
    throw new SlideError(`TIFF page ${index} has no valid size (${page.width}x${page.height}).`, 'corrupt');
  }
  return { page, nextOffset: r.offset(body, count * entrySize) };
}
