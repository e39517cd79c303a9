/**
 * Where the model of an exported folder lies. Every export is now a flat HuggingFace folder
 * (config.json, model.safetensors, preprocessor_config.json, with the run's files in run/);
 * exports written before kept the checkpoint in a `model/` subfolder beside the run's own
 * config.json, metrics.csv and summary.json, and such a folder still stands for its inner
 * checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The subfolder older run exports held the checkpoint in. */
export const LEGACY_MODEL_SUBDIR = 'model';

/** Files whose presence makes a folder a checkpoint itself (its config.json is a model's, not a run's). */
const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json', 'head.safetensors'];

/** `path`, or its `model/` subfolder when `path` is an older run export (no weights of its own). */
export function modelFolderOf(path: string): string {
  const inner = join(path, LEGACY_MODEL_SUBDIR);
  if (!existsSync(join(inner, 'config.json'))) return path;
  return WEIGHT_FILES.some((f) => existsSync(join(path, f))) ? path : inner;
}
