/**
 * Training images in memory: decoded once (EXIF-upright RGB), stain-normalised when the run
 * asks for it, kept up to a memory budget and decoded again past it. Pixels for the model come
 * from here: augmented views for training, and for evaluation exactly the processor's
 * resize + rescale + normalise, what inference does.
 */
import type { AugmentConfig } from '../../shared/contract/training.js';
import { decodeImage, modelInputSize, preprocessRGB, type PreprocessorConfig, type RGBImage } from '../ml/models/processors.js';
import { IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, IMAGENET_STANDARD_MEAN, IMAGENET_STANDARD_STD } from '../ml/models/processors.js';
import { augment, type FloatImage } from './augment.js';
import type { Rand } from './rng.js';
import type { StainNormalizer } from '../ml/preprocess/stain.js';
import { sharpFailureReason } from '../slides/pixel-limit.js';

export interface LabeledImage {
  path: string;
  label: number;
}

export interface Skipped {
  path: string;
  reason: string;
}

export class ImageStore {
  private readonly cache = new Map<string, RGBImage>();
  private bytes = 0;

  constructor(
    private readonly stain: StainNormalizer | null,
    private readonly budgetBytes = 2 * 1024 ** 3,
  ) {}

  /** Decoded (and normalised) RGB; throws when the file cannot be read as an image. */
  async get(path: string): Promise<RGBImage> {
    const hit = this.cache.get(path);
    if (hit) {
      // refresh its place: Map order is the eviction order
      this.cache.delete(path);
      this.cache.set(path, hit);
      return hit;
    }
    let img = await decodeImage(path);
    if (this.stain) img = this.stain(img);
    this.cache.set(path, img);
    this.bytes += img.data.length;
    for (const [k, v] of this.cache) {
      if (this.bytes <= this.budgetBytes) break;
      this.cache.delete(k);
      this.bytes -= v.data.length;
    }
    return img;
  }

  /**
   * Reads every image once: the unreadable ones are returned as skipped (with the decoder's
   * reason) and left out of `usable`, so every epoch of a run, resumed or not, sees the same set.
   */
  async check(items: LabeledImage[], onProgress?: (done: number) => void, signal?: AbortSignal): Promise<{ usable: LabeledImage[]; skipped: Skipped[] }> {
    const usable: LabeledImage[] = [];
    const skipped: Skipped[] = [];
    let done = 0;
    for (const it of items) {
      signal?.throwIfAborted();
      try {
        await this.get(it.path);
        usable.push(it);
      } catch (e) {
        skipped.push({ path: it.path, reason: `unreadable image: ${sharpFailureReason((e as Error).message)}` });
      }
      onProgress?.(++done);
    }
    return { usable, skipped };
  }
}

function channelStats(pp: PreprocessorConfig): { mean: number[]; std: number[] } {
  const vit = pp.image_processor_type.replace(/Fast$/, '') === 'ViTImageProcessor';
  const per = (v: number[] | number | undefined, fallback: number[]) => (v === undefined ? fallback : typeof v === 'number' ? [v, v, v] : v);
  return {
    mean: per(pp.image_mean, vit ? IMAGENET_STANDARD_MEAN : IMAGENET_DEFAULT_MEAN).map(Math.fround),
    std: per(pp.image_std, vit ? IMAGENET_STANDARD_STD : IMAGENET_DEFAULT_STD).map(Math.fround),
  };
}

/** Float RGB in [0, 1] (HWC) -> the processor's rescaled, normalised CHW values. */
export function normalizeFloat(img: FloatImage, pp: PreprocessorConfig, out?: Float32Array): Float32Array {
  const { mean, std } = channelStats(pp);
  const n = img.width * img.height;
  const res = out ?? new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      let v = img.data[i * 3 + c] * 255;
      if (pp.do_rescale) v = Math.fround(v * pp.rescale_factor);
      if (pp.do_normalize) v = Math.fround(Math.fround(v - mean[c]) / std[c]);
      res[c * n + i] = v;
    }
  }
  return res;
}

/** NCHW pixels of a batch: augmented views (with `rands`, one per image) or the evaluation transform. */
export async function batchPixels(store: ImageStore, paths: string[], pp: PreprocessorConfig, aug: AugmentConfig | null, rands?: Rand[]): Promise<Float32Array> {
  const { height, width } = modelInputSize(pp);
  const per = 3 * height * width;
  const data = new Float32Array(paths.length * per);
  for (let i = 0; i < paths.length; i++) {
    const img = await store.get(paths[i]);
    const slot = data.subarray(i * per, (i + 1) * per);
    if (aug && rands) normalizeFloat(augment(img, width, height, aug, rands[i]), pp, slot);
    else preprocessRGB(img, pp, slot);
  }
  return data;
}
