/**
 * Slide thumbnails. Reads the smallest pyramid level that still has at least the output's
 * resolution, so a pyramidal slide costs one small read. A slide without a small enough level
 * (one huge level) is read in blocks that are each shrunk on their own, so memory stays
 * bounded instead of decoding gigapixels at once.
 */
import type { SlideReader } from './reader.js';
import { backgroundOf, readScaled } from './tile-service.js';

export interface ThumbnailOptions {
  quality?: number;
  /** Most level pixels read in one readRegion call (default MAX_READ_PIXELS). */
  maxReadPixels?: number;
}

/** Output size: the slide scaled to fit maxSize x maxSize, never enlarged. */
export function thumbnailSize(width: number, height: number, maxSize: number): { width: number; height: number } {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Index of the level with the fewest pixels that is at least `width` x `height`. */
export function thumbnailLevel(levels: SlideReader['metadata']['levels'], width: number, height: number): number {
  let best = 0;
  for (let i = 1; i < levels.length; i++) {
    const l = levels[i];
    if (l.width >= width && l.height >= height && l.width * l.height < levels[best].width * levels[best].height) best = i;
  }
  return best;
}

export async function thumbnail(reader: SlideReader, maxSize: number, opts: ThumbnailOptions = {}): Promise<Buffer> {
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`Bad thumbnail size ${maxSize}`);
  const quality = opts.quality ?? 85;
  const meta = reader.metadata;
  const out = thumbnailSize(meta.width, meta.height, maxSize);
  const levelIndex = thumbnailLevel(meta.levels, out.width, out.height);
  const level = meta.levels[levelIndex];
  const region = { slideLevel: levelIndex, x: 0, y: 0, readWidth: level.width, readHeight: level.height, ...out };
  const img = await readScaled(reader, region, backgroundOf(reader), opts.maxReadPixels);
  return img.jpeg({ quality }).toBuffer();
}
