/** Pixel comparison for tile tests: decode both images to RGB and measure how far apart they are. */
import sharp from 'sharp';

export interface Rgb8 {
  width: number;
  height: number;
  data: Buffer;
}

export async function decodeRgb(input: Buffer | string): Promise<Rgb8> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Mean absolute difference per channel value and PSNR in dB (peak 255). Same size required. */
export function compareRgb(a: Rgb8, b: Rgb8): { mae: number; psnr: number } {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    abs += Math.abs(d);
    sq += d * d;
  }
  const mse = sq / a.data.length;
  return { mae: abs / a.data.length, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}

export function crop(img: Rgb8, x: number, y: number, width: number, height: number): Rgb8 {
  const data = Buffer.alloc(width * height * 3);
  for (let r = 0; r < height; r++) {
    const from = ((y + r) * img.width + x) * 3;
    img.data.copy(data, r * width * 3, from, from + width * 3);
  }
  return { width, height, data };
}
