/**
 * Region bookkeeping shared by the readers: argument checks, level geometry and pasting
 * decoded pixels into a transparent canvas (OpenSlide's convention for areas off the slide).
 */
import { SlideError, type Grey16Image, type RgbaImage, type SlideLevel } from './reader.js';

/** 64 Mpx (256 MB of RGBA): far above any tile or thumbnail request, low enough to never exhaust memory. */
export const MAX_REGION_PIXELS = 2 ** 26;

/** A rectangle in one level's pixel grid. */
export interface LevelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** OpenSlide's definition, so every reader reports the same downsample for the same geometry. */
export function levelDownsample(width0: number, height0: number, width: number, height: number): number {
  return (width0 / width + height0 / height) / 2;
}

export function checkRegionArgs(levels: SlideLevel[], level: number, x: number, y: number, w: number, h: number): void {
  if (!Number.isInteger(level) || level < 0 || level >= levels.length) {
    throw new SlideError(`Level ${level} does not exist (the slide has ${levels.length}).`, 'bad-request');
  }
  for (const [name, v] of [['x', x], ['y', y], ['w', w], ['h', h]] as const) {
    if (!Number.isSafeInteger(v)) throw new SlideError(`Region ${name} must be an integer, got ${v}.`, 'bad-request');
  }
  if (w <= 0 || h <= 0) throw new SlideError(`Region size must be positive, got ${w}x${h}.`, 'bad-request');
  if (w * h > MAX_REGION_PIXELS) {
    throw new SlideError(`Region ${w}x${h} is larger than the ${MAX_REGION_PIXELS} pixels one read may return.`, 'too-large');
  }
}

/** The request in level pixels (x, y arrive in level-0 pixels, as in OpenSlide). */
export function toLevelRect(lv: SlideLevel, x: number, y: number, w: number, h: number): LevelRect {
  return { x: Math.floor(x / lv.downsample), y: Math.floor(y / lv.downsample), w, h };
}

/** Part of `r` inside a width x height image, or null when they do not overlap. */
export function clipRect(r: LevelRect, width: number, height: number): LevelRect | null {
  const x0 = Math.max(0, r.x);
  const y0 = Math.max(0, r.y);
  const x1 = Math.min(width, r.x + r.w);
  const y1 = Math.min(height, r.y + r.h);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export function transparentImage(width: number, height: number): RgbaImage {
  return { width, height, data: Buffer.alloc(width * height * 4) };
}

/**
 * Copy the (sx, sy, w, h) part of a source of width srcWidth into dst at (dx, dy), both with
 * `bytesPerPixel` bytes a pixel (RGBA: 4). The caller guarantees both rectangles lie inside their images.
 */
export function blit(
  dst: { width: number; data: Buffer },
  dx: number,
  dy: number,
  src: Buffer,
  srcWidth: number,
  sx: number,
  sy: number,
  w: number,
  h: number,
  bytesPerPixel = 4,
): void {
  const rowBytes = w * bytesPerPixel;
  for (let row = 0; row < h; row++) {
    const from = ((sy + row) * srcWidth + sx) * bytesPerPixel;
    src.copy(dst.data, ((dy + row) * dst.width + dx) * bytesPerPixel, from, from + rowBytes);
  }
}

/**
 * readRegion for readers whose pixel source can only read inside a level: checks the arguments,
 * reads the part of the request that lies inside, and pads the rest transparent as OpenSlide does.
 */
export async function readClippedRegion(
  levels: SlideLevel[],
  level: number,
  x: number,
  y: number,
  w: number,
  h: number,
  readInside: (rect: LevelRect) => Promise<Buffer>,
  bytesPerPixel = 4,
): Promise<{ width: number; height: number; data: Buffer }> {
  checkRegionArgs(levels, level, x, y, w, h);
  const lv = levels[level];
  const want = toLevelRect(lv, x, y, w, h);
  const inside = clipRect(want, lv.width, lv.height);
  const out = () => ({ width: w, height: h, data: Buffer.alloc(w * h * bytesPerPixel) });
  if (!inside) return out();
  const pixels = await readInside(inside);
  if (inside.w === w && inside.h === h) return { width: w, height: h, data: pixels };
  const padded = out();
  blit(padded, inside.x - want.x, inside.y - want.y, pixels, inside.w, 0, 0, inside.w, inside.h, bytesPerPixel);
  return padded;
}

/** readClippedRegion for one band of 16-bit samples (native byte order); outside the level is 0. */
export async function readClippedRegion16(
  levels: SlideLevel[],
  level: number,
  x: number,
  y: number,
  w: number,
  h: number,
  readInside: (rect: LevelRect) => Promise<Buffer>,
): Promise<Grey16Image> {
  const { data } = await readClippedRegion(levels, level, x, y, w, h, readInside, 2);
  // Buffers from sharp and Buffer.alloc may sit at odd offsets of a shared pool: copy when unaligned.
  const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  return { width: w, height: h, data: new Uint16Array(aligned.buffer, aligned.byteOffset, w * h) };
}
