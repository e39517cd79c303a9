/**
 * Models as analyses know them: a row of `models` per checkpoint folder (or built-in name) with
 * its content hash, labels and input size. Hashing reads every weight byte, so the row keeps a
 * stamp of the files' sizes and mtimes and the hash is only recomputed when they change.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { defaultHome, homeLayout } from '../home.js';
import { resolveModelRef } from '../ml/hub/resolve.js';
import { checkpointStamp } from '../ml/model-cache.js';
import { isBuiltinName } from '../ml/models/configs.js';
import { loadCheckpoint, type Checkpoint } from '../ml/models/checkpoint.js';
import { modelInputSize } from '../ml/models/processors.js';
import type { AnalysisRepo, ModelRow } from '../store/analysis-repo.js';

/**
 * The key a model is stored under: an absolute folder, or the built-in name. A Hub id
 * (`org/name[@rev]`) is the folder it was pulled into, found under `modelsDir` with no network.
 */
export function modelKey(ref: string, modelsDir: string = homeLayout(defaultHome()).models): string {
  const r = resolveModelRef(ref, modelsDir);
  return isBuiltinName(r) && !existsSync(r) ? r : resolve(r);
}

/** Sizes and mtimes of the files a checkpoint's hash covers. */
async function filesStamp(key: string): Promise<string> {
  if (isBuiltinName(key)) return `builtin:${key}`;
  if (!existsSync(key)) throw new Error(`${key}: no such checkpoint folder`);
  const stamp = await checkpointStamp(key);
  if (!stamp) throw new Error(`${key}: not a checkpoint folder (config.json and model.safetensors expected)`);
  return stamp;
}

export function labelsOf(ck: Pick<Checkpoint, 'id2label'>): string[] {
  return Object.keys(ck.id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => ck.id2label[i]!);
}

/** The stored row for a model, registering or re-hashing it when its files are new or changed. */
export async function resolveModel(repo: AnalysisRepo, ref: string, modelsDir?: string): Promise<ModelRow> {
  const key = modelKey(ref, modelsDir);
  const stamp = await filesStamp(key);
  const known = repo.modelByDir(key);
  if (known && known.filesStamp === stamp) return known;
  const ck = await loadCheckpoint(key);
  return repo.upsertModel({
    name: isBuiltinName(key) ? key : basename(key),
    arch: ck.arch,
    dir: key,
    hash: ck.hash,
    labels: labelsOf(ck),
    inputSize: modelInputSize(ck.preprocessor).height,
    filesStamp: stamp,
  });
}
