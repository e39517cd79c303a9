/**
 * A dataset's map: every image embedded by a backbone (through the embedding store, so a second
 * map, a head run or a sweep on the same images embeds nothing again), laid out in 2-D by UMAP,
 * with what each point can be coloured by: label, split, duplicate group, the latest prediction.
 * Clicking a point opens its image; mislabelled patches sit inside another class's cluster and
 * batch effects show as clusters by source instead of by class.
 *
 * Large datasets are mapped on a stable sample (the repository's content-hash order), so the
 * same dataset gives the same map and the layout stays within seconds.
 */
import type { DatasetMap } from '../../shared/contract/datasets.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { embedFiles } from '../ml/infer/embed-files.js';
import { embeddingCacheRoot } from '../ml/infer/embedding-store.js';
import { resolveModelRef } from '../ml/hub/resolve.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { DatasetsRepo } from '../store/datasets-repo.js';
import { ImagePredictionsRepo } from '../store/image-predictions-repo.js';
import { umapInWorker } from './layout-in-worker.js';

export const DEFAULT_MAP_POINTS = 10_000;

export interface MapHooks {
  /** onnxruntime providers for the backbone (the engine.provider choice, engine/providers.ts); default cpu. */
  executionProviders?: string[];
  signal?: AbortSignal;
  onProgress?(phase: 'embed' | 'layout', done: number, total: number): void;
}

export async function mapDataset(
  ctx: Pick<AppContext, 'db' | 'home'>,
  datasetId: number,
  backbone: string,
  opts: { maxPoints?: number; seed?: number } & MapHooks = {},
): Promise<DatasetMap> {
  const started = performance.now();
  const repo = new DatasetsRepo(ctx.db);
  const dataset = repo.get(datasetId);
  if (!dataset) throw new DomainError('not-found', `no dataset with id ${datasetId}`);
  const maxPoints = opts.maxPoints ?? DEFAULT_MAP_POINTS;
  const predictions = new ImagePredictionsRepo(ctx.db).set(datasetId, undefined);
  const page = repo.images({ datasetId, order: 'sample', offset: 0, limit: maxPoints, predictions });
  if (page.items.length === 0) throw new DomainError('invalid-input', `dataset "${dataset.name}" has no images to map`);

  const emb = await embedFiles(
    resolveModelRef(backbone, ctx.home.models),
    page.items.map((i) => i.path),
    {
      storeRoot: embeddingCacheRoot(ctx.home.root),
      engineCacheDir: onnxCacheDir(ctx.home.root),
      ...(opts.executionProviders ? { executionProviders: opts.executionProviders } : {}),
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.('embed', done, total),
    },
  );
  const kept = page.items.map((item, i) => ({ item, e: emb.embeddings[i] })).filter((r) => r.e !== null);
  if (kept.length === 0) throw new DomainError('invalid-input', `none of the images of "${dataset.name}" could be read`);
  const dim = emb.backbone.dim;
  const data = new Float32Array(kept.length * dim);
  kept.forEach((r, i) => data.set(r.e!, i * dim));
  const coords = await umapInWorker(
    { data, n: kept.length, dim, seed: opts.seed ?? 42 },
    { signal: opts.signal, onProgress: (epoch, epochs) => opts.onProgress?.('layout', epoch, epochs) },
  );
  return {
    datasetId,
    backbone: { ref: backbone, hash: emb.backbone.hash, dim },
    predictionModel: predictions?.model ?? null,
    total: page.total,
    points: kept.map(({ item }, i) => ({
      imageId: item.id,
      path: item.path,
      label: item.label,
      split: item.split,
      duplicateGroup: item.duplicateGroup,
      predicted: item.prediction?.label ?? null,
      x: coords[2 * i]!,
      y: coords[2 * i + 1]!,
    })),
    skipped: emb.skipped,
    computed: emb.computed,
    seconds: (performance.now() - started) / 1000,
  };
}
