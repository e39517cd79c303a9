/**
 * Synthetic slide files generated at test time into os.tmpdir(): the broken inputs every
 * reader must reject cleanly, and a 50,000 x 50,000 pyramidal tiled JPEG TIFF for memory
 * checks (cached between runs because it takes a while to write).
 */
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * The repeating 512 x 512 RGB pattern of the big TIFF: red follows x, green follows y, blue is
 * a checkerboard of 64 px squares, so any tile's expected pixels are known exactly.
 */
export function bigPatternPixel(x: number, y: number): [number, number, number] {
  const px = x % PATTERN;
  const py = y % PATTERN;
  return [px >> 1, py >> 1, ((px >> 6) + (py >> 6)) % 2 ? 200 : 40];
}

/**
 * A 50,000 x 50,000 pyramidal tiled JPEG TIFF (256 px tiles, quality 85), generated once by
 * repeating the pattern with libvips (lazily, so memory stays small) and kept in os.tmpdir().
 */
export async function makeBigPyramidTiff(): Promise<string> {
  const p = await target(`pyramid-${BIG_SIDE}-v1.tif`);
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
