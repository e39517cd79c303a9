/**
 * Training augmentation for H&E patches, on decoded RGB: random resized crop (torchvision's
 * algorithm) to the model's input size, flips, 90-degree rotations, brightness / contrast /
 * saturation / hue jitter (torchvision's definitions, in this fixed order) and HED stain jitter
 * (Tellez et al. 2018, with skimage's rgb2hed / hed2rgb colour deconvolution).
 *
 * Geometry runs on 8-bit pixels; colour on float [0, 1] so jitters do not round in between.
 * Every draw comes from the `rand` given, in a fixed order: one seed, one result.
 */
import type { AugmentConfig } from '../../shared/contract/training.js';
import { PIL_RESAMPLE, pilResize } from '../ml/models/pil-resize.js';
import type { RGBImage } from '../ml/models/processors.js';
import { randInt, uniform, type Rand } from './rng.js';

/** Interleaved RGB floats in [0, 1], row-major [height, width, 3]. */
export interface FloatImage {
  data: Float32Array;
  width: number;
  height: number;
}

/** torchvision RandomResizedCrop.get_params: 10 tries at a random area and aspect, else a centre crop. */
export function cropBox(width: number, height: number, scale: [number, number], ratio: [number, number], rand: Rand): { x: number; y: number; w: number; h: number } {
  const area = width * height;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rand, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rand, logRatio[0], logRatio[1]));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) return { x: randInt(rand, width - w + 1), y: randInt(rand, height - h + 1), w, h };
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h };
}

export function crop(img: RGBImage, box: { x: number; y: number; w: number; h: number }): RGBImage {
  const out = new Uint8Array(box.w * box.h * 3);
  for (let row = 0; row < box.h; row++) {
    const from = ((box.y + row) * img.width + box.x) * 3;
    out.set(img.data.subarray(from, from + box.w * 3), row * box.w * 3);
  }
  return { data: out, width: box.w, height: box.h };
}

export function resizeRGB(img: RGBImage, width: number, height: number): RGBImage {
  if (img.width === width && img.height === height) return img;
  return { data: pilResize(img.data, img.width, img.height, 3, width, height, PIL_RESAMPLE.BILINEAR), width, height };
}

/** Mirror left-right and/or top-bottom, then rotate by k quarter turns counter-clockwise (k = 1, 3 swap the sides). */
export function flipRotate(img: RGBImage, hflip: boolean, vflip: boolean, k: number): RGBImage {
  const { width: w, height: h } = img;
  const swap = k % 2 === 1;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // position in the flipped source that lands at (x, y) after k counter-clockwise turns
      let sx: number;
      let sy: number;
      switch (k % 4) {
        case 1: sx = w - 1 - y; sy = x; break;
        case 2: sx = w - 1 - x; sy = h - 1 - y; break;
        case 3: sx = y; sy = h - 1 - x; break;
        default: sx = x; sy = y;
      }
      if (hflip) sx = w - 1 - sx;
      if (vflip) sy = h - 1 - sy;
      const o = (y * ow + x) * 3;
      const i = (sy * w + sx) * 3;
      out[o] = img.data[i];
      out[o + 1] = img.data[i + 1];
      out[o + 2] = img.data[i + 2];
    }
  }
  return { data: out, width: ow, height: oh };
}

export function toFloat(img: RGBImage): FloatImage {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] / 255;
  return { data, width: img.width, height: img.height };
}

export function toUint8(img: FloatImage): RGBImage {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.min(1, Math.max(0, img.data[i])) * 255);
  return { data, width: img.width, height: img.height };
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
/** ITU-R 601 luma, as torchvision's rgb_to_grayscale. */
const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/** torchvision adjust_brightness: x * f, clipped. In place. */
export function adjustBrightness(img: FloatImage, f: number): void {
  for (let i = 0; i < img.data.length; i++) img.data[i] = clamp01(img.data[i] * f);
}

/** torchvision adjust_contrast: blend with the mean grey level of the image. In place. */
export function adjustContrast(img: FloatImage, f: number): void {
  const d = img.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) sum += luma(d[i], d[i + 1], d[i + 2]);
  const mean = sum / (d.length / 3);
  for (let i = 0; i < d.length; i++) d[i] = clamp01(mean + f * (d[i] - mean));
}

/** torchvision adjust_saturation: blend each pixel with its grey value. In place. */
export function adjustSaturation(img: FloatImage, f: number): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const g = luma(d[i], d[i + 1], d[i + 2]);
    for (let c = 0; c < 3; c++) d[i + c] = clamp01(g + f * (d[i + c] - g));
  }
}

/** torchvision adjust_hue: rotate the hue in HSV by `shift` turns (-0.5..0.5). In place. */
export function adjustHue(img: FloatImage, shift: number): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    if (delta === 0) continue; // grey has no hue
    let h = max === r ? (g - b) / delta : max === g ? 2 + (b - r) / delta : 4 + (r - g) / delta;
    h = (((h / 6 + shift) % 1) + 1) % 1;
    const s = delta / max;
    const v = max;
    const h6 = h * 6;
    const k = Math.floor(h6);
    const f = h6 - k;
    const p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    const [nr, ng, nb] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][k % 6];
    d[i] = nr;
    d[i + 1] = ng;
    d[i + 2] = nb;
  }
}

/** skimage.color's rgb_from_hed (Ruifrok & Johnston), rows normalised, and its inverse. */
const RGB_FROM_HED = (() => {
  const rows = [
    [0.65, 0.7, 0.29],
    [0.07, 0.99, 0.11],
    [0.27, 0.57, 0.78],
  ].map((r) => {
    const n = Math.hypot(...r);
    return r.map((v) => v / n);
  });
  return rows;
})();
export const HED_FROM_RGB = invert3(RGB_FROM_HED);

export function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('singular 3x3 matrix');
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

const LOG_ADJUST = Math.log(1e-6);

/**
 * HED jitter: rgb2hed (stains = log(max(rgb, 1e-6)) / log(1e-6) . hed_from_rgb), each stain
 * s -> s (1 + alpha) + beta, then hed2rgb. Unlike skimage's rgb2hed, negative stain amounts are
 * kept rather than clipped to 0, so that no jitter gives back the image. In place.
 */
export function hedJitter(img: FloatImage, alpha: [number, number, number], beta: [number, number, number]): void {
  const d = img.data;
  const M = HED_FROM_RGB;
  const R = RGB_FROM_HED;
  const od = [0, 0, 0];
  const s = [0, 0, 0];
  for (let i = 0; i < d.length; i += 3) {
    for (let c = 0; c < 3; c++) od[c] = Math.log(Math.max(d[i + c], 1e-6)) / LOG_ADJUST;
    for (let k = 0; k < 3; k++) {
      const v = od[0] * M[0][k] + od[1] * M[1][k] + od[2] * M[2][k];
      s[k] = v * (1 + alpha[k]) + beta[k];
    }
    for (let c = 0; c < 3; c++) {
      const logRgb = (s[0] * R[0][c] + s[1] * R[1][c] + s[2] * R[2][c]) * LOG_ADJUST;
      d[i + c] = clamp01(Math.exp(logRgb));
    }
  }
}

/**
 * One augmented view of `img` at width x height (the model input): crop (or a plain resize when
 * crop is off), flips, rotation, then colour. Returns float RGB in [0, 1].
 */
export function augment(img: RGBImage, width: number, height: number, cfg: AugmentConfig, rand: Rand): FloatImage {
  const box = cfg.crop ? cropBox(img.width, img.height, cfg.crop.scale as [number, number], cfg.crop.ratio as [number, number], rand) : null;
  let geo = resizeRGB(box ? crop(img, box) : img, width, height);
  const h = cfg.hflip && rand() < 0.5;
  const v = cfg.vflip && rand() < 0.5;
  const k = cfg.rot90 && width === height ? randInt(rand, 4) : 0;
  if (h || v || k) geo = flipRotate(geo, h, v, k);
  const out = toFloat(geo);
  if (cfg.brightness > 0) adjustBrightness(out, uniform(rand, 1 - cfg.brightness, 1 + cfg.brightness));
  if (cfg.contrast > 0) adjustContrast(out, uniform(rand, 1 - cfg.contrast, 1 + cfg.contrast));
  if (cfg.saturation > 0) adjustSaturation(out, uniform(rand, 1 - cfg.saturation, 1 + cfg.saturation));
  if (cfg.hue > 0) adjustHue(out, uniform(rand, -cfg.hue, cfg.hue));
  if (cfg.hed) {
    const { sigma, bias } = cfg.hed;
    const a: [number, number, number] = [uniform(rand, -sigma, sigma), uniform(rand, -sigma, sigma), uniform(rand, -sigma, sigma)];
    const b: [number, number, number] = [uniform(rand, -bias, bias), uniform(rand, -bias, bias), uniform(rand, -bias, bias)];
    hedJitter(out, a, b);
  }
  return out;
}
