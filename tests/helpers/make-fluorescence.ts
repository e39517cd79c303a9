/**
 * Synthetic fluorescence files written at test time: a Vectra/PhenoImager-style QPTIFF (one
 * greyscale page per channel with the PerkinElmer-QPI XML in each ImageDescription, then a
 * thumbnail and a reduced level per channel) and a 16-bit greyscale TIFF of 12-bit signal.
 * No such real file is in ../shared, so the layout follows the format's public descriptions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syntheticDir } from './make-slides.js';

export interface TiffPageSpec {
  width: number;
  height: number;
  samples: 1 | 3;
  bits: 8 | 16;
  /** Row-major, interleaved, little-endian for 16-bit. */
  data: Buffer;
  /** ImageDescription bytes (a string is written as ASCII with its NUL). */
  description?: string | Buffer;
  reduced?: boolean;
  software?: string;
  /** Written in square tiles of this side (a multiple of 16) instead of one strip, as scanners write. */
  tile?: number;
  /** Pages written as this page's SubIFDs (tag 330), outside the main IFD chain: a pyramidal OME-TIFF's reduced levels. */
  subIfds?: TiffPageSpec[];
}

/** The page's pixels cut into tile x tile blocks, edge tiles padded with zeros. */
function tilesOf(p: TiffPageSpec, tile: number): Buffer[] {
  const bpp = p.samples * (p.bits / 8);
  const out: Buffer[] = [];
  for (let ty = 0; ty < p.height; ty += tile)
    for (let tx = 0; tx < p.width; tx += tile) {
      const t = Buffer.alloc(tile * tile * bpp);
      for (let y = 0; y < tile && ty + y < p.height; y++) {
        const w = Math.min(tile, p.width - tx);
        p.data.copy(t, y * tile * bpp, ((ty + y) * p.width + tx) * bpp, ((ty + y) * p.width + tx + w) * bpp);
      }
      out.push(t);
    }
  return out;
}

/** An uncompressed little-endian classic TIFF, one strip per page. */
export function tiffBytes(pages: TiffPageSpec[]): Buffer {
  const chunks: Buffer[] = [];
  let offset = 8;
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  chunks.push(header);
  const put = (b: Buffer): number => {
    const at = offset;
    chunks.push(b);
    offset += b.length;
    if (offset % 2) {
      chunks.push(Buffer.alloc(1));
      offset++;
    }
    return at;
  };
  let previousNextField = 4; // where the offset of the next IFD goes
  const patches: { at: number; value: number }[] = [];
  /** Writes a page's pixels and IFD (its next-IFD field left 0); returns where the IFD and that field are. */
  const writePage = (p: TiffPageSpec): { ifdAt: number; nextField: number } => {
    const subAts = (p.subIfds ?? []).map((sub) => writePage(sub).ifdAt);
    const subArray = subAts.length > 1 ? put(Buffer.from(new Uint32Array(subAts).buffer)) : 0;
    const tiles = p.tile ? tilesOf(p, p.tile) : [p.data];
    const tileAts = tiles.map(put);
    const arrays = p.tile ? { offsets: put(Buffer.from(new Uint32Array(tileAts).buffer)), counts: put(Buffer.from(new Uint32Array(tiles.map((t) => t.length)).buffer)) } : null;
    const desc = p.description === undefined ? null : typeof p.description === 'string' ? Buffer.from(`${p.description}\0`, 'latin1') : p.description;
    const descAt = desc ? put(desc) : 0;
    const soft = p.software ? Buffer.from(`${p.software}\0`, 'latin1') : null;
    const softAt = soft ? put(soft) : 0;
    const bitsAt = p.samples === 3 ? put(Buffer.from(new Uint16Array([p.bits, p.bits, p.bits]).buffer)) : 0;
    const entries: [number, number, number, number][] = [
      [254, 4, 1, p.reduced ? 1 : 0],
      [256, 4, 1, p.width],
      [257, 4, 1, p.height],
      [258, 3, p.samples, p.samples === 3 ? bitsAt : p.bits],
      [259, 3, 1, 1],
      [262, 3, 1, p.samples === 3 ? 2 : 1],
      [277, 3, 1, p.samples],
      [284, 3, 1, 1],
    ];
    if (arrays) entries.push([322, 3, 1, p.tile!], [323, 3, 1, p.tile!], [324, 4, tiles.length, tiles.length === 1 ? tileAts[0]! : arrays.offsets], [325, 4, tiles.length, tiles.length === 1 ? tiles[0]!.length : arrays.counts]);
    else entries.push([273, 4, 1, tileAts[0]!], [278, 4, 1, p.height], [279, 4, 1, p.data.length]);
    if (desc) entries.push([270, 2, desc.length, descAt]);
    if (soft) entries.push([305, 2, soft.length, softAt]);
    if (subAts.length) entries.push([330, 13, subAts.length, subAts.length === 1 ? subAts[0]! : subArray]);
    entries.sort((a, b) => a[0] - b[0]);
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, count, value], i) => {
      const o = 2 + i * 12;
      ifd.writeUInt16LE(tag, o);
      ifd.writeUInt16LE(type, o + 2);
      ifd.writeUInt32LE(count, o + 4);
      if (type === 3 && count === 1) ifd.writeUInt16LE(value, o + 8);
      else ifd.writeUInt32LE(value, o + 8);
    });
    const ifdAt = put(ifd);
    return { ifdAt, nextField: ifdAt + 2 + entries.length * 12 };
  };
  for (const p of pages) {
    const { ifdAt, nextField } = writePage(p);
    patches.push({ at: previousNextField, value: ifdAt });
    previousNextField = nextField;
  }
  const out = Buffer.concat(chunks);
  for (const { at, value } of patches) out.writeUInt32LE(value, at);
  return out;
}

/** A field of bright round "nuclei" over a dark background (`level` of `max`), with a little noise; deterministic. */
export function blobField(width: number, height: number, seed: number, max: number, region = { x0: 0.15, y0: 0.2, x1: 0.75, y1: 0.8 }): number[] {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const v = new Array<number>(width * height).fill(0).map(() => Math.floor(rand() * max * 0.02));
  const blobs = Math.round((width * height) / 120);
  for (let k = 0; k < blobs; k++) {
    const cx = (region.x0 + rand() * (region.x1 - region.x0)) * width;
    const cy = (region.y0 + rand() * (region.y1 - region.y0)) * height;
    const r = 2 + rand() * 2;
    const peak = max * (0.5 + rand() * 0.5);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) v[y * width + x] = Math.max(v[y * width + x]!, Math.round(peak));
  }
  return v;
}

const u8 = (v: number[]) => Buffer.from(Uint8Array.from(v));
const u16 = (v: number[]) => Buffer.from(new Uint16Array(v).buffer);

function shrink(v: number[], width: number, height: number): number[] {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Array<number>(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = v[2 * y * width + 2 * x]!;
  return out;
}

export const QPTIFF_CHANNELS = [
  { name: 'DAPI', color: '0,0,255', hex: '#0000ff' },
  { name: 'CD8 (Opal 520)', color: '0,255,0', hex: '#00ff00' },
  { name: 'PD-L1 (Opal 570)', color: '255,255,0', hex: '#ffff00' },
  { name: 'Autofluorescence', color: '128,128,128', hex: '#808080' },
];

function qpiXml(type: string, name: string | null, color: string | null, extra = ''): string {
  return (
    '<?xml version="1.0" encoding="utf-16"?>\r\n<PerkinElmer-QPI-ImageDescription>\r\n  <DescriptionVersion>2</DescriptionVersion>\r\n' +
    `  <AcquisitionSoftware>Vectra</AcquisitionSoftware>\r\n  <ImageType>${type}</ImageType>\r\n` +
    (name !== null ? `  <Name>${name}</Name>\r\n` : '') +
    (color !== null ? `  <Color>${color}</Color>\r\n` : '') +
    '  <ScanProfile><root><Mode>im_Fluorescence</Mode><Name>Profile &amp; settings</Name></root></ScanProfile>\r\n' +
    extra +
    '</PerkinElmer-QPI-ImageDescription>'
  );
}

/** UTF-16LE with a byte-order mark, as PhenoImager writes some descriptions. */
function utf16(s: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le'), Buffer.alloc(2)]);
}

/**
 * A 4-channel QPTIFF, 256 x 192: full-resolution channel pages (the third one's XML in UTF-16),
 * an RGB thumbnail, a half-size level per channel, then an overview.
 */
export async function makeQptiff(name = 'vectra-4ch.qptiff'): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const width = 256;
  const height = 192;
  const channels = QPTIFF_CHANNELS.map((_, i) => blobField(width, height, 11 + i, 200));
  const pages: TiffPageSpec[] = channels.map((v, i) => {
    const c = QPTIFF_CHANNELS[i]!;
    const xml = qpiXml('FullResolution', c.name, c.color, '  <Biomarker>ignored when Name is given</Biomarker>\r\n');
    return { width, height, samples: 1, bits: 8, data: u8(v), description: i === 2 ? utf16(xml) : xml, software: 'PerkinElmer-QPI', tile: 64 };
  });
  const tw = 64;
  const th = 48;
  pages.push({ width: tw, height: th, samples: 3, bits: 8, data: Buffer.alloc(tw * th * 3, 20), description: qpiXml('Thumbnail', null, null), reduced: true });
  for (const [i, v] of channels.entries()) {
    const c = QPTIFF_CHANNELS[i]!;
    pages.push({ width: width >> 1, height: height >> 1, samples: 1, bits: 8, data: u8(shrink(v, width, height)), description: qpiXml('ReducedResolution', c.name, c.color), reduced: true, tile: 64 });
  }
  pages.push({ width: 80, height: 30, samples: 3, bits: 8, data: Buffer.alloc(80 * 30 * 3, 200), description: qpiXml('Overview', null, null) });
  await writeFile(path, tiffBytes(pages));
  return path;
}

/** A brightfield QPTIFF (Vectra Polaris brightfield scan): one RGB page of bright glass and pink tissue. */
export async function makeBrightfieldQptiff(name = 'polaris-brightfield.qptiff'): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const width = 128;
  const height = 96;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const tissue = (x - 64) ** 2 + (y - 48) ** 2 < 30 ** 2;
      data.set(tissue ? [200, 120, 170] : [242, 240, 241], (y * width + x) * 3);
    }
  const xml =
    '<?xml version="1.0" encoding="utf-16"?><PerkinElmer-QPI-ImageDescription><ImageType>FullResolution</ImageType>' +
    '<ScanProfile><root><Mode>im_Brightfield</Mode></root></ScanProfile></PerkinElmer-QPI-ImageDescription>';
  await writeFile(path, tiffBytes([{ width, height, samples: 3, bits: 8, data, description: xml, software: 'PerkinElmer-QPI' }]));
  return path;
}

/** A 16-bit greyscale TIFF holding 12-bit camera values (0..4095): nuclei over black, near black once cast to 8 bits. */
export async function makeGrey16Fluorescence(name = 'grey16-12bit.tif'): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const width = 320;
  const height = 240;
  await writeFile(path, tiffBytes([{ width, height, samples: 1, bits: 16, data: u16(blobField(width, height, 7, 4095)) }]));
  return path;
}

export const PATTERN_QPTIFF = {
  width: 600,
  height: 400,
  channels: [
    { name: 'DAPI', color: '0,0,255', hex: '#0000ff' },
    { name: 'CD8 (Opal 520)', color: '0,255,0', hex: '#00ff00' },
    { name: 'PD-L1 (Opal 690)', color: '255,0,0', hex: '#ff0000' },
  ],
};

/**
 * Channel `c`'s value at (x, y) in makePatternQptiff: bright (100-199, a ramp) in the c-th third of
 * the width, dark (5) elsewhere, so each channel shows where it lies and what its own values are.
 */
export function patternValue(c: number, x: number, y: number, width = PATTERN_QPTIFF.width): number {
  const third = Math.floor((3 * x) / width);
  return third === c ? 100 + ((x + 3 * y + 7 * c) % 100) : 5;
}

/** A 3-channel QPTIFF with a distinct pattern per channel (patternValue) and a half-size level per channel. */
export async function makePatternQptiff(name = 'pattern-3ch.qptiff'): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const { width, height, channels } = PATTERN_QPTIFF;
  const values = channels.map((_, c) => {
    const v = new Array<number>(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) v[y * width + x] = patternValue(c, x, y, width);
    return v;
  });
  const pages: TiffPageSpec[] = values.map((v, i) => {
    const c = channels[i]!;
    return { width, height, samples: 1, bits: 8, data: u8(v), description: qpiXml('FullResolution', c.name, c.color), software: 'PerkinElmer-QPI', tile: 64 };
  });
  pages.push({ width: 60, height: 40, samples: 3, bits: 8, data: Buffer.alloc(60 * 40 * 3, 20), description: qpiXml('Thumbnail', null, null), reduced: true });
  for (const [i, v] of values.entries()) {
    const c = channels[i]!;
    pages.push({ width: width >> 1, height: height >> 1, samples: 1, bits: 8, data: u8(shrink(v, width, height)), description: qpiXml('ReducedResolution', c.name, c.color), reduced: true, tile: 64 });
  }
  await writeFile(path, tiffBytes(pages));
  return path;
}

export const PATTERN16_QPTIFF = {
  width: 600,
  height: 400,
  channels: [
    { name: 'DAPI', color: '0,0,255', hex: '#0000ff' },
    { name: 'CD3 (Opal 520)', color: '0,255,0', hex: '#00ff00' },
    { name: 'Ki67 (Opal 690)', color: '255,0,0', hex: '#ff0000' },
  ],
};

/**
 * Channel `c`'s 16-bit value at (x, y) in makePattern16Qptiff: in the c-th third of the width a
 * signal over the whole 16-bit range whose low byte varies as much as its high byte, elsewhere a
 * dim 40 + (x % 200): below 256, so an 8-bit tile (the top byte) shows none of it.
 */
export function pattern16Value(c: number, x: number, y: number, width = PATTERN16_QPTIFF.width): number {
  const third = Math.floor((3 * x) / width);
  return third === c ? 256 + ((x * 2654 + y * 977 + c * 12345) % 65280) : 40 + (x % 200);
}

/** makePatternQptiff with 16-bit channel pages (pattern16Value) and a half-size 16-bit level per channel. */
export async function makePattern16Qptiff(name = 'pattern16-3ch.qptiff'): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const { width, height, channels } = PATTERN16_QPTIFF;
  const values = channels.map((_, c) => {
    const v = new Array<number>(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) v[y * width + x] = pattern16Value(c, x, y, width);
    return v;
  });
  const pages: TiffPageSpec[] = values.map((v, i) => {
    const c = channels[i]!;
    return { width, height, samples: 1, bits: 16, data: u16(v), description: qpiXml('FullResolution', c.name, c.color), software: 'PerkinElmer-QPI', tile: 64 };
  });
  pages.push({ width: 60, height: 40, samples: 3, bits: 8, data: Buffer.alloc(60 * 40 * 3, 20), description: qpiXml('Thumbnail', null, null), reduced: true });
  for (const [i, v] of values.entries()) {
    const c = channels[i]!;
    pages.push({ width: width >> 1, height: height >> 1, samples: 1, bits: 16, data: u16(shrink(v, width, height)), description: qpiXml('ReducedResolution', c.name, c.color), reduced: true, tile: 64 });
  }
  await writeFile(path, tiffBytes(pages));
  return path;
}

/** OME's Color: the RGBA integer as a signed 32-bit number, alpha 255. */
export function omeColor(hex: string): number {
  return ((Number.parseInt(hex.slice(1), 16) << 8) | 255) | 0;
}

export const PATTERN_OME = {
  width: 600,
  height: 400,
  channels: [
    { name: 'Hoechst 33342', hex: '#00ffff' },
    { name: 'CD20 (AF488)', hex: '#ffff00' },
    { name: 'Pan-CK (AF647)', hex: '#ff00ff' },
  ],
};

/**
 * A 3-channel OME-TIFF as Bio-Formats writes one: one page per channel (DimensionOrder XYZCT,
 * SizeZ = SizeT = 1, a TiffData per plane naming its IFD), the OME-XML with each channel's Name
 * and Color on the first page, and a half-size level per channel: after the channel pages, or
 * (`subIfds`) in each channel page's SubIFDs as pyramidal OME-TIFF keeps it. 8-bit pixels are
 * makePatternQptiff's (patternValue), 16-bit ones makePattern16Qptiff's (pattern16Value), so
 * channel c lights the c-th third.
 */
export async function makePatternOmeTiff(name = 'pattern-3ch.ome.tif', opts: { bits?: 8 | 16; subIfds?: boolean } = {}): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  const path = join(syntheticDir, name);
  const { width, height, channels } = PATTERN_OME;
  const bits = opts.bits ?? 8;
  const values = channels.map((_, c) => {
    const v = new Array<number>(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) v[y * width + x] = bits === 16 ? pattern16Value(c, x, y, width) : patternValue(c, x, y, width);
    return v;
  });
  const pack = bits === 16 ? u16 : u8;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="tessella tests">' +
    `<Image ID="Image:0" Name="pattern"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint${bits}" SizeX="600" SizeY="400" SizeZ="1" SizeC="3" SizeT="1" ` +
    'PhysicalSizeX="0.5" PhysicalSizeY="0.5">' +
    channels.map((c, i) => `<Channel ID="Channel:0:${i}" Name="${c.name}" Color="${omeColor(c.hex)}" SamplesPerPixel="1"><LightPath/></Channel>`).join('') +
    channels.map((_, i) => `<TiffData FirstC="${i}" FirstT="0" FirstZ="0" IFD="${i}" PlaneCount="1"/>`).join('') +
    '</Pixels></Image></OME>';
  const half = (v: number[]): TiffPageSpec => ({ width: width >> 1, height: height >> 1, samples: 1, bits, data: pack(shrink(v, width, height)), reduced: true, tile: 64 });
  const pages: TiffPageSpec[] = values.map((v, i) => ({
    width, height, samples: 1, bits, data: pack(v), description: i === 0 ? xml : undefined, software: 'OME Bio-Formats 7.0.0', tile: 64,
    ...(opts.subIfds ? { subIfds: [half(v)] } : {}),
  }));
  if (!opts.subIfds) pages.push(...values.map(half));
  await writeFile(path, tiffBytes(pages));
  return path;
}

/** The tile columns of one row of a Deep Zoom level, each with the x in the image of its first pixel (a tile after the first starts `overlap` early). */
export function tileColumns(dz: { width: number; tileSize: number; overlap: number }): { col: number; left: number }[] {
  return Array.from({ length: Math.ceil(dz.width / dz.tileSize) }, (_, col) => ({ col, left: col * dz.tileSize - (col > 0 ? dz.overlap : 0) }));
}

/** How many of a single-band tile's samples differ from `expected(x, y)` (x and y within the tile). */
export function mismatches(t: { data: ArrayLike<number>; width: number; height: number }, expected: (x: number, y: number) => number): number {
  let n = 0;
  for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) if (t.data[y * t.width + x] !== expected(x, y)) n++;
  return n;
}
