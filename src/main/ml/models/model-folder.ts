/**
 * Where the model of an exported folder lies. Every export is a flat HuggingFace folder
 * (config.json, model.safetensors, preprocessor_config.json beside the run's files in run/);
 * exports written before that kept the checkpoint in a `model/` subfolder under the run's own
 * config.json-less files, and such a folder still stands for its inner checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The subfolder older run exports held the checkpoint in. */
export const LEGACY_MODEL_SUBDIR = 'model';

/** `path`, or its `model/` subfolder when `path` is an older export with no config.json of its own. */
export function modelFolderOf(path: string): string {
  if (existsSync(join(path, 'config.json'))) return path;
  const inner = join(path, LEGACY_MODEL_SUBDIR);
  return existsSync(join(inner, 'config.json')) ? inner : path;
}
