/**
 * A fingerprint of a slide file's content, used to key cached tiles.
 *
 * Whole-slide files run to several gigabytes, often on network shares; hashing every byte
 * would cost seconds to minutes each time a slide is opened. Instead this hashes the size,
 * the first and last MiB (where TIFF/NDPI/SVS keep headers, directories and offsets, and
 * DICOM its dataset header) and a few MiB sampled evenly in between. Any re-scan, re-export
 * or truncation changes the size or those regions. What it cannot see is an edit that keeps
 * the size and touches only unsampled bytes; slide files are written once by scanners, so a
 * cache key accepts that. Small files (≤ the sampled amount) are hashed whole.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const MIB = 1 << 20;
/** Blocks sampled between the first and the last MiB. */
const MIDDLE_SAMPLES = 6;

/** Byte ranges [offset, length) that contentHash reads for a file of `size` bytes. */
export function sampledRanges(size: number): [number, number][] {
  const total = (MIDDLE_SAMPLES + 2) * MIB;
  if (size <= total) return size > 0 ? [[0, size]] : [];
  const ranges: [number, number][] = [[0, MIB]];
  // evenly spaced in the span between the first and last MiB, never overlapping them
  const span = size - 2 * MIB;
  for (let i = 1; i <= MIDDLE_SAMPLES; i++) {
    const start = MIB + Math.floor((span * i) / (MIDDLE_SAMPLES + 1) - MIB / 2);
    ranges.push([Math.min(Math.max(start, MIB), size - 2 * MIB), MIB]);
  }
  ranges.push([size - MIB, MIB]);
  return ranges;
}

/** Hex sha256 over "tessella-content-v1", the size and the sampled ranges. */
export async function contentHash(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const hash = createHash('sha256');
    hash.update(`tessella-content-v1\0${size}\0`);
    const buf = Buffer.allocUnsafe(MIB);
    for (const [offset, length] of sampledRanges(size)) {
      for (let done = 0; done < length; ) {
        const n = Math.min(MIB, length - done);
        const { bytesRead } = await fh.read(buf, 0, n, offset + done);
        if (bytesRead === 0) throw new Error(`${path} shrank while being hashed`);
        hash.update(buf.subarray(0, bytesRead));
        done += bytesRead;
      }
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}
