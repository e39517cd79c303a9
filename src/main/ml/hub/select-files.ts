/**
 * Which of a repo's files a model needs: its config, its preprocessor config when there is one,
 * and one set of weights, safetensors first (a single file, or an index and its shards), else
 * PyTorch's pickle. Other formats (ONNX, Flax msgpack, Keras h5, open_clip bundles) are left on
 * the Hub. Only top-level files: a model's subfolders hold other variants.
 */
import { DomainError } from '../../errors.js';
import type { RepoFile } from './client.js';

export interface Selection {
  files: string[];
  /** An index whose shard list is read before the shards are known. */
  index?: string;
  weights: 'safetensors' | 'safetensors-sharded' | 'pytorch' | 'pytorch-sharded';
}

const SAFE_NAME = /^[A-Za-z0-9_.\-]+$/;

export function selectFiles(id: string, revision: string, files: RepoFile[]): Selection {
  const names = new Set(files.map((f) => f.name).filter((n) => !n.includes('/') && SAFE_NAME.test(n) && n !== '.' && n !== '..'));
  if (!names.has('config.json')) throw new DomainError('unsupported', `${id}@${revision} has no config.json; not a model folder Tessella can read`, 'hub-no-config');
  const base = ['config.json', ...(names.has('preprocessor_config.json') ? ['preprocessor_config.json'] : [])];
  if (names.has('model.safetensors')) return { files: [...base, 'model.safetensors'], weights: 'safetensors' };
  if (names.has('model.safetensors.index.json')) return { files: base, index: 'model.safetensors.index.json', weights: 'safetensors-sharded' };
  if (names.has('pytorch_model.bin')) return { files: [...base, 'pytorch_model.bin'], weights: 'pytorch' };
  if (names.has('pytorch_model.bin.index.json')) return { files: base, index: 'pytorch_model.bin.index.json', weights: 'pytorch-sharded' };
  throw new DomainError('unsupported', `${id}@${revision} has no weights Tessella reads (model.safetensors or pytorch_model.bin)`, 'hub-no-weights');
}

/** The shard files an index names (its weight_map values), each checked to be in the repo. */
export function shardsOf(id: string, indexName: string, indexText: string, files: RepoFile[]): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(indexText) as { weight_map?: unknown }).weight_map;
  } catch {
    throw new DomainError('corrupt', `${id}: ${indexName} is not JSON`, 'hub-bad-index');
  }
  if (!map || typeof map !== 'object') throw new DomainError('corrupt', `${id}: ${indexName} has no weight_map`, 'hub-bad-index');
  const shards = [...new Set(Object.values(map as Record<string, unknown>))];
  const present = new Set(files.map((f) => f.name));
  for (const s of shards) {
    if (typeof s !== 'string' || !SAFE_NAME.test(s) || !present.has(s)) throw new DomainError('corrupt', `${id}: ${indexName} names a shard the repo does not hold`, 'hub-bad-index');
  }
  return (shards as string[]).sort();
}
