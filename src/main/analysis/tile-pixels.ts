/**
 * One tile from slide to model input: read at the grid's level, composited onto the slide's
 * background (areas off the slide come back transparent), then the model's image processor.
 */
import { type ModelInput, prepareImage } from '../ml/models/model-input.js';
import { rescaleNormalize, type RGBImage } from '../ml/models/processors.js';
import type { RgbaImage, SlideReader } from '../slides/reader.js';
import { backgroundOf } from '../slides/tile-service.js';

export function rgbaToRgb(img: RgbaImage, bg: { r: number; g: number; b: number }): RGBImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const src = img.data;
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
    const a = src[p + 3]!;
    if (a === 255) {
      out[q] = src[p]!;
      out[q + 1] = src[p + 1]!;
      out[q + 2] = src[p + 2]!;
    } else {
      // Straight alpha over the background, rounded as PIL's alpha_composite does.
      const f = a / 255;
      out[q] = Math.round(src[p]! * f + bg.r * (1 - f));
      out[q + 1] = Math.round(src[p + 1]! * f + bg.g * (1 - f));
      out[q + 2] = Math.round(src[p + 2]! * f + bg.b * (1 - f));
    }
  }
  return { data: out, width: img.width, height: img.height };
}

/** The tile at level-0 (x, y) as RGB at the read level (readSize square). */
export async function readTileRgb(reader: SlideReader, level: number, readSize: number, x: number, y: number): Promise<RGBImage> {
  return rgbaToRgb(await reader.readRegion(level, x, y, readSize, readSize), backgroundOf(reader));
}

/** Reads and preprocesses tiles into one NCHW batch (`out` when given). Reads run concurrently. */
export async function tileBatch(
  reader: SlideReader,
  input: ModelInput,
  geometry: { level: number; readSize: number; inputSize: number },
  tiles: { x: number; y: number }[],
  out?: Float32Array,
): Promise<Float32Array> {
  const per = 3 * geometry.inputSize * geometry.inputSize;
  const pixels = out ?? new Float32Array(tiles.length * per);
  const images = await Promise.all(tiles.map((t) => readTileRgb(reader, geometry.level, geometry.readSize, t.x, t.y)));
  images.forEach((img, i) => {
    const sized = prepareImage(img, input);
    if (sized.width !== geometry.inputSize || sized.height !== geometry.inputSize) {
      throw new Error(`the image processor made a ${sized.width}x${sized.height} input of a tile, the model takes ${geometry.inputSize}`);
    }
    rescaleNormalize(sized, input.preprocessor, pixels.subarray(i * per, (i + 1) * per));
  });
  return pixels;
}
