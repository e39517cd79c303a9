/**
 * A head-mode cross-validation from request to stored group: the group written to `run_groups`
 * as running, every labelled image of the dataset (whatever its split) embedded once with the
 * frozen backbone (the embedding store makes this free after the first time), the folds fitted
 * by head-cv.ts and counted in the group as they go, the numbers stored at the end; a cancel or
 * a failure leaves the group so marked. `tessella train --cv` runs this in its own process, the
 * app in a worker process (cv-worker.ts).
 */
import type { RunGroup, StartGroupInput } from '../../../shared/contract/run-groups.js';
import type { HeadKind, StainConfig } from '../../../shared/contract/training.js';
import { datasetLabelledImages } from '../../datasets/folds.js';
import { datasetLabels } from '../../datasets/query.js';
import { DomainError } from '../../errors.js';
import { embeddingCacheRoot } from '../../ml/infer/embedding-store.js';
import { embedFiles } from '../../ml/infer/embed-files.js';
import { onnxCacheDir } from '../../ml/model-cache.js';
import type { Db } from '../../store/db.js';
import { DatasetsRepo } from '../../store/datasets-repo.js';
import { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { backboneSeed } from '../head-trainer.js';
import { fitStain } from '../../ml/preprocess/stain.js';
import { crossValidateHeads, type CvData, type HeadCvOptions } from './head-cv.js';
import { assertCrossValidationPlan, sweepGrid } from './preflight.js';

/** A cross-validation of heads as asked for: the fold settings of crossValidateHeads, on a dataset and a backbone. */
export interface HeadCvRequest extends Omit<HeadCvOptions, 'kind' | 'labels' | 'onFold'> {
  datasetId: number;
  /** Built-in name or absolute checkpoint folder. */
  backbone: string;
  head: HeadKind;
  name?: string;
  /** Stain normalisation fitted to a reference image, applied before the backbone. */
  stain?: StainConfig;
}

/** The request of a `training.startGroup` call in head mode. */
export function headCvRequest(input: StartGroupInput): HeadCvRequest {
  const { sweep, mode: _mode, train: _train, backbone, ...rest } = input;
  if (backbone === undefined) throw new DomainError('invalid-input', 'a head cross-validation needs a backbone');
  return { ...rest, backbone, grid: sweepGrid(input, sweep) };
}

/**
 * Checks the request (preflight.ts) and writes its group as running by process `pid`; the
 * group's id. A request the checks refuse throws their first error and writes nothing.
 */
export function startHeadCvGroup(db: Db, req: HeadCvRequest, pid = process.pid): number {
  if (req.grid.length === 0) throw new DomainError('invalid-input', 'the sweep grid is empty');
  assertCrossValidationPlan(db, { datasetId: req.datasetId, folds: req.folds, repeats: req.repeats, gridPoints: req.grid.length });
  const dataset = new DatasetsRepo(db).get(req.datasetId)!;
  return new RunGroupsRepo(db).start({
    name: req.name ?? null,
    kind: req.grid.length > 1 ? 'sweep' : 'cv',
    mode: 'head',
    head: req.head,
    backbone: req.backbone,
    datasetId: dataset.id,
    datasetName: dataset.name,
    folds: req.folds,
    repeats: req.repeats,
    seed: req.seed,
    monitor: req.monitor,
    config: { ...req },
    total: req.folds * req.repeats * req.grid.length,
    pid,
  });
}

/**
 * The request a stored head group was started with: what a resume runs again. A head group keeps
 * its folds' numbers only at its end, so a resume fits every head again, on the embeddings the
 * embedding store already holds (content-keyed: nothing is embedded twice); heads are fitted in
 * seconds and deterministically, so the resumed group's numbers are exactly an uninterrupted one's.
 */
export function storedHeadCvRequest(db: Db, groupId: number): HeadCvRequest {
  const repo = new RunGroupsRepo(db);
  const g = repo.get(groupId);
  const config = repo.config(groupId);
  if (!g || !config) throw new DomainError('not-found', `no cross-validation or sweep with id ${groupId}`);
  if (g.mode !== 'head') throw new DomainError('invalid-input', `group ${groupId} trains a run per fold (${g.mode}), not heads`);
  return config as unknown as HeadCvRequest;
}

export interface HeadCvHooks {
  /** The group startHeadCvGroup wrote; without one it is written here. */
  groupId?: number;
  /** onnxruntime providers for the backbone's embeddings (the engine.provider choice); default cpu. */
  executionProviders?: string[];
  signal?: AbortSignal;
  onEmbed?: (done: number, total: number) => void;
  onFold?: (done: number, total: number) => void;
}

export interface HeadCvOutcome {
  group: RunGroup;
  embeddings: { backboneHash: string; dim: number; images: number; computed: number; seconds: number };
  skipped: { path: string; reason: string }[];
}

export async function runHeadCrossValidation(db: Db, homeRoot: string, req: HeadCvRequest, hooks: HeadCvHooks = {}): Promise<HeadCvOutcome> {
  const groupId = hooks.groupId ?? startHeadCvGroup(db, req);
  const repo = new RunGroupsRepo(db);
  try {
    const out = await crossValidate(db, homeRoot, req, groupId, hooks);
    return { ...out, group: repo.get(groupId)! };
  } catch (e) {
    if (hooks.signal?.aborted || (e instanceof DomainError && e.kind === 'cancelled')) repo.stop(groupId, 'cancelled');
    else repo.stop(groupId, 'failed', (e as Error).message);
    throw e;
  }
}

async function crossValidate(db: Db, homeRoot: string, req: HeadCvRequest, groupId: number, hooks: HeadCvHooks): Promise<Omit<HeadCvOutcome, 'group'>> {
  const dataset = new DatasetsRepo(db).get(req.datasetId);
  if (!dataset) throw new DomainError('not-found', `no dataset with id ${req.datasetId}`);
  const labels = datasetLabels(db, dataset.id);
  const images = datasetLabelledImages(db, dataset.id);
  const repo = new RunGroupsRepo(db);

  const stain = req.stain ? await fitStain(req.stain) : undefined;
  const t0 = Date.now();
  const emb = await embedFiles(
    req.backbone,
    images.map((i) => i.path),
    {
      storeRoot: embeddingCacheRoot(homeRoot),
      engineCacheDir: onnxCacheDir(homeRoot),
      ...(hooks.executionProviders ? { executionProviders: hooks.executionProviders } : {}),
      load: { seed: backboneSeed(req.backbone, req.seed) },
      stain,
      signal: hooks.signal,
      onProgress: hooks.onEmbed,
    },
  );
  if (hooks.signal?.aborted) throw new DomainError('cancelled', `cross-validation on "${dataset.name}" was cancelled`);
  const seconds = (Date.now() - t0) / 1000;
  const d = emb.backbone.dim;
  const keep = images.flatMap((img, i) => (emb.embeddings[i] ? [{ img, e: emb.embeddings[i]! }] : []));
  const data: CvData = {
    x: new Float32Array(keep.length * d),
    n: keep.length,
    d,
    y: Int32Array.from(keep, (r) => r.img.labelIndex),
    items: keep.map((r) => ({ key: r.img.path, label: r.img.labelIndex, group: r.img.group, cluster: r.img.duplicateGroup ?? -1 })),
  };
  keep.forEach((r, i) => data.x.set(r.e, i * d));

  const cv = await crossValidateHeads(data, {
    kind: req.head,
    labels,
    folds: req.folds,
    repeats: req.repeats,
    seed: req.seed,
    monitor: req.monitor,
    balance: req.balance,
    cs: req.cs,
    hidden: req.hidden,
    lr: req.lr,
    weightDecay: req.weightDecay,
    epochs: req.epochs,
    patience: req.patience,
    grid: req.grid,
    onFold: (done, total) => {
      repo.progress(groupId, done, total);
      hooks.onFold?.(done, total);
      return !hooks.signal?.aborted;
    },
  });
  if (cv.cancelled) throw new DomainError('cancelled', `cross-validation on "${dataset.name}" was cancelled`);
  repo.complete(groupId, { points: cv.points, best: cv.best, results: cv.results, pooledTest: cv.pooledTest });
  return {
    embeddings: { backboneHash: emb.backbone.hash, dim: d, images: keep.length, computed: emb.computed, seconds },
    skipped: emb.skipped,
  };
}
