/**
 * The one pixel budget for plain images (PNG, JPEG, WebP, GIF, strip TIFF: formats decoded front
 * to back, whole). A file of a few kilobytes can declare 50,000 x 50,000 pixels and cost minutes
 * and gigabytes to expand, so every place that opens one reads the size from the header first
 * (sharp's metadata() decodes no pixel) and refuses anything over the budget at once. Images
 * that big belong in a tiled pyramid, which is read tile by tile instead.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { DomainError, oneLine, type ErrorKind } from '../errors.js';

/** sharp's own default `limitInputPixels` (0x3FFF squared), ~268 million pixels. */
export const PLAIN_IMAGE_MAX_PIXELS = 0x3fff * 0x3fff;

/** An image file that cannot be opened: `reason` says why without the name, the message has both. */
export class ImageError extends DomainError {
  constructor(
    kind: ErrorKind,
    readonly file: string,
    readonly reason: string,
  ) {
    super(kind, `${file}: ${reason}`);
    this.name = 'ImageError';
  }
}

/** Throws `too-large` when a plain image of width x height is over the budget; `name` is the file's. */
export function checkPlainImagePixels(name: string, width: number, height: number): void {
  if (width * height > PLAIN_IMAGE_MAX_PIXELS) {
    throw new ImageError(
      'too-large',
      name,
      `${width} x ${height} pixels is over the ${Math.floor(PLAIN_IMAGE_MAX_PIXELS / 1e6)} million pixel limit for plain images; ` +
        'convert it to a pyramid (tiled TIFF) first',
    );
  }
}

/** The header of an image file or buffer, checked against the budget before any pixel is decoded. */
export async function plainImageHeader(input: string | Buffer | Uint8Array, name = imageName(input)): Promise<sharp.Metadata> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw imageOpenError(input, name, e, 'header');
  }
  // Animated GIF and WebP report one page; the decoders used here read only the first.
  checkPlainImagePixels(name, meta.width, meta.height);
  return meta;
}

export function imageName(input: string | Buffer | Uint8Array): string {
  return typeof input === 'string' ? basename(input) : 'the image';
}

/** What sharp says first when libvips failed on a warning; the warning itself comes on the next line. */
const WARNING_AS_ERROR = /^warning treated as error/i;

/**
 * The line of a sharp failure that names the problem: its first, unless that is sharp's "Warning
 * treated as error due to failOn setting", which says only why a warning stopped the decode; then
 * the warning that follows it (a damaged image either way).
 */
export function sharpFailureReason(message: string): string {
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return 'unknown error';
  if (!WARNING_AS_ERROR.test(lines[0]!)) return lines[0]!;
  return lines.slice(1).find((l) => !WARNING_AS_ERROR.test(l)) ?? 'the decoder reported damaged data';
}

/**
 * A sharp failure on `input` as an ImageError. libvips gives no error codes, so the stage says
 * what went wrong: a header it cannot parse is not an image format it knows; pixels that fail
 * to decode after a good header are a damaged file, described by libvips' first line (which
 * names the problem, never quotes the file).
 */
export function imageOpenError(input: string | Buffer | Uint8Array, name: string, e: unknown, stage: 'header' | 'decode'): DomainError {
  if (e instanceof DomainError) return e;
  const errno = (e as NodeJS.ErrnoException)?.code;
  if (errno === 'ENOENT' || (typeof input === 'string' && !existsSync(input))) return new ImageError('not-found', name, 'no such file');
  if (typeof input === 'string' && statSync(input, { throwIfNoEntry: false })?.isDirectory()) return new ImageError('invalid-input', name, 'is a folder, not an image');
  if (stage === 'header') return new ImageError('unsupported', name, 'not a readable image (unsupported or unrecognised format)');
  const message = sharpFailureReason(e instanceof Error ? e.message : String(e));
  return new ImageError('corrupt', name, `not a readable image (damaged or truncated: ${oneLine(message, 160)})`);
}
