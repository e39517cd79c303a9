/**
 * A head-mode cross-validation from request to stored group: every labelled image of the dataset
 * (whatever its split) embedded once with the frozen backbone (the embedding store makes this
 * free after the first time), the folds fitted by head-cv.ts, the group written to `run_groups`.
 */
import type { RunGroup } from '../../../shared/contract/run-groups.js';
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

export interface HeadCvHooks {
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
  const dataset = new DatasetsRepo(db).get(req.datasetId);
  if (!dataset) throw new DomainError('not-found', `no dataset with id ${req.datasetId}`);
  const labels = datasetLabels(db, dataset.id);
  if (labels.length < 2) throw new DomainError('invalid-input', `dataset "${dataset.name}" has ${labels.length} class(es); cross-validation needs at least 2`);
  const images = datasetLabelledImages(db, dataset.id);
  if (images.length < req.folds) throw new DomainError('invalid-input', `dataset "${dataset.name}" has ${images.length} labelled image(s), fewer than the ${req.folds} folds`);

  const stain = req.stain ? await fitStain(req.stain) : undefined;
  const t0 = Date.now();
  const emb = await embedFiles(
    req.backbone,
    images.map((i) => i.path),
    {
      storeRoot: embeddingCacheRoot(homeRoot),
      engineCacheDir: onnxCacheDir(homeRoot),
      load: { seed: backboneSeed(req.backbone, req.seed) },
      stain,
      signal: hooks.signal,
      onProgress: hooks.onEmbed,
    },
  );
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

  const cv = crossValidateHeads(data, {
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
      hooks.onFold?.(done, total);
      return !hooks.signal?.aborted;
    },
  });
  if (cv.cancelled) throw new DomainError('cancelled', `cross-validation on "${dataset.name}" was cancelled`);

  const repo = new RunGroupsRepo(db);
  const fields = {
    name: req.name ?? null,
    kind: req.grid.length > 1 ? ('sweep' as const) : ('cv' as const),
    mode: 'head' as const,
    head: req.head,
    backbone: req.backbone,
    datasetId: dataset.id,
    datasetName: dataset.name,
    folds: req.folds,
    repeats: req.repeats,
    seed: req.seed,
    monitor: req.monitor,
    points: cv.points,
    best: cv.best,
    results: cv.results,
    pooledTest: cv.pooledTest,
  };
  const id = repo.create({ ...fields, config: { ...req } });
  return {
    group: repo.get(id)!,
    embeddings: { backboneHash: emb.backbone.hash, dim: d, images: keep.length, computed: emb.computed, seconds },
    skipped: emb.skipped,
  };
}
