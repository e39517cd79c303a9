/** Drawing explanation maps over images: bilinear upsampling and a turbo overlay. */
import sharp from 'sharp';
import type { RGBImage } from '../ml/models/processors.js';
import { turbo } from './colormap.js';

/** Bilinear upsampling of a rows x cols map to width x height, cells centred as image pixels are. */
export function upsample(map: { rows: number; cols: number; values: ArrayLike<number> }, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const sy = map.rows / height;
  const sx = map.cols / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(map.rows - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(map.rows - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(map.cols - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(map.cols - 1, x0 + 1);
      const wx = fx - x0;
      const v = map.values;
      const top = v[y0 * map.cols + x0]! * (1 - wx) + v[y0 * map.cols + x1]! * wx;
      const bottom = v[y1 * map.cols + x0]! * (1 - wx) + v[y1 * map.cols + x1]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** The image with a 0..1 map blended over it in turbo colours (opacity `alpha`), as PNG. */
export function overlayPng(img: RGBImage, heat: Float32Array, alpha = 0.45): Promise<Buffer> {
  const n = img.width * img.height;
  const out = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = turbo(heat[i]!);
    out[i * 3] = Math.round(img.data[i * 3]! * (1 - alpha) + r * alpha);
    out[i * 3 + 1] = Math.round(img.data[i * 3 + 1]! * (1 - alpha) + g * alpha);
    out[i * 3 + 2] = Math.round(img.data[i * 3 + 2]! * (1 - alpha) + b * alpha);
  }
  return sharp(out, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
}

/** An RGB image resized (lanczos) for display. */
export async function resizeRgb(img: RGBImage, width: number, height: number): Promise<RGBImage> {
  if (img.width === width && img.height === height) return img;
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
