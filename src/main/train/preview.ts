/**
 * The augmentation preview: a few training images, each as it is (after stain normalisation,
 * resized to the model input) and as several augmented views, drawn from a seed so the same
 * settings show the same grid.
 */
import sharp from 'sharp';
import type { AugmentConfig, StainConfig } from '../../shared/contract/training.js';
import { datasetLabels, datasetSplitImages } from '../datasets/query.js';
import { decodeImage, type RGBImage } from '../ml/models/processors.js';
import type { Db } from '../store/db.js';
import { augment, resizeRGB, toUint8 } from './augment.js';
import { shuffle, streamRng } from './rng.js';
import { fitStain, stainNormalizer } from '../ml/preprocess/stain.js';

export interface PreviewRequest {
  datasetId?: number;
  paths?: string[];
  augment: AugmentConfig;
  stain: StainConfig | null;
  size: number;
  count: number;
  variants: number;
  seed: number;
}

async function png(img: RGBImage): Promise<string> {
  const buf = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
  return buf.toString('base64');
}

export async function augmentationPreview(db: Db, req: PreviewRequest) {
  let items: { path: string; label: string | null }[];
  if (req.paths) items = req.paths.map((path) => ({ path, label: null }));
  else {
    const labels = datasetLabels(db, req.datasetId!);
    const train = datasetSplitImages(db, req.datasetId!, 'train');
    items = shuffle([...train], streamRng(req.seed, 'preview-pick')).map((i) => ({ path: i.path, label: labels[i.labelIndex] }));
  }
  const normalize = req.stain ? stainNormalizer(await fitStain(req.stain)) : null;
  const images = [];
  for (const item of items) {
    if (images.length >= req.count) break;
    let img: RGBImage;
    try {
      img = await decodeImage(item.path);
    } catch {
      continue; // the preview shows what training would use; unreadable files are left out there too
    }
    if (normalize) img = normalize(img);
    const variants: string[] = [];
    for (let v = 0; v < req.variants; v++) variants.push(await png(toUint8(augment(img, req.size, req.size, req.augment, streamRng(req.seed, 'preview', images.length, v)))));
    images.push({ path: item.path, label: item.label, original: await png(resizeRGB(img, req.size, req.size)), variants });
  }
  return { size: req.size, images };
}
