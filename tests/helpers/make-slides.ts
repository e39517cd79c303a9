/**
 * Synthetic slide files generated at test time into os.tmpdir(): the broken inputs every
 * reader must reject cleanly, and a 50,000 x 50,000 pyramidal tiled JPEG TIFF for memory
 * checks (cached between runs because it takes a while to write).
 */
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

export const syntheticDir = join(tmpdir(), 'tessella-test-slides');

async function target(name: string): Promise<string> {
  await mkdir(syntheticDir, { recursive: true });
  return join(syntheticDir, name);
}

export async function makeZeroByteSlide(): Promise<string> {
  const p = await target('zero-bytes.svs');
  await writeFile(p, Buffer.alloc(0));
  return p;
}

export async function makeTextNamedSvs(): Promise<string> {
  const p = await target('not-a-slide.svs');
  await writeFile(p, 'This is a plain text file that merely has a slide extension.\nNothing to see here.\n');
  return p;
}

/** The first `fraction` of a real slide's bytes, as a download cut short would leave it. */
export async function makeTruncatedCopy(src: string, fraction: number, name: string): Promise<string> {
  const p = await target(name);
  const { size } = await stat(src);
  const keep = Math.floor(size * fraction);
  const fh = await open(src, 'r');
  try {
    const buf = Buffer.alloc(keep);
    await fh.read(buf, 0, keep, 0);
    await writeFile(p, buf);
  } finally {
    await fh.close();
  }
  return p;
}

export async function copyInto(src: string, name: string): Promise<string> {
  const p = await target(name);
  await copyFile(src, p);
  return p;
}

/**
 * A little-endian TIFF of one IFD whose header claims width x height 8-bit RGB pixels but
 * whose data is a few bytes. `tiled` writes TileWidth/TileLength (one tile entry) instead of strips.
 */
export async function makeAbsurdTiff(width: number, height: number, tiled: boolean): Promise<string> {
  const p = await target(`absurd-${width}x${height}-${tiled ? 'tiled' : 'strip'}.tif`);
  const entries: [tag: number, type: number, count: number, value: number][] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [277, 3, 1, 3],
    [284, 3, 1, 1],
  ];
  const dataOffset = 512;
  if (tiled) {
    entries.push([322, 3, 1, 256], [323, 3, 1, 256], [324, 4, 1, dataOffset], [325, 4, 1, 16]);
  } else {
    entries.push([273, 4, 1, dataOffset], [278, 4, 1, height], [279, 4, 1, 16]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const buf = Buffer.alloc(dataOffset + 16);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 10 + i * 12;
    buf.writeUInt16LE(tag, o);
    buf.writeUInt16LE(type, o + 2);
    buf.writeUInt32LE(count, o + 4);
    if (type === 3) buf.writeUInt16LE(value, o + 8);
    else buf.writeUInt32LE(value, o + 8);
  });
  buf.writeUInt32LE(0, 10 + entries.length * 12);
  await writeFile(p, buf);
  return p;
}

export const BIG_SIDE = 50_000;
const PATTERN = 512;

/**
 * The repeating 512 x 512 RGB pattern of the big TIFF: red follows x, green follows y, blue
 * their sum, so any tile's expected pixels are known. Smooth on purpose: JPEG then keeps it
 * within a few levels, so a test can tell a right tile from a wrong or misplaced one.
 */
export function bigPatternPixel(x: number, y: number): [number, number, number] {
  const px = x % PATTERN;
  const py = y % PATTERN;
  return [px >> 1, py >> 1, (px + py) >> 2];
}

/**
 * A 50,000 x 50,000 pyramidal tiled JPEG TIFF (256 px tiles, quality 85), generated once by
 * repeating the pattern with libvips (lazily, so memory stays small) and kept in os.tmpdir().
 */
export async function makeBigPyramidTiff(): Promise<string> {
  const p = await target(`pyramid-${BIG_SIDE}-v2.tif`);
  try {
    if ((await stat(p)).size > 0) return p;
  } catch {
    // not generated yet
  }
  const tile = Buffer.alloc(PATTERN * PATTERN * 3);
  for (let y = 0; y < PATTERN; y++) {
    for (let x = 0; x < PATTERN; x++) tile.set(bigPatternPixel(x, y), (y * PATTERN + x) * 3);
  }
  const tmp = `${p}.${process.pid}.tmp`;
  try {
    await sharp(tile, { raw: { width: PATTERN, height: PATTERN, channels: 3 } })
      .extend({ right: BIG_SIDE - PATTERN, bottom: BIG_SIDE - PATTERN, extendWith: 'repeat' })
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 85, bigtiff: true })
      .toFile(tmp);
    await rename(tmp, p);
  } finally {
    await rm(tmp, { force: true });
  }
  return p;
}

/** A copy of `src` with `length` bytes from `start` overwritten by `fill`, as disk corruption would leave it. */
export async function makeCorruptedCopy(src: string, start: number, length: number, name: string, fill = 0x00): Promise<string> {
  const p = await copyInto(src, name);
  const fh = await open(p, 'r+');
  try {
    await fh.write(Buffer.alloc(length, fill), 0, length, start);
  } finally {
    await fh.close();
  }
  return p;
}

// ---------- synthetic DICOM WSI series ----------

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function pad(value: Buffer, padByte: number): Buffer {
  return value.length % 2 === 0 ? value : Buffer.concat([value, Buffer.from([padByte])]);
}

/** One explicit-VR little-endian element. */
function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

const str = (group: number, elem: number, vr: string, s: string) =>
  element(group, elem, vr, pad(Buffer.from(s, 'latin1'), vr === 'UI' ? 0 : 0x20));
const us = (group: number, elem: number, v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return element(group, elem, 'US', b);
};
const ul = (group: number, elem: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return element(group, elem, 'UL', b);
};
const sl = (group: number, elem: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return element(group, elem, 'SL', b);
};
function itemOf(content: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0xe000fffe, 0);
  head.writeUInt32LE(content.length, 4);
  return Buffer.concat([head, content]);
}
const sq = (group: number, elem: number, items: Buffer[]) => element(group, elem, 'SQ', Buffer.concat(items.map(itemOf)));

export interface SyntheticDicomInstance {
  file: string;
  imageType: 'VOLUME' | 'LABEL' | 'OVERVIEW' | 'THUMBNAIL';
  width: number;
  height: number;
  tile: number;
  /** RGB pixels, width x height x 3. */
  rgb: Buffer;
  sparse?: boolean;
  transferSyntax?: string;
  /** Defaults to VL Whole Slide Microscopy Image Storage. */
  sopClass?: string;
  pixelSpacingMm?: number;
  objectivePower?: number;
}

/** The JPEG frames of an instance, in TILED_FULL order (row by row), as written into the file. */
export async function dicomFrames(inst: SyntheticDicomInstance): Promise<Buffer[]> {
  const across = Math.ceil(inst.width / inst.tile);
  const down = Math.ceil(inst.height / inst.tile);
  const frames: Buffer[] = [];
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const w = Math.min(inst.tile, inst.width - tx * inst.tile);
      const h = Math.min(inst.tile, inst.height - ty * inst.tile);
      // Edge tiles are padded to full size with black, as scanners do.
      frames.push(
        await sharp(inst.rgb, { raw: { width: inst.width, height: inst.height, channels: 3 } })
          .extract({ left: tx * inst.tile, top: ty * inst.tile, width: w, height: h })
          .extend({ right: inst.tile - w, bottom: inst.tile - h, background: { r: 0, g: 0, b: 0 } })
          .jpeg({ quality: 90 })
          .toBuffer(),
      );
    }
  }
  return frames;
}

/** Write one DICOM WSI instance (JPEG baseline frames, Basic Offset Table); sparse ones list frames in reverse. */
export async function writeDicomInstance(inst: SyntheticDicomInstance, series: string, index: number): Promise<void> {
  const ts = inst.transferSyntax ?? '1.2.840.10008.1.2.4.50';
  const sop = inst.sopClass ?? '1.2.840.10008.5.1.4.1.1.77.1.6';
  const uid = `${series}.${index}`;
  const across = Math.ceil(inst.width / inst.tile);
  // Plane positions are 1-based pixel positions of each tile's top-left corner.
  let frames = (await dicomFrames(inst)).map((bytes, i) => ({
    bytes,
    col: (i % across) * inst.tile + 1,
    row: Math.floor(i / across) * inst.tile + 1,
  }));
  if (inst.sparse) frames = frames.reverse();

  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    str(0x0002, 0x0002, 'UI', sop),
    str(0x0002, 0x0003, 'UI', uid),
    str(0x0002, 0x0010, 'UI', ts),
  ]);
  const ds: Buffer[] = [
    str(0x0008, 0x0008, 'CS', `ORIGINAL\\PRIMARY\\${inst.imageType}\\NONE`),
    str(0x0008, 0x0016, 'UI', sop),
    str(0x0008, 0x0018, 'UI', uid),
    str(0x0008, 0x0020, 'DA', '20240102'),
    str(0x0008, 0x0060, 'CS', 'SM'),
    str(0x0008, 0x0070, 'LO', 'Tessella Test Scanner Co'),
    str(0x0008, 0x1090, 'LO', 'Synthetic 1'),
    str(0x0020, 0x000d, 'UI', `${series}.99`),
    str(0x0020, 0x000e, 'UI', series),
    str(0x0020, 0x9311, 'CS', inst.sparse ? 'TILED_SPARSE' : 'TILED_FULL'),
    us(0x0028, 0x0002, 3),
    str(0x0028, 0x0004, 'CS', 'YBR_FULL_422'),
    us(0x0028, 0x0006, 0),
    str(0x0028, 0x0008, 'IS', String(frames.length)),
    us(0x0028, 0x0010, inst.tile),
    us(0x0028, 0x0011, inst.tile),
    us(0x0028, 0x0100, 8),
    us(0x0028, 0x0101, 8),
    us(0x0028, 0x0102, 7),
    us(0x0028, 0x0103, 0),
    ul(0x0048, 0x0006, inst.width),
    ul(0x0048, 0x0007, inst.height),
  ];
  if (inst.objectivePower) ds.push(sq(0x0048, 0x0105, [str(0x0048, 0x0112, 'DS', String(inst.objectivePower))]));
  if (inst.pixelSpacingMm) {
    const s = String(inst.pixelSpacingMm);
    ds.push(sq(0x5200, 0x9229, [sq(0x0028, 0x9110, [str(0x0028, 0x0030, 'DS', `${s}\\${s}`)])]));
  }
  if (inst.sparse) {
    ds.push(
      sq(
        0x5200,
        0x9230,
        frames.map((f) => sq(0x0048, 0x021a, [Buffer.concat([sl(0x0048, 0x021e, f.col), sl(0x0048, 0x021f, f.row)])])),
      ),
    );
  }
  // Encapsulated pixel data: undefined length, offset table item, one fragment per frame, delimiter.
  const pixelHead = Buffer.alloc(12);
  pixelHead.writeUInt16LE(0x7fe0, 0);
  pixelHead.writeUInt16LE(0x0010, 2);
  pixelHead.write('OB', 4, 'latin1');
  pixelHead.writeUInt32LE(0xffffffff, 8);
  const fragments = frames.map((f) => itemOf(pad(f.bytes, 0)));
  const table = Buffer.alloc(frames.length * 4);
  let offset = 0;
  fragments.forEach((frag, i) => {
    table.writeUInt32LE(offset, i * 4);
    offset += frag.length;
  });
  const end = Buffer.alloc(8);
  end.writeUInt32LE(0xe0ddfffe, 0);
  ds.push(pixelHead, itemOf(table), ...fragments, end);

  const groupLength = ul(0x0002, 0x0000, meta.length);
  await writeFile(inst.file, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, meta, ...ds]));
}

/** A smooth RGB test picture of the given size (gradients plus a diagonal band), deterministic. */
export function testPicture(width: number, height: number): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = Math.round((x / width) * 255);
      rgb[o + 1] = Math.round((y / height) * 255);
      rgb[o + 2] = Math.abs(x - y) < width / 8 ? 220 : 60;
    }
  }
  return rgb;
}

/** Downscale an RGB picture by an integer factor (box filter), for synthetic pyramid levels. */
export async function shrinkPicture(rgb: Buffer, width: number, height: number, factor: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(Math.round(width / factor), Math.round(height / factor), { kernel: 'linear' })
    .raw()
    .toBuffer();
}

/**
 * A folder holding one DICOM WSI series: a 1000 x 700 level (300 px tiles, TILED_FULL), a
 * 500 x 350 level (TILED_SPARSE, frames listed in reverse), a label, and a .dcm of another
 * series that must be ignored. Returns the instances as written, for expected pixels.
 */
export async function makeDicomSeries(): Promise<{ dir: string; instances: SyntheticDicomInstance[] }> {
  const dir = join(syntheticDir, 'dicom-series');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const base = testPicture(1000, 700);
  const instances: SyntheticDicomInstance[] = [
    {
      file: join(dir, 'level-0.dcm'),
      imageType: 'VOLUME',
      width: 1000,
      height: 700,
      tile: 300,
      rgb: base,
      pixelSpacingMm: 0.00025,
      objectivePower: 40,
    },
    {
      file: join(dir, 'level-1.dcm'),
      imageType: 'VOLUME',
      width: 500,
      height: 350,
      tile: 300,
      rgb: await shrinkPicture(base, 1000, 700, 2),
      sparse: true,
      pixelSpacingMm: 0.0005,
    },
    { file: join(dir, 'label.dcm'), imageType: 'LABEL', width: 200, height: 100, tile: 200, rgb: testPicture(200, 100) },
  ];
  const series = '1.2.826.0.1.3680043.8.498.424242';
  for (const [i, inst] of instances.entries()) await writeDicomInstance(inst, series, i + 1);
  const stranger: SyntheticDicomInstance = {
    file: join(dir, 'other-series.dcm'),
    imageType: 'VOLUME',
    width: 2000,
    height: 1400,
    tile: 1000,
    rgb: testPicture(2000, 1400),
  };
  await writeDicomInstance(stranger, `${series}.7`, 1);
  await writeFile(join(dir, 'notes.dcm'), 'not dicom at all');
  return { dir, instances };
}

// ---------- decompression bombs ----------

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG whose header declares width x height 8-bit RGB pixels, with an IDAT holding only the
 * first rows (deflated zeros): a few kilobytes that a decoder trusting the header would try to
 * expand into width x height x 3 bytes. Made in milliseconds.
 */
export async function makePngBomb(width = 50_000, height = 50_000, name = `bomb-${width}x${height}.png`): Promise<string> {
  const p = await target(name);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, RGB, deflate, adaptive filtering, no interlace
  const rows = Buffer.alloc(Math.min(height, 16) * (1 + width * 3)); // filter byte 0 + zero pixels per row
  await writeFile(
    p,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(rows, { level: 9 })),
      pngChunk('IEND', Buffer.alloc(0)),
    ]),
  );
  return p;
}
