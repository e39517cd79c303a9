/**
 * Which files of a checkpoint folder hold its weights, and reading them. One rule for every
 * caller (loading, hashing, the model cache's change stamp): `model.safetensors`, else a sharded
 * `model.safetensors.index.json`, else `pytorch_model.bin` read by the restricted unpickler.
 * Safetensors win when both exist, as transformers and timm prefer them: they are read without
 * interpreting any pickle, and they are what we verified bit for bit.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, shardFiles, type TensorEntry } from '../models/safetensors.js';
import { readTorchPickle } from './torch-pickle.js';

export interface WeightFiles {
  kind: 'safetensors' | 'safetensors-sharded' | 'torch-pickle';
  /** The file to read (the index for sharded checkpoints). */
  path: string;
  /** Every file whose bytes are the weights (index and shards), for hashes and change stamps. */
  files: string[];
}

export const TORCH_PICKLE_FILE = 'pytorch_model.bin';
/** A catalogue hint next to the weights (models/backbone.ts): part of what a folder's hash covers. */
export const HINT_FILE = 'tessella_model.json';

/** The weight files of `dir`, or null when it has none we read. */
export async function findWeightFiles(dir: string): Promise<WeightFiles | null> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return { kind: 'safetensors', path: single, files: [single] };
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return { kind: 'safetensors-sharded', path: index, files: [index, ...(await shardFiles(index))] };
  const bin = join(dir, TORCH_PICKLE_FILE);
  if (existsSync(bin)) return { kind: 'torch-pickle', path: bin, files: [bin] };
  return null;
}

/**
 * Every tensor (or those `filter` keeps), floats as Float32Array whatever their stored dtype (F32, F16, BF16).
 * `lazy`: only the index is read now, and each entry reads its data from the file on each access
 * (safetensors.ts lazyTensorEntry, for safetensors and pickles alike).
 */
export async function readWeights(w: WeightFiles, filter?: (name: string) => boolean, opts: { lazy?: boolean } = {}): Promise<Map<string, TensorEntry>> {
  const lazy = !!opts.lazy;
  if (w.kind !== 'torch-pickle') return readSafetensors(w.path, { ...(filter ? { filter } : {}), lazy });
  return readTorchPickle(w.path, { ...(filter ? { filter } : {}), lazy });
}
