/**
 * A model sees the kind of image it was trained on. Every model Tessella trains or loads takes
 * RGB patches of stained tissue, so a model is brightfield unless its config.json says
 * `"image_type": "fluorescence"`. Run on a fluorescence slide, a brightfield model still gives
 * confident labels, and they mean nothing: the run is refused unless the mismatch is allowed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageType } from '../../shared/api.js';
import { DomainError, parseJsonFile } from '../errors.js';

export async function modelImageType(dir: string): Promise<ImageType> {
  const config = join(dir, 'config.json');
  if (!existsSync(config)) return 'brightfield';
  const c = parseJsonFile(await readFile(config, 'utf8'), config) as { image_type?: unknown };
  return c.image_type === 'fluorescence' ? 'fluorescence' : 'brightfield';
}

/** The line saying why a slide and a model do not go together, or null when they do (or the slide's type is unknown). */
export function imageTypeMismatch(slide: { name: string; imageType: ImageType | null }, model: { name: string }, modelType: ImageType): string | null {
  if (slide.imageType === null || slide.imageType === modelType) return null;
  return `slide "${slide.name}" is a ${slide.imageType} image but model "${model.name}" was trained on ${modelType} images, so its labels would mean nothing there`;
}

export class ImageTypeMismatchError extends DomainError {
  /** @param reason what imageTypeMismatch said; each door adds how to allow it. */
  constructor(readonly reason: string) {
    super('conflict', `${reason}; not run unless the mismatch is allowed`, 'image-type-mismatch');
  }
}
