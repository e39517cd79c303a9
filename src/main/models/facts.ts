/**
 * What the Models page shows of a checkpoint folder without loading its weights: bytes on disk,
 * the parameter count from the safetensors headers (a .bin-only folder has none without reading
 * its pickle, so its count is estimated from the file size and marked so), the width and the
 * pooling the loader will use.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensorsHeader, shardFiles } from '../ml/models/safetensors.js';

export interface ModelFacts {
  sizeOnDisk: number;
  parameters: number | null;
  parametersEstimated: boolean;
  width: number | null;
  pooling: string | null;
}

async function safetensorsFiles(dir: string): Promise<string[]> {
  if (existsSync(join(dir, 'model.safetensors'))) return [join(dir, 'model.safetensors')];
  if (existsSync(join(dir, 'model.safetensors.index.json'))) return shardFiles(join(dir, 'model.safetensors.index.json'));
  return [];
}

async function parameterCount(dir: string): Promise<{ n: number; estimated: boolean } | null> {
  const files = await safetensorsFiles(dir);
  if (files.length) {
    let n = 0;
    for (const f of files) for (const t of (await readSafetensorsHeader(f)).tensors.values()) n += t.shape.reduce((a, b) => a * b, 1);
    return { n, estimated: false };
  }
  const bin = join(dir, 'pytorch_model.bin');
  // fp32 checkpoints are the norm for .bin files; a half-precision one reads as half the count.
  return existsSync(bin) ? { n: Math.round((await stat(bin)).size / 4), estimated: true } : null;
}

/** The embedding width a config declares: HF `hidden_size`, timm `model_args.embed_dim` or `num_features`. */
function widthOf(config: Record<string, unknown> | null): number | null {
  if (!config) return null;
  const args = config['model_args'] as Record<string, unknown> | undefined;
  for (const v of [config['hidden_size'], args?.['embed_dim'], config['num_features']]) if (typeof v === 'number') return v;
  const sizes = config['hidden_sizes'];
  return Array.isArray(sizes) && typeof sizes.at(-1) === 'number' ? (sizes.at(-1) as number) : null;
}

export async function modelFacts(dir: string, config: Record<string, unknown> | null, hint: Record<string, unknown> | null): Promise<ModelFacts> {
  let sizeOnDisk = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isFile()) sizeOnDisk += (await stat(join(dir, e.name))).size;
  const count = await parameterCount(dir).catch(() => null);
  return {
    sizeOnDisk,
    parameters: count?.n ?? null,
    parametersEstimated: count?.estimated ?? false,
    width: widthOf(config),
    pooling: typeof hint?.['pooling'] === 'string' ? (hint['pooling'] as string) : null,
  };
}
