/**
 * Pooled embeddings of image files for researchers' own analyses: `F.npy` (float32 [images, dim];
 * ViT: the CLS token after the final layernorm, ResNet: the global-average-pooled last stage)
 * and `F.csv`, whose row i names the file (and class folder) behind row i of the array.
 */
import { writeFile } from 'node:fs/promises';
import type { LoadOptions } from '../models/checkpoint.js';
import type { Precision } from '../emit/quantize.js';
import { type EngineName, openRunner, type RunnerInfo } from './engine-runner.js';
import { NpyWriter } from './npy.js';
import { runFiles } from './predict.js';
import { csvField } from '../../csv-format.js';

export interface FeatureItem {
  file: string;
  /** The class folder it came from (`--data`), if any. */
  label?: string | null;
}

export interface FeatureOptions {
  engine?: EngineName;
  batchSize?: number;
  cacheDir?: string;
  load?: LoadOptions;
  executionProviders?: string[];
  /** onnx: fp32 (default) or int8. */
  precision?: Precision;
  onProgress?: (done: number, total: number) => void;
}

export interface FeatureExport {
  npy: string;
  csv: string;
  rows: number;
  dim: number;
  model: { hash: string; arch: string };
  engine: RunnerInfo;
}

/** `out` names the array; the index sits next to it with .csv (`feats` -> feats.npy, feats.csv). */
export function featurePaths(out: string): { npy: string; csv: string } {
  const stem = out.replace(/\.npy$/i, '');
  return { npy: `${stem}.npy`, csv: `${stem}.csv` };
}

export function featureIndexCsv(items: FeatureItem[]): string {
  const labelled = items.some((it) => it.label != null);
  const rows = items.map((it, i) => [String(i), csvField(it.file), ...(labelled ? [csvField(it.label ?? '')] : [])].join(','));
  return [['index', 'file', ...(labelled ? ['label'] : [])].join(','), ...rows].join('\n') + '\n';
}

export async function exportFeatures(modelRef: string, items: FeatureItem[], out: string, opts: FeatureOptions = {}): Promise<FeatureExport> {
  if (items.length === 0) throw new Error('no images to embed');
  const paths = featurePaths(out);
  const runner = await openRunner(modelRef, { engine: opts.engine ?? 'onnx', cacheDir: opts.cacheDir, load: opts.load, executionProviders: opts.executionProviders, precision: opts.precision, images: items.length });
  // The width is the model's: known for certain once the first image has been through it.
  const sink: { writer?: NpyWriter } = {};
  try {
    await runFiles(
      runner,
      items.map((it) => it.file),
      opts.batchSize ?? 8,
      async (_file, _i, o) => {
        sink.writer ??= await NpyWriter.create(paths.npy, items.length, o.features.length);
        await sink.writer.write(o.features);
      },
      opts.onProgress,
    );
    await sink.writer!.close();
  } catch (e) {
    await sink.writer?.abort();
    throw e;
  } finally {
    await runner.dispose();
  }
  await writeFile(paths.csv, featureIndexCsv(items));
  const w = sink.writer!;
  return { npy: paths.npy, csv: paths.csv, rows: w.rows, dim: w.cols, model: { hash: runner.hash, arch: runner.arch }, engine: runner.info };
}
