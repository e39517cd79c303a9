/**
 * A minimal SlideReader over a small flat image, decoded once by sharp. It lets the tile tests
 * check the tile service against the IHC image independently of the production readers, and
 * wrap readRegion to count or alter what the service reads.
 */
import sharp from 'sharp';
import type { RgbaImage, SlideReader } from '../../../src/main/slides/reader.js';

export async function pngReader(path: string, properties: Record<string, string> = {}): Promise<SlideReader & { reads: number }> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const reader = {
    path,
    readerName: 'test-png',
    reads: 0,
    metadata: {
      format: 'png',
      vendor: null,
      width,
      height,
      levels: [{ width, height, downsample: 1 }],
      mpp: null,
      objectivePower: null,
      properties,
      associatedImages: [],
    },
    async readRegion(level: number, x: number, y: number, w: number, h: number): Promise<RgbaImage> {
      if (level !== 0) throw new Error(`level ${level}`);
      reader.reads++;
      // transparent outside the image, as OpenSlide does
      const out = Buffer.alloc(w * h * 4);
      for (let r = 0; r < h; r++) {
        const sy = y + r;
        if (sy < 0 || sy >= height) continue;
        const x0 = Math.max(0, x);
        const x1 = Math.min(width, x + w);
        if (x1 <= x0) continue;
        data.copy(out, (r * w + (x0 - x)) * 4, (sy * width + x0) * 4, (sy * width + x1) * 4);
      }
      return { width: w, height: h, data: out };
    },
    async readAssociatedImage(name: string): Promise<RgbaImage> {
      throw new Error(`no associated image ${name}`);
    },
    close() {},
  };
  return reader;
}
