/**
 * The `models` table as the user sees it: checkpoint folders imported by name, next to the
 * built-in architectures. Importing loads the checkpoint fully (config, every weight), so a folder
 * that would fail at inference time is refused up front, and remembers its hash for the ONNX
 * cache, so the first `predict` after an import does not hash the weights again.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { BuiltinModel, ModelDetail, ModelSource, RegisteredModel } from '../../shared/contract/models.js';
import { DomainError } from '../errors.js';
import { checkpointStamp, labelList, rememberCheckpoint } from '../ml/model-cache.js';
import type { Checkpoint } from '../ml/models/checkpoint.js';
import { builtinConfig, BUILTIN_CONFIGS, isBuiltinName } from '../ml/models/configs.js';
import { modelFolderOf } from '../ml/models/model-folder.js';
import { modelInputSize, standardPreprocessor } from '../ml/models/processors.js';
import { modelQuality } from './model-quality.js';
import { modelFromRow, type RawModel } from '../store/analysis-repo.js';
import type { Db } from '../store/db.js';

function sourceOf(r: RawModel): ModelSource | null {
  if (!r.source_json) return null;
  try {
    return JSON.parse(r.source_json) as ModelSource;
  } catch {
    return null;
  }
}

function toModel(db: Db, r: RawModel): RegisteredModel {
  const { filesStamp: _stamp, ...model } = modelFromRow(r);
  return {
    ...model,
    createdAt: r.created_at,
    // rows analyses made for built-in names have no folder to lose
    available: isBuiltinName(r.dir) || existsSync(join(r.dir, 'config.json')),
    source: sourceOf(r),
    quality: modelQuality(db, model),
  };
}

/** What a pulled model is registered with; read from its files, not by loading its weights. */
export interface PulledModel {
  name: string;
  arch: string;
  dir: string;
  hash: string;
  labels: string[];
  inputSize: number;
  trainedMpp: number | null;
  source: ModelSource;
}

function readJsonObject(path: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function builtinModels(): BuiltinModel[] {
  return Object.keys(BUILTIN_CONFIGS).map((name) => {
    const config = builtinConfig(name as keyof typeof BUILTIN_CONFIGS);
    return {
      name,
      arch: config.model_type,
      inputSize: modelInputSize(standardPreprocessor(config)).height,
      config: { ...BUILTIN_CONFIGS[name as keyof typeof BUILTIN_CONFIGS] },
    };
  });
}

export class ModelRegistry {
  constructor(
    private readonly db: Db,
    /** The ONNX graph cache, told each imported checkpoint's hash. */
    private readonly cacheDir: string,
  ) {}

  list(): RegisteredModel[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY created_at DESC, id DESC').all() as RawModel[]).map((r) => toModel(this.db, r));
  }

  get(id: number): RegisteredModel | null {
    const r = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as RawModel | undefined;
    return r ? toModel(this.db, r) : null;
  }

  byName(name: string): RegisteredModel | null {
    const r = this.db.prepare('SELECT * FROM models WHERE name = ? ORDER BY id DESC LIMIT 1').get(name) as RawModel | undefined;
    return r ? toModel(this.db, r) : null;
  }

  detail(id: number): ModelDetail | null {
    const m = this.get(id);
    if (!m) return null;
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM analyses WHERE model_id = ?').get(id) as { n: number };
    const folder = m.available && !isBuiltinName(m.dir);
    return {
      ...m,
      config: folder ? readJsonObject(join(m.dir, 'config.json')) : null,
      preprocessor: folder ? readJsonObject(join(m.dir, 'preprocessor_config.json')) : null,
      hint: folder ? readJsonObject(join(m.dir, 'tessella_model.json')) : null,
      facts: null,
      analyses: n,
    };
  }

  /** Registers (or refreshes) the checkpoint folder `path` under `name` (default: the folder's name). */
  async import(path: string, name?: string): Promise<RegisteredModel> {
    const given = resolve(path);
    if (!existsSync(given)) throw new DomainError('not-found', `${path}: no such folder`);
    if (!statSync(given).isDirectory()) throw new DomainError('invalid-input', `${path}: not a folder; give the checkpoint folder holding config.json`);
    const dir = modelFolderOf(given);
    const modelName = name ?? basename(given);
    const taken = this.db.prepare('SELECT dir FROM models WHERE name = ? AND dir <> ?').get(modelName, dir) as { dir: string } | undefined;
    if (taken) throw new DomainError('conflict', `a model named "${modelName}" is already registered (${taken.dir}); choose another name`);
    // Imported here: checkpoint.ts brings TensorFlow.js, which hosts should not pay for at start-up.
    const { loadCheckpoint } = await import('../ml/models/checkpoint.js');
    const stamp = await checkpointStamp(dir);
    let ck: Checkpoint;
    try {
      ck = await loadCheckpoint(dir);
    } catch (e) {
      throw new DomainError('corrupt', (e as Error).message, 'invalid-checkpoint');
    }
    const labels = labelList(ck.id2label);
    this.db
      .prepare(
        `INSERT INTO models (name, arch, dir, checkpoint_hash, labels_json, input_size)
         VALUES (@name, @arch, @dir, @hash, @labels, @inputSize)
         ON CONFLICT(dir) DO UPDATE SET name = excluded.name, arch = excluded.arch, checkpoint_hash = excluded.checkpoint_hash,
           labels_json = excluded.labels_json, input_size = excluded.input_size`,
      )
      .run({ name: modelName, arch: ck.arch, dir, hash: ck.hash, labels: JSON.stringify(labels), inputSize: modelInputSize(ck.preprocessor).height });
    await rememberCheckpoint(dir, ck, stamp, { cacheDir: this.cacheDir });
    const row = this.db.prepare('SELECT * FROM models WHERE dir = ?').get(dir) as RawModel;
    return toModel(this.db, row);
  }

  /**
   * Registers a folder pulled from the Hub. Its weights are not loaded here (a ViT-g is gigabytes
   * and its loader may live elsewhere): `hash` is a key over the verified files, and the files
   * stamp stays empty so the first analysis hashes the checkpoint as the loader sees it.
   */
  registerPulled(m: PulledModel): RegisteredModel {
    this.db
      .prepare(
        `INSERT INTO models (name, arch, dir, checkpoint_hash, labels_json, input_size, trained_mpp, source_json)
         VALUES (@name, @arch, @dir, @hash, @labels, @inputSize, @trainedMpp, @source)
         ON CONFLICT(dir) DO UPDATE SET source_json = excluded.source_json,
           trained_mpp = COALESCE(models.trained_mpp, excluded.trained_mpp)`,
      )
      .run({ ...m, labels: JSON.stringify(m.labels), source: JSON.stringify(m.source) });
    return toModel(this.db, this.db.prepare('SELECT * FROM models WHERE dir = ?').get(m.dir) as RawModel);
  }

  /** Unregisters a model; one with analyses only with `force` (its analyses go with it). */
  remove(id: number, force = false): { removed: boolean; analysesRemoved: number } {
    if (!this.get(id)) return { removed: false, analysesRemoved: 0 };
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM analyses WHERE model_id = ?').get(id) as { n: number };
    if (n > 0 && !force) throw new DomainError('conflict', `model ${id} has ${n} stored ${n === 1 ? 'analysis' : 'analyses'}; remove with force to delete them too`);
    // analyses.model_id cascades
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
    return { removed: true, analysesRemoved: n };
  }
}
