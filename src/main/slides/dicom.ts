/**
 * DICOM whole-slide images (VL Whole Slide Microscopy Image Storage). Each pyramid level is
 * one instance (file) of a series; the header is parsed with dicom-parser from the start of
 * the file only, frames are read from disk on demand (dicom-frames.ts) and JPEG frames are
 * decoded with sharp. Sibling .dcm files of the same series in the same folder supply the
 * other levels and the label / overview / thumbnail images.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as dicomParserNs from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import sharp from 'sharp';
import { oneLine } from '../errors.js';
import { SlideError, type RgbaImage, type SlideLevel, type SlideMetadata, type SlideReader } from './reader.js';
import { encapsulatedFrames, nativeFrames, type FrameSource } from './dicom-frames.js';
import {
  blit,
  levelDownsample,
  MAX_REGION_PIXELS,
  readClippedRegion,
  transparentImage,
  type LevelRect,
} from './region.js';

// dicom-parser is a UMD bundle: Node's ESM loader exposes it only as the default export.
type DicomParser = typeof dicomParserNs;
const dicomParser: DicomParser = (dicomParserNs as unknown as { default?: DicomParser }).default ?? dicomParserNs;

export const WSI_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';

const TRANSFER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};
const JPEG_SYNTAXES = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']);
const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

/** Tags copied into properties as `dicom.<Keyword>`. Patient identifiers are left out on purpose. */
const PROPERTY_TAGS: [keyword: string, tag: string, vr: string][] = [
  ['SOPClassUID', 'x00080016', 'UI'],
  ['SOPInstanceUID', 'x00080018', 'UI'],
  ['ImageType', 'x00080008', 'CS'],
  ['StudyDate', 'x00080020', 'DA'],
  ['SeriesDate', 'x00080021', 'DA'],
  ['ContentDate', 'x00080023', 'DA'],
  ['StudyTime', 'x00080030', 'TM'],
  ['ContentTime', 'x00080033', 'TM'],
  ['Modality', 'x00080060', 'CS'],
  ['Manufacturer', 'x00080070', 'LO'],
  ['ManufacturerModelName', 'x00081090', 'LO'],
  ['DeviceSerialNumber', 'x00181000', 'LO'],
  ['SoftwareVersions', 'x00181020', 'LO'],
  ['StudyInstanceUID', 'x0020000d', 'UI'],
  ['SeriesInstanceUID', 'x0020000e', 'UI'],
  ['SeriesNumber', 'x00200011', 'IS'],
  ['InstanceNumber', 'x00200013', 'IS'],
  ['DimensionOrganizationType', 'x00209311', 'CS'],
  ['SamplesPerPixel', 'x00280002', 'US'],
  ['PhotometricInterpretation', 'x00280004', 'CS'],
  ['NumberOfFrames', 'x00280008', 'IS'],
  ['Rows', 'x00280010', 'US'],
  ['Columns', 'x00280011', 'US'],
  ['BitsAllocated', 'x00280100', 'US'],
  ['LossyImageCompression', 'x00282110', 'CS'],
  ['LossyImageCompressionRatio', 'x00282112', 'DS'],
  ['LossyImageCompressionMethod', 'x00282114', 'CS'],
  ['ContainerIdentifier', 'x00400512', 'LO'],
  ['ImagedVolumeWidth', 'x00480001', 'FL'],
  ['ImagedVolumeHeight', 'x00480002', 'FL'],
  ['TotalPixelMatrixColumns', 'x00480006', 'UL'],
  ['TotalPixelMatrixRows', 'x00480007', 'UL'],
  ['SpecimenLabelInImage', 'x00480010', 'CS'],
  ['FocusMethod', 'x00480011', 'CS'],
  ['ExtendedDepthOfField', 'x00480012', 'CS'],
  ['TransferSyntaxUID', 'x00020010', 'UI'],
];

function value(ds: DataSet, tag: string, vr: string): string | null {
  if (!ds.elements[tag] || ds.elements[tag].length === 0) return null;
  const n = (v: number | undefined) => (v === undefined ? null : String(v));
  switch (vr) {
    case 'US':
      return n(ds.uint16(tag));
    case 'UL':
      return n(ds.uint32(tag));
    case 'SL':
      return n(ds.int32(tag));
    case 'FL':
      return n(ds.float(tag));
    case 'FD':
      return n(ds.double(tag));
    default:
      return ds.string(tag)?.replace(/\0+$/, '').trim() || null;
  }
}

/** First item of a sequence element, as a data set. */
function item(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** The header of one DICOM instance, parsed up to (not into) its PixelData. */
interface Instance {
  path: string;
  ds: DataSet;
  pixelData: Element;
  transferSyntax: string;
  imageType: string[];
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  frames: number;
  fileSize: number;
}

/** Big enough for almost every header; grown geometrically for sparse slides with long per-frame groups. */
const FIRST_HEADER_READ = 256 * 1024;
const MAX_HEADER_READ = 512 * 1024 * 1024;

/**
 * What dicom-parser's throw says. It throws strings, and parseDicom wraps them in a plain
 * `{ exception, dataSet }` object, which would print as "[object Object]".
 */
function dicomParserReason(e: unknown, depth = 0): string {
  if (e instanceof Error) return oneLine(e.message, 200);
  if (typeof e === 'string') return oneLine(e, 200);
  if (depth < 3 && e && typeof e === 'object' && 'exception' in e) return dicomParserReason((e as { exception: unknown }).exception, depth + 1);
  return 'unreadable';
}

async function readHeader(path: string): Promise<Instance> {
  const name = basename(path);
  const fh = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    for (let want = FIRST_HEADER_READ; ; want *= 4) {
      const length = Math.min(want, fileSize, MAX_HEADER_READ);
      const bytes = Buffer.alloc(length);
      await fh.read(bytes, 0, length, 0);
      let ds: DataSet | null = null;
      let failure: unknown = null;
      try {
        ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
      } catch (e) {
        failure = e;
      }
      const pixelData = ds?.elements.x7fe00010;
      if (ds && pixelData) return describe(path, ds, pixelData, fileSize);
      if (length >= fileSize || length >= MAX_HEADER_READ) {
        const why = failure ? ` (truncated or damaged header: ${dicomParserReason(failure)})` : ' (no pixel data found)';
        throw new SlideError(`${name} is not a readable DICOM file${why}.`, 'corrupt');
      }
    }
  } finally {
    await fh.close();
  }
}

function describe(path: string, ds: DataSet, pixelData: Element, fileSize: number): Instance {
  const name = basename(path);
  const transferSyntax = value(ds, 'x00020010', 'UI') ?? '1.2.840.10008.1.2';
  const tileWidth = ds.uint16('x00280011') ?? 0;
  const tileHeight = ds.uint16('x00280010') ?? 0;
  const width = ds.uint32('x00480006') ?? tileWidth;
  const height = ds.uint32('x00480007') ?? tileHeight;
  const frames = ds.intString('x00280008') ?? 1;
  if (!(tileWidth > 0 && tileHeight > 0 && width > 0 && height > 0 && frames > 0)) {
    throw new SlideError(`${name}: DICOM header lacks a valid image size (Rows/Columns/TotalPixelMatrix).`, 'corrupt');
  }
  return {
    path,
    ds,
    pixelData,
    transferSyntax,
    imageType: (value(ds, 'x00080008', 'CS') ?? '').split('\\').map((s) => s.trim().toUpperCase()),
    width,
    height,
    tileWidth,
    tileHeight,
    frames,
    fileSize,
  };
}

function isWsi(inst: Instance): boolean {
  return value(inst.ds, 'x00080016', 'UI') === WSI_SOP_CLASS;
}

/** VOLUME for pyramid levels; LABEL / OVERVIEW / THUMBNAIL for associated images (3rd ImageType value). */
function flavour(inst: Instance): string {
  return inst.imageType[2] || 'VOLUME';
}

const ASSOCIATED_NAMES: Record<string, string> = { LABEL: 'label', OVERVIEW: 'macro', THUMBNAIL: 'thumbnail' };

function checkSupported(inst: Instance): void {
  const name = basename(inst.path);
  const ts = inst.transferSyntax;
  if (!JPEG_SYNTAXES.has(ts) && !NATIVE_SYNTAXES.has(ts)) {
    throw new SlideError(
      `${name} is encoded as ${TRANSFER_SYNTAXES[ts] ?? 'an unknown transfer syntax'} (${ts}); Tessella reads DICOM ` +
        'slides encoded as JPEG Baseline or uncompressed only.',
      'unsupported',
    );
  }
  const spp = inst.ds.uint16('x00280002') ?? 1;
  const bits = inst.ds.uint16('x00280100') ?? 8;
  if (NATIVE_SYNTAXES.has(ts)) {
    const photometric = value(inst.ds, 'x00280004', 'CS');
    if (bits !== 8 || !((spp === 3 && photometric === 'RGB') || (spp === 1 && photometric === 'MONOCHROME2'))) {
      throw new SlideError(`${name}: uncompressed ${bits}-bit ${photometric} pixels are not supported (8-bit RGB or MONOCHROME2 only).`, 'unsupported');
    }
  }
}

/** Frame index for each tile position (row-major), -1 where a sparse slide has no tile. */
function tileMap(inst: Instance): Int32Array {
  const across = Math.ceil(inst.width / inst.tileWidth);
  const down = Math.ceil(inst.height / inst.tileHeight);
  const map = new Int32Array(across * down).fill(-1);
  const perFrame = inst.ds.elements.x52009230?.items;
  const organisation = value(inst.ds, 'x00209311', 'CS');
  if (organisation !== 'TILED_FULL' && perFrame && perFrame.length > 0) {
    perFrame.forEach((it, frame) => {
      const pos = item(it.dataSet, 'x0048021a');
      const col = pos?.int32('x0048021e');
      const row = pos?.int32('x0048021f');
      if (col === undefined || row === undefined) return;
      const tx = (col - 1) / inst.tileWidth;
      const ty = (row - 1) / inst.tileHeight;
      if (!Number.isInteger(tx) || !Number.isInteger(ty)) {
        throw new SlideError(`${basename(inst.path)}: TILED_SPARSE tiles off the tile grid are not supported.`, 'unsupported');
      }
      // The first frame at a position wins: later ones are other focal planes or optical paths.
      if (tx >= 0 && ty >= 0 && tx < across && ty < down && map[ty * across + tx] < 0) map[ty * across + tx] = frame;
    });
    return map;
  }
  // TILED_FULL: column fastest, then row; frames past the first plane are other focal planes / paths.
  for (let i = 0; i < Math.min(map.length, inst.frames); i++) map[i] = i;
  return map;
}

/** Decoded RGBA tiles shared by all levels of one slide, least recently used first out, bounded by bytes. */
class TileCache {
  private readonly entries = new Map<string, { pixels: Promise<Buffer>; size: number }>();
  private bytes = 0;
  constructor(private readonly budget: number) {}

  get(key: string, make: () => Promise<Buffer>, size: number): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.pixels;
    }
    const entry = { pixels: make(), size };
    // A failed decode is forgotten so the next read retries it.
    entry.pixels.catch(() => this.entries.get(key) === entry && this.drop(key));
    this.entries.set(key, entry);
    this.bytes += size;
    for (const k of this.entries.keys()) {
      if (this.bytes <= this.budget || k === key) break;
      this.drop(k);
    }
    return entry.pixels;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }
}

class DicomLevel {
  private constructor(
    readonly inst: Instance,
    private readonly fh: FileHandle,
    private readonly frames: FrameSource,
    private readonly tiles: Int32Array,
  ) {}

  static async open(inst: Instance): Promise<DicomLevel> {
    checkSupported(inst);
    const name = basename(inst.path);
    const fh = await open(inst.path, 'r');
    try {
      const offset = inst.pixelData.dataOffset;
      let frames: FrameSource;
      if (NATIVE_SYNTAXES.has(inst.transferSyntax)) {
        const spp = inst.ds.uint16('x00280002') ?? 1;
        const frameBytes = inst.tileWidth * inst.tileHeight * spp;
        if (offset + frameBytes * inst.frames > inst.fileSize) {
          throw new SlideError(`${name}: pixel data is truncated (file ends early).`, 'corrupt');
        }
        frames = nativeFrames(fh, offset, frameBytes, inst.frames, name);
      } else {
        frames = await encapsulatedFrames(fh, inst.fileSize, offset, inst.frames, name, await extendedOffsets(inst, fh));
      }
      return new DicomLevel(inst, fh, frames, tileMap(inst));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get tileBytes(): number {
    return this.inst.tileWidth * this.inst.tileHeight * 4;
  }

  /** RGBA pixels of tile (tx, ty), or null when a sparse slide has none there. */
  tile(tx: number, ty: number, cache: TileCache, key: string): Promise<Buffer> | null {
    const across = Math.ceil(this.inst.width / this.inst.tileWidth);
    const frame = this.tiles[ty * across + tx];
    if (frame < 0) return null;
    return cache.get(`${key}:${frame}`, () => this.decode(frame), this.tileBytes);
  }

  private async decode(frame: number): Promise<Buffer> {
    const { tileWidth: w, tileHeight: h } = this.inst;
    const bytes = await this.frames.read(frame);
    const input = NATIVE_SYNTAXES.has(this.inst.transferSyntax)
      ? sharp(bytes, { raw: { width: w, height: h, channels: bytes.length === w * h ? 1 : 3 } })
      : sharp(bytes, { limitInputPixels: w * h, failOn: 'error' });
    try {
      const { data, info } = await input.toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.width !== w || info.height !== h) {
        throw new SlideError(`${basename(this.inst.path)}, frame ${frame + 1} is ${info.width}x${info.height}, the header says ${w}x${h}.`, 'corrupt');
      }
      return data;
    } catch (e) {
      if (e instanceof SlideError) throw e;
      throw new SlideError(`Could not decode ${basename(this.inst.path)}, frame ${frame + 1}: ${(e as Error).message}`, 'corrupt');
    }
  }

  /** RGBA pixels of `r` (inside this level). */
  async read(r: LevelRect, cache: TileCache, key: string): Promise<Buffer> {
    const { tileWidth: tw, tileHeight: th } = this.inst;
    const out = transparentImage(r.w, r.h);
    const jobs: Promise<void>[] = [];
    for (let ty = Math.floor(r.y / th); ty * th < r.y + r.h; ty++) {
      for (let tx = Math.floor(r.x / tw); tx * tw < r.x + r.w; tx++) {
        const pending = this.tile(tx, ty, cache, key);
        if (!pending) continue;
        jobs.push(
          pending.then((pixels) => {
            // Overlap of the request and this tile, in level pixels; tile padding past the matrix edge never overlaps.
            const x0 = Math.max(r.x, tx * tw);
            const y0 = Math.max(r.y, ty * th);
            const x1 = Math.min(r.x + r.w, tx * tw + tw);
            const y1 = Math.min(r.y + r.h, ty * th + th);
            blit(out, x0 - r.x, y0 - r.y, pixels, tw, x0 - tx * tw, y0 - ty * th, x1 - x0, y1 - y0);
          }),
        );
      }
    }
    await Promise.all(jobs);
    return out.data;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** The Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), when present. */
async function extendedOffsets(inst: Instance, fh: FileHandle): Promise<{ offsets: number[]; lengths: number[] } | null> {
  const table = inst.ds.elements.x7fe00001;
  const lengths = inst.ds.elements.x7fe00002;
  if (!table || !lengths || table.length === 0 || table.length !== lengths.length) return null;
  const buf = Buffer.alloc(table.length + lengths.length);
  await fh.read(buf, 0, table.length, table.dataOffset);
  await fh.read(buf, table.length, lengths.length, lengths.dataOffset);
  const n = table.length / 8;
  const read = (base: number) => Array.from({ length: n }, (_, i) => Number(buf.readBigUInt64LE(base + i * 8)));
  return { offsets: read(0), lengths: read(table.length) };
}

function pixelSpacingMm(ds: DataSet): [row: number, col: number] | null {
  const measures = item(item(ds, 'x52009229'), 'x00289110') ?? item(item(ds, 'x52009230'), 'x00289110') ?? ds;
  const row = measures.floatString('x00280030', 0);
  const col = measures.floatString('x00280030', 1);
  return row !== undefined && col !== undefined && row > 0 && col > 0 ? [row, col] : null;
}

function buildProperties(inst: Instance): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [keyword, tag, vr] of PROPERTY_TAGS) {
    const v = value(inst.ds, tag, vr);
    if (v !== null) props[`dicom.${keyword}`] = v;
  }
  props['dicom.TransferSyntax'] = TRANSFER_SYNTAXES[inst.transferSyntax] ?? inst.transferSyntax;
  const spacing = pixelSpacingMm(inst.ds);
  if (spacing) props['dicom.PixelSpacing'] = `${spacing[0]}\\${spacing[1]}`;
  const power = item(inst.ds, 'x00480105')?.floatString('x00480112');
  if (power !== undefined) props['dicom.ObjectiveLensPower'] = String(power);
  return props;
}

/** Other instances of the same series in the same folder (unreadable neighbours are skipped). */
async function seriesSiblings(first: Instance): Promise<Instance[]> {
  const series = value(first.ds, 'x0020000e', 'UI');
  if (!series) return [];
  const dir = dirname(first.path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const self = resolve(first.path);
  const out: Instance[] = [];
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (extname(n).toLowerCase() !== '.dcm' || resolve(p) === self) continue;
    try {
      if (!(await stat(p)).isFile()) continue;
      const inst = await readHeader(p);
      if (isWsi(inst) && value(inst.ds, 'x0020000e', 'UI') === series) out.push(inst);
    } catch {
      // A neighbour that is not DICOM, or broken, is not part of this slide.
    }
  }
  return out;
}

class DicomReader implements SlideReader {
  readonly readerName = 'dicom';
  private readonly cache = new TileCache(64 * 1024 * 1024);
  private closed = false;

  constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    private readonly levels: DicomLevel[],
    private readonly associated: Map<string, DicomLevel>,
  ) {}

  async readRegion(level: number, x: number, y: number, w: number, h: number): Promise<RgbaImage> {
    if (this.closed) throw new SlideError(`${basename(this.path)} is closed.`, 'bad-request');
    return readClippedRegion(this.metadata.levels, level, x, y, w, h, (inside) => this.levels[level].read(inside, this.cache, `L${level}`));
  }

  async readAssociatedImage(name: string): Promise<RgbaImage> {
    if (this.closed) throw new SlideError(`${basename(this.path)} is closed.`, 'bad-request');
    const lv = this.associated.get(name);
    if (!lv) {
      throw new SlideError(
        `${basename(this.path)} has no associated image "${name}" (it has: ${[...this.associated.keys()].join(', ') || 'none'}).`,
        'bad-request',
      );
    }
    const { width, height } = lv.inst;
    if (width * height > MAX_REGION_PIXELS) {
      throw new SlideError(`Associated image "${name}" is ${width}x${height}, too large to read at once.`, 'too-large');
    }
    const data = await lv.read({ x: 0, y: 0, w: width, h: height }, this.cache, `A${name}`);
    return { width, height, data };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lv of [...this.levels, ...this.associated.values()]) void lv.close().catch(() => undefined);
  }
}

/**
 * SeriesInstanceUID of a DICOM file from its header alone (no pixel data is read), or null when
 * it has none; lets a slide library treat the files of one series as one slide.
 */
export async function dicomSeriesUid(path: string): Promise<string | null> {
  return value((await readHeader(path)).ds, 'x0020000e', 'UI');
}

/** Open a DICOM WSI file (and the rest of its series in the same folder). */
export async function openDicom(path: string): Promise<SlideReader> {
  const name = basename(path);
  const first = await readHeader(path);
  if (!isWsi(first)) {
    const sop = value(first.ds, 'x00080016', 'UI') ?? 'unknown';
    throw new SlideError(
      `${name} is a DICOM file but not a whole-slide image (SOP class ${sop}; expected VL Whole Slide Microscopy ${WSI_SOP_CLASS}).`,
      'unsupported',
    );
  }
  checkSupported(first);
  const all = [first, ...(await seriesSiblings(first))];

  // One level per distinct size, largest first; other instances of the same size are further
  // focal planes, optical paths or concatenation parts this reader does not combine.
  // A label or overview opened on its own is shown as the slide only when the series has no VOLUME.
  const volumes = all.filter((i) => flavour(i) === 'VOLUME');
  if (volumes.length === 0) volumes.push(first);
  const bySize = new Map<string, Instance>();
  for (const inst of volumes.sort((a, b) => b.width * b.height - a.width * a.height)) {
    const key = `${inst.width}x${inst.height}`;
    if (!bySize.has(key) || inst === first) bySize.set(key, inst);
  }
  const levelInstances = [...bySize.values()].filter((i) => {
    try {
      checkSupported(i);
      return true;
    } catch {
      return i === first;
    }
  });
  const opened: DicomLevel[] = [];
  const associated = new Map<string, DicomLevel>();
  try {
    for (const inst of levelInstances) opened.push(await DicomLevel.open(inst));
    for (const inst of all) {
      const assoc = ASSOCIATED_NAMES[flavour(inst)];
      if (!assoc || associated.has(assoc) || levelInstances.includes(inst)) continue;
      try {
        associated.set(assoc, await DicomLevel.open(inst));
      } catch {
        // An unreadable label must not prevent opening the slide itself.
      }
    }
  } catch (e) {
    for (const lv of [...opened, ...associated.values()]) await lv.close();
    throw e;
  }

  const base = opened[0].inst;
  const levels: SlideLevel[] = opened.map(({ inst }) => ({
    width: inst.width,
    height: inst.height,
    downsample: levelDownsample(base.width, base.height, inst.width, inst.height),
  }));
  const properties = buildProperties(base);
  const spacing = pixelSpacingMm(base.ds);
  const power = Number(properties['dicom.ObjectiveLensPower']);
  return new DicomReader(
    path,
    {
      format: 'dicom',
      vendor: properties['dicom.Manufacturer'] ?? null,
      width: base.width,
      height: base.height,
      levels,
      // PixelSpacing is (row, column) spacing in mm: rows are stacked vertically, so it is (y, x).
      mpp: spacing ? { x: spacing[1] * 1000, y: spacing[0] * 1000 } : null,
      objectivePower: Number.isFinite(power) && power > 0 ? power : null,
      properties,
      associatedImages: [...associated.keys()],
    },
    opened,
    associated,
  );
}
