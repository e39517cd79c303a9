/**
 * Reads one dataset image: size, content hash, perceptual hash, dimensions and the mpp its file
 * states. The image is decoded in full (to the pHash thumbnail), so a file that would fail later
 * in training fails here instead, with a reason a person can act on. sharp's default strictness
 * is kept: a JPEG that decodes only with warnings has damaged pixels and is left out.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp from 'sharp';
import { oneLine } from '../errors.js';
import { ImageError, plainImageHeader, sharpFailureReason } from '../slides/pixel-limit.js';
import { dihedralHash, PHASH_INPUT_SIZE, sha256, sha256File } from './hashing.js';

export interface ImageFacts {
  size: number;
  mtimeMs: number;
  sha256: string;
  phash: string;
  /** The pHashes of the image and its flips and rotations (see dihedralHash), the phash first. */
  dihedral: string;
  width: number;
  height: number;
  /** From the file's resolution tags when they describe a microscope, else null. */
  mpp: number | null;
}

/** Reading an image failed for a reason worth showing as is. */
export class ImageProblem extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ImageProblem';
  }
}

/** Files up to this size are read once and hashed and decoded from memory. */
const IN_MEMORY_BYTES = 16 << 20;

/**
 * Resolution tags give pixels per inch. Ordinary images carry screen or print values (72-600
 * dpi, i.e. 42-350 µm per pixel); only values a microscope produces (0.05-20 µm, 1,270 to
 * 508,000 dpi) are taken as a real mpp.
 */
export function mppFromDensity(dpi: number | undefined): number | null {
  if (!dpi || !Number.isFinite(dpi) || dpi <= 0) return null;
  const mpp = 25_400 / dpi;
  return mpp >= 0.05 && mpp <= 20 ? mpp : null;
}

export function describeFailure(e: unknown): string {
  if (e instanceof ImageError) return e.reason;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'file not found';
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a folder, not an image';
  const msg = sharpFailureReason(err?.message ?? String(e));
  if (/unsupported image format/i.test(msg)) return 'not a readable image (unsupported or unrecognised format)';
  if (/pixel limit/i.test(msg)) return 'image too large to decode (more than 268 megapixels)';
  return `corrupt or truncated image: ${oneLine(msg, 200)}`;
}

export async function readImageFacts(path: string): Promise<ImageFacts> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new ImageProblem(describeFailure(e));
  }
  if (!s.isFile()) throw new ImageProblem('not a regular file');
  if (s.size === 0) throw new ImageProblem('empty file (0 bytes)');
  try {
    let input: Buffer | string = path;
    let hash: string;
    if (s.size <= IN_MEMORY_BYTES) {
      input = await readFile(path);
      hash = sha256(input);
    } else hash = await sha256File(path);
    const meta = await plainImageHeader(input, basename(path));
    const img = sharp(input);
    const { data } = await img
      .flatten({ background: '#ffffff' })
      .greyscale()
      // shrink-on-load would make a JPEG's hash depend on its DCT scaling, not its pixels
      .resize(PHASH_INPUT_SIZE, PHASH_INPUT_SIZE, { fit: 'fill', fastShrinkOnLoad: false })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (!meta.width || !meta.height) throw new Error('image has no dimensions');
    const dihedral = dihedralHash(data);
    return { size: s.size, mtimeMs: s.mtimeMs, sha256: hash, phash: dihedral.slice(0, 16), dihedral, width: meta.width, height: meta.height, mpp: mppFromDensity(meta.density) };
  } catch (e) {
    throw new ImageProblem(describeFailure(e));
  }
}
