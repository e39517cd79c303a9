/**
 * Small JPEG views of dataset images for the Datasets page's sample grids. Patches are small,
 * so they are scaled on request rather than cached; only images recorded in a dataset can be
 * reached, never an arbitrary path.
 */
import { basename } from 'node:path';
import sharp from 'sharp';
import { imageOpenError, plainImageHeader } from '../slides/pixel-limit.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { DatasetsRepo } from '../store/datasets-repo.js';

export const DATASET_THUMBNAIL_MAX = 1024;

/** The image scaled to fit size x size (never enlarged); with datasetId, it must belong to it. */
export async function datasetImageThumbnail(ctx: Pick<AppContext, 'db'>, imageId: number, size = 256, datasetId?: number): Promise<Buffer> {
  if (!Number.isInteger(size) || size < 16 || size > DATASET_THUMBNAIL_MAX) throw new DomainError('invalid-input', `thumbnail size must be 16..${DATASET_THUMBNAIL_MAX}`);
  const path = new DatasetsRepo(ctx.db).imagePath(imageId, datasetId);
  if (!path) throw new DomainError('not-found', `no dataset image ${imageId}${datasetId !== undefined ? ` in dataset ${datasetId}` : ''}`);
  await plainImageHeader(path);
  try {
    return await sharp(path)
      .flatten({ background: '#ffffff' })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
  } catch (e) {
    throw imageOpenError(path, basename(path), e, 'decode');
  }
}
