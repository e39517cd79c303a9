/**
 * Turning a training request into a queued run: defaults that depend on other fields, the
 * dataset (importing a folder given as `data`), the starting checkpoint checked, and the row.
 * Runs in the launching process; the worker reads everything back from the database.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BUILTIN_ARCHS, TrainConfig, type PreflightFinding, type ResolvedTrainConfig, type TrainConfigInput } from '../../shared/contract/training.js';
import { isBuiltinName } from '../ml/models/configs.js';
import { DEFAULT_CS } from './heads/fit.js';
import { DomainError, parseJsonFile } from '../errors.js';
import { importDataset, type ImportHooks } from '../datasets/import.js';
import { datasetLabels } from '../datasets/query.js';
import { runSplitImages } from './run-splits.js';
import { preflightTraining, throwOnPreflightErrors } from './preflight.js';
import type { Db } from '../store/db.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { RunsRepo } from '../store/runs-repo.js';

const DEFAULT_LR = { head: 1e-3, 'last-k': 3e-4, full: 1e-4 } as const;

export function resolveConfig(cfg: TrainConfig): ResolvedTrainConfig {
  const sgd = cfg.optimizer === 'sgd';
  const backbone = cfg.backbone !== undefined ? resolveBackbone(cfg.backbone) : undefined;
  // a backbone run is a head run; a logistic-regression head has one curve point per C
  const head = backbone !== undefined ? { mode: 'head' as const, head: cfg.head ?? ('logreg' as const), backbone, augment: null } : {};
  const sweep = backbone !== undefined && (cfg.head ?? 'logreg') === 'logreg' ? { cs: cfg.cs ?? DEFAULT_CS, epochs: (cfg.cs ?? DEFAULT_CS).length } : {};
  return {
    ...cfg,
    ...head,
    ...sweep,
    lr: cfg.lr ?? DEFAULT_LR[cfg.mode] * (sgd ? 10 : 1),
    weightDecay: cfg.weightDecay ?? (sgd ? 1e-4 : 0.05),
    ...(cfg.init ? { init: resolve(cfg.init) } : {}),
    ...(cfg.out ? { out: resolve(cfg.out) } : {}),
    ...(cfg.stain ? { stain: { ...cfg.stain, reference: resolve(cfg.stain.reference) } } : {}),
  };
}

/** A built-in name stays as it is; anything that exists on disk becomes an absolute path. */
function resolveBackbone(ref: string): string {
  return isBuiltinName(ref) && !existsSync(ref) ? ref : resolve(ref);
}

/** What a backbone run's arch column shows: the backbone's name (built-in or folder) and the head. */
async function backboneArch(ref: string, head: string): Promise<string> {
  if (isBuiltinName(ref) && !existsSync(ref)) return `${ref}+${head}`;
  if (!existsSync(ref)) throw new DomainError('not-found', `${ref}: no such backbone folder, and not a built-in architecture (${BUILTIN_ARCHS.join(', ')})`);
  if (!existsSync(join(ref, 'config.json'))) throw new DomainError('invalid-input', `${ref}: no config.json; not a checkpoint folder`);
  return `${basename(ref)}+${head}`;
}

/** The dataset a request names without importing anything: its id, or the folder already imported; null for a folder not imported yet. */
export function requestedDataset(db: Db, config: Pick<TrainConfig, 'datasetId' | 'data'>): number | null {
  if (config.datasetId !== undefined) {
    if (!new DatasetsRepo(db).get(config.datasetId)) throw new DomainError('not-found', `no dataset with id ${config.datasetId}`);
    return config.datasetId;
  }
  const dir = resolve(config.data!);
  return new DatasetsRepo(db).list().find((d) => d.source === 'folder' && d.root === dir)?.id ?? null;
}

/** The name a folder given as `data` is imported under: its own name, unless another source took it. */
function datasetNameFor(repo: DatasetsRepo, dir: string): string {
  const existing = repo.list().find((d) => d.source === 'folder' && d.root === dir);
  if (existing) return existing.name;
  const base = basename(dir) || 'dataset';
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!repo.byName(name)) return name;
  }
}

/** model_type of a checkpoint folder, for runs started from one without a built-in arch. */
async function checkpointArch(dir: string): Promise<string> {
  const f = join(dir, 'config.json');
  if (!existsSync(f)) throw new DomainError('invalid-input', `${dir}: no config.json; not a HuggingFace checkpoint folder`);
  const type = (parseJsonFile(await readFile(f, 'utf8'), f) as { model_type?: string }).model_type;
  if (type !== 'vit' && type !== 'resnet') throw new DomainError('invalid-input', `${dir}: model_type ${JSON.stringify(type)} is not supported (vit, resnet)`);
  return type;
}

export interface CreatedRun {
  runId: number;
  datasetId: number;
  /** Images the dataset import left out (unreadable files and the like). */
  skipped: { path: string; reason: string }[];
  /** Pre-flight warnings the run started despite (errors stop it before it exists). */
  warnings: PreflightFinding[];
}

export async function createRun(db: Db, input: TrainConfigInput, hooks: ImportHooks = {}): Promise<CreatedRun> {
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) throw new DomainError('invalid-input', `invalid training configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
  const config = resolveConfig(parsed.data);
  const datasets = new DatasetsRepo(db);
  let datasetId = config.datasetId;
  let skipped: { path: string; reason: string }[] = [];
  if (config.data !== undefined) {
    const dir = resolve(config.data);
    if (!existsSync(dir)) throw new DomainError('not-found', `${dir}: no such folder`);
    const summary = await importDataset(db, { path: dir, name: datasetNameFor(datasets, dir) }, hooks);
    datasetId = summary.id;
    skipped = summary.errors;
    config.data = dir;
  } else {
    skipped = datasets.errors(datasetId!);
  }
  const dataset = datasets.get(datasetId!);
  if (!dataset) throw new DomainError('not-found', `no dataset with id ${datasetId}`);
  const labels = datasetLabels(db, dataset.id);
  // a cross-validation fold trains on its fold's images, not the dataset's split: the pre-flight's split checks do not apply
  const findings = config.fold ? [] : preflightTraining(db, dataset.id, config);
  throwOnPreflightErrors(findings, dataset.name);
  if (config.fold) {
    const train = runSplitImages(db, dataset.id, config, 'train');
    if (labels.length < 2) throw new DomainError('invalid-input', `dataset "${dataset.name}" has ${labels.length} class(es); training needs at least 2`);
    if (train.length === 0) throw new DomainError('invalid-input', `dataset "${dataset.name}" has no labelled training images in fold ${config.fold.index}`);
  }
  if (config.init && !existsSync(config.init)) throw new DomainError('not-found', `${config.init}: no such checkpoint folder`);
  if (config.stain && !existsSync(config.stain.reference)) throw new DomainError('not-found', `${config.stain.reference}: no such reference image`);
  const arch = config.backbone !== undefined ? await backboneArch(config.backbone, config.head ?? 'logreg') : (config.arch ?? (await checkpointArch(config.init!)));
  const runId = new RunsRepo(db).create({
    name: config.name ?? null,
    datasetId: dataset.id,
    datasetName: dataset.name,
    arch,
    init: config.init ?? null,
    config: { ...config, datasetId: dataset.id },
    labels,
    pid: process.pid,
    skipped,
  });
  return { runId, datasetId: dataset.id, skipped, warnings: findings };
}

/** Where a run keeps its checkpoints, and the caches training shares across runs. */
export function runDir(runsRoot: string, runId: number): string {
  return join(runsRoot, String(runId));
}

export function trainCacheDir(homeRoot: string): string {
  return join(homeRoot, 'cache', 'training');
}
