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

/**
 * The true area average: each output pixel the mean of the factor x factor opaque source
 * pixels it covers (transparent ones, outside the slide, are left out). The reference every
 * downscaler approximates.
 */
export function boxShrink(rgba: { width: number; height: number; data: Buffer }, factor: number, outW: number, outH: number): Rgb8 {
  const data = Buffer.alloc(outW * outH * 3);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let y = oy * factor; y < Math.min((oy + 1) * factor, rgba.height); y++) {
        for (let x = ox * factor; x < Math.min((ox + 1) * factor, rgba.width); x++) {
          const i = (y * rgba.width + x) * 4;
          if (rgba.data[i + 3] === 0) continue;
          r += rgba.data[i];
          g += rgba.data[i + 1];
          b += rgba.data[i + 2];
          n++;
        }
      }
      const o = (oy * outW + ox) * 3;
      if (n > 0) {
        data[o] = Math.round(r / n);
        data[o + 1] = Math.round(g / n);
        data[o + 2] = Math.round(b / n);
      }
    }
  }
  return { width: outW, height: outH, data };
}
