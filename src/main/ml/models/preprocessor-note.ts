/**
 * A checkpoint folder without preprocessor_config.json loads with the standard processor of its
 * architecture. That is a guess (a ViT's mean and std of 0.5 are wrong for a model trained with
 * ImageNet's), and a wrong guess shifts every prediction without any error, so it is said: in the
 * load report, in `model info` and on `predict`'s stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from './configs.js';
import { modelInputSize, type PreprocessorConfig, standardPreprocessor } from './processors.js';

export const PREPROCESSOR_FILE = 'preprocessor_config.json';

export function defaultedPreprocessorWarning(dir: string, pp: PreprocessorConfig): string {
  const size = modelInputSize(pp);
  const list = (v: number[] | number | undefined) => `[${(Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => +x.toFixed(4)).join(', ')}]`;
  return `${dir}: no ${PREPROCESSOR_FILE}; assuming ${pp.image_processor_type} at ${size.width} x ${size.height} with mean ${list(pp.image_mean)} and std ${list(pp.image_std)}; add the file the model was trained with if these differ`;
}

/**
 * The warning for folder `dir`, without loading its weights: null when it has a
 * preprocessor_config.json or is no ViT / ResNet classifier folder (a head, a timm or DINOv2
 * backbone describes its preprocessing itself; a broken config is for the loader to report).
 */
export function defaultedPreprocessorNote(dir: string): string | null {
  if (existsSync(join(dir, PREPROCESSOR_FILE))) return null;
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) return null;
  try {
    const json = JSON.parse(readFileSync(configPath, 'utf8')) as { model_type?: unknown };
    if (json.model_type !== 'vit' && json.model_type !== 'resnet') return null;
    return defaultedPreprocessorWarning(dir, standardPreprocessor(parseConfig(json, configPath)));
  } catch {
    return null;
  }
}
