/**
 * Image preprocessing as transformers' image processors do it, from preprocessor_config.json:
 *
 * - ViTImageProcessor: resize to (height, width), rescale by 1/255, normalise with mean/std.
 * - ConvNextImageProcessor (what microsoft/resnet-* ship): below 384, resize the short side to
 *   int(shortest_edge / crop_pct) keeping the aspect ratio, then centre-crop shortest_edge square
 *   (top = floor((H - crop) / 2)); from 384 up, resize straight to a square. Then rescale, normalise.
 * - DeiTImageProcessor / BitImageProcessor: resize (fixed size / short side), centre crop crop_size.
 * - timm pretrained_cfg (timmPreprocessor): short side to floor(S / crop_pct), centre crop S with
 *   torchvision's offset int(round((H - S) / 2)) (Python's half-even), expressed as a
 *   BitImageProcessor config with `crop_rounding: "half_even"`.
 *
 * Resizing is Pillow's algorithm (pil-resize.ts), so pixels match what Python feeds the model.
 * Arithmetic follows numpy's: rescale in float64 then to float32, normalise in float32.
 * Decoding uses sharp: EXIF orientation applied, alpha composited onto white, grey -> RGB.
 */
import sharp from 'sharp';
import { z } from 'zod';
import type { HfConfig } from './configs.js';
import { PIL_RESAMPLE, pilResize } from './pil-resize.js';
import { imageName, imageOpenError, plainImageHeader } from '../../slides/pixel-limit.js';

export const IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225];
export const IMAGENET_STANDARD_MEAN = [0.5, 0.5, 0.5];
export const IMAGENET_STANDARD_STD = [0.5, 0.5, 0.5];

const sizeSchema = z.union([
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
  z.object({ shortest_edge: z.number().int().positive() }),
  z.number().int().positive(), // legacy configs: a single int
]);

export const PreprocessorConfigSchema = z.looseObject({
  image_processor_type: z.string().default('ViTImageProcessor'),
  do_resize: z.boolean().default(true),
  size: sizeSchema.optional(),
  resample: z.number().int().optional(),
  crop_pct: z.number().positive().nullable().optional(),
  do_center_crop: z.boolean().optional(),
  crop_size: sizeSchema.optional(),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: z.union([z.array(z.number()), z.number()]).optional(),
  image_std: z.union([z.array(z.number()), z.number()]).optional(),
  /**
   * Not a transformers field: how the centre crop's offset is rounded. transformers floors
   * (H - S) // 2; timm/torchvision round half to even. Absent = floor.
   */
  crop_rounding: z.enum(['floor', 'half_even']).optional(),
});
export type PreprocessorConfig = z.infer<typeof PreprocessorConfigSchema>;

export function parsePreprocessorConfig(json: unknown, where = 'preprocessor_config.json'): PreprocessorConfig {
  const r = PreprocessorConfigSchema.safeParse(json);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const known = ['ViTImageProcessor', 'ViTImageProcessorFast', 'ConvNextImageProcessor', 'ConvNextImageProcessorFast', 'DeiTImageProcessor', 'BitImageProcessor'];
  if (!known.includes(r.data.image_processor_type)) throw new Error(`${where}: image_processor_type ${r.data.image_processor_type} is not supported (${known.join(', ')})`);
  return r.data;
}

/** The processor the reference checkpoints ship: google/vit-base-patch16-224, microsoft/resnet-50. */
export function standardPreprocessor(config: HfConfig): PreprocessorConfig {
  if (config.model_type === 'vit') {
    return parsePreprocessorConfig({
      image_processor_type: 'ViTImageProcessor',
      size: { height: config.image_size, width: config.image_size },
      resample: PIL_RESAMPLE.BILINEAR,
      image_mean: IMAGENET_STANDARD_MEAN,
      image_std: IMAGENET_STANDARD_STD,
    });
  }
  return parsePreprocessorConfig({
    image_processor_type: 'ConvNextImageProcessor',
    size: { shortest_edge: 224 },
    crop_pct: 0.875,
    resample: PIL_RESAMPLE.BICUBIC,
    image_mean: IMAGENET_DEFAULT_MEAN,
    image_std: IMAGENET_DEFAULT_STD,
  });
}

/** Interleaved RGB, 8 bits, row-major [height, width, 3]. */
export interface RGBImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes any format sharp reads into upright RGB: EXIF orientation, alpha over white, grey -> RGB.
 * The header is checked against the plain-image pixel budget first, so a decompression bomb is
 * refused before any pixel is decoded. Failures are ImageErrors naming the file (`name`).
 */
export async function decodeImage(input: string | Buffer | Uint8Array, name = imageName(input)): Promise<RGBImage> {
  await plainImageHeader(input, name);
  let decoded;
  try {
    decoded = await sharp(input)
      .rotate() // no angle: apply and drop the EXIF orientation
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw imageOpenError(input, name, e, 'decode');
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new Error(`decodeImage: expected 3 channels after conversion, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

type Size = z.infer<typeof sizeSchema>;

function isHW(s: Size | undefined): s is { height: number; width: number } {
  return typeof s === 'object' && 'height' in s;
}

/** transformers' get_resize_output_image_size(default_to_square=False): short side -> `size`, aspect kept. */
function shortSideSize(h: number, w: number, size: number): { h: number; w: number } {
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newLong = Math.trunc((size * long) / short);
  return w <= h ? { h: newLong, w: size } : { h: size, w: newLong };
}

/** Python's round() of a multiple of 0.5: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  return x - f !== 0.5 ? Math.round(x) : f % 2 === 0 ? f : f + 1;
}

function centerCrop(img: RGBImage, ch: number, cw: number, rounding: 'floor' | 'half_even' = 'floor'): RGBImage {
  if (ch > img.height || cw > img.width) throw new Error(`centre crop ${ch}x${cw} larger than the ${img.height}x${img.width} image`);
  const offset = (extra: number): number => (rounding === 'half_even' ? roundHalfEven(extra / 2) : Math.floor(extra / 2));
  const top = offset(img.height - ch);
  const left = offset(img.width - cw);
  const out = new Uint8Array(ch * cw * 3);
  for (let y = 0; y < ch; y++) out.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + cw) * 3), y * cw * 3);
  return { data: out, width: cw, height: ch };
}

function resize(img: RGBImage, h: number, w: number, resample: number): RGBImage {
  return { data: pilResize(img.data, img.width, img.height, 3, w, h, resample), width: w, height: h };
}

/** The resize (and crop) step alone: uint8 RGB at the model's input size. */
export function resizeForModel(img: RGBImage, pp: PreprocessorConfig): RGBImage {
  const type = pp.image_processor_type.replace(/Fast$/, '');
  const size = pp.size;
  if (type === 'ConvNextImageProcessor') {
    const se = typeof size === 'number' ? size : size && 'shortest_edge' in size ? size.shortest_edge : 384;
    const resample = pp.resample ?? PIL_RESAMPLE.BILINEAR;
    if (!pp.do_resize) return img;
    if (se >= 384) return resize(img, se, se, resample); // no crop at large sizes (ConvNeXt's rule)
    const s = shortSideSize(img.height, img.width, Math.trunc(se / (pp.crop_pct ?? 224 / 256)));
    return centerCrop(resize(img, s.h, s.w, resample), se, se);
  }
  let out = img;
  if (pp.do_resize) {
    const defaultResample = type === 'ViTImageProcessor' ? PIL_RESAMPLE.BILINEAR : PIL_RESAMPLE.BICUBIC;
    const resample = pp.resample ?? defaultResample;
    if (isHW(size)) out = resize(out, size.height, size.width, resample);
    else {
      const n = typeof size === 'number' ? size : size?.shortest_edge ?? 224;
      if (type === 'ViTImageProcessor' || (typeof size === 'number' && type !== 'BitImageProcessor')) out = resize(out, n, n, resample);
      else {
        const s = shortSideSize(out.height, out.width, n);
        out = resize(out, s.h, s.w, resample);
      }
    }
  }
  if (pp.do_center_crop && pp.crop_size !== undefined) {
    const cs = pp.crop_size;
    const [ch, cw] = isHW(cs) ? [cs.height, cs.width] : typeof cs === 'number' ? [cs, cs] : [cs.shortest_edge, cs.shortest_edge];
    out = centerCrop(out, ch, cw, pp.crop_rounding);
  }
  return out;
}

/** timm's interpolation names → PIL resample codes. */
const TIMM_INTERPOLATION: Record<string, number> = {
  nearest: PIL_RESAMPLE.NEAREST,
  bilinear: PIL_RESAMPLE.BILINEAR,
  bicubic: PIL_RESAMPLE.BICUBIC,
  lanczos: PIL_RESAMPLE.LANCZOS,
  box: PIL_RESAMPLE.BOX,
  hamming: PIL_RESAMPLE.HAMMING,
};

export interface TimmPretrainedCfg {
  input_size?: number[];
  crop_pct?: number;
  crop_mode?: string;
  interpolation?: string;
  mean?: number[];
  std?: number[];
}

/**
 * timm's eval transform (resolve_data_config + create_transform) as a processor config: resize
 * the short side to floor(S / crop_pct) (both sides when the input is not square), centre crop
 * to the input size with torchvision's half-even offset, then x/255 and (x - mean) / std.
 * `override` (a catalogue hint) wins over the folder's pretrained_cfg where it says something.
 */
export function timmPreprocessor(cfg: TimmPretrainedCfg, override: Partial<Pick<TimmPretrainedCfg, 'mean' | 'std' | 'interpolation'>> = {}, inputSize?: [number, number], where = 'config.json'): PreprocessorConfig {
  const [h, w] = inputSize ?? (cfg.input_size?.length === 3 ? [cfg.input_size[1]!, cfg.input_size[2]!] : [224, 224]);
  const cropPct = cfg.crop_pct ?? 0.875;
  if ((cfg.crop_mode ?? 'center') !== 'center') throw new Error(`${where}: pretrained_cfg crop_mode ${cfg.crop_mode} is not supported (center)`);
  const interpolation = override.interpolation ?? cfg.interpolation ?? 'bicubic';
  const resample = TIMM_INTERPOLATION[interpolation];
  if (resample === undefined) throw new Error(`${where}: interpolation ${interpolation} is not supported`);
  const size = h === w ? { shortest_edge: Math.floor(h / cropPct) } : { height: Math.floor(h / cropPct), width: Math.floor(w / cropPct) };
  return parsePreprocessorConfig(
    {
      image_processor_type: 'BitImageProcessor',
      do_resize: true,
      size,
      resample,
      do_center_crop: true,
      crop_size: { height: h, width: w },
      crop_rounding: 'half_even',
      image_mean: override.mean ?? cfg.mean ?? IMAGENET_DEFAULT_MEAN,
      image_std: override.std ?? cfg.std ?? IMAGENET_DEFAULT_STD,
    },
    where,
  );
}

function perChannel(v: number[] | number | undefined, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  return typeof v === 'number' ? [v, v, v] : v;
}

/** uint8 RGB [H, W, 3] -> float32 CHW: rescale (float64, then float32) and normalise (float32). */
export function rescaleNormalize(img: RGBImage, pp: PreprocessorConfig, out?: Float32Array): Float32Array {
  const type = pp.image_processor_type.replace(/Fast$/, '');
  const defaults = type === 'ViTImageProcessor' ? [IMAGENET_STANDARD_MEAN, IMAGENET_STANDARD_STD] : [IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD];
  const mean = perChannel(pp.image_mean, defaults[0]).map(Math.fround);
  const std = perChannel(pp.image_std, defaults[1]).map(Math.fround);
  const n = img.width * img.height;
  const res = out ?? new Float32Array(3 * n);
  const f = pp.rescale_factor;
  const src = img.data;
  // One loop per case, no test per pixel: a slide's tile reader runs this on every tile, on the cores inference needs.
  for (let c = 0; c < 3; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    const o = c * n;
    if (pp.do_rescale && pp.do_normalize) for (let i = 0, p = c; i < n; i++, p += 3) res[o + i] = Math.fround(Math.fround(Math.fround(src[p]! * f) - m) / s);
    else if (pp.do_rescale) for (let i = 0, p = c; i < n; i++, p += 3) res[o + i] = Math.fround(src[p]! * f);
    else if (pp.do_normalize) for (let i = 0, p = c; i < n; i++, p += 3) res[o + i] = Math.fround(Math.fround(src[p]! - m) / s);
    else for (let i = 0, p = c; i < n; i++, p += 3) res[o + i] = src[p]!;
  }
  return res;
}

/** The model input [H, W] this processor produces (fixed for every supported processor). */
export function modelInputSize(pp: PreprocessorConfig): { height: number; width: number } {
  const type = pp.image_processor_type.replace(/Fast$/, '');
  const sq = (n: number): { height: number; width: number } => ({ height: n, width: n });
  if (pp.do_center_crop && pp.crop_size !== undefined) {
    const cs = pp.crop_size;
    return isHW(cs) ? { height: cs.height, width: cs.width } : sq(typeof cs === 'number' ? cs : cs.shortest_edge);
  }
  const s = pp.size;
  if (isHW(s)) return { height: s.height, width: s.width };
  if (type === 'ConvNextImageProcessor' || type === 'ViTImageProcessor') return sq(typeof s === 'number' ? s : s?.shortest_edge ?? 224);
  throw new Error(`${type}: output size depends on the image; set do_center_crop with crop_size`);
}

/** Decoded RGB -> pixel values, CHW float32. */
export function preprocessRGB(img: RGBImage, pp: PreprocessorConfig, out?: Float32Array): Float32Array {
  return rescaleNormalize(resizeForModel(img, pp), pp, out);
}

/** Image file or encoded buffer -> pixel values, CHW float32. */
export async function preprocessImage(input: string | Buffer | Uint8Array, pp: PreprocessorConfig): Promise<Float32Array> {
  return preprocessRGB(await decodeImage(input), pp);
}
