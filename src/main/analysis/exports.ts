/**
 * What an analysis writes for other tools: tiles.csv (one row per classified tile), tiles.geojson
 * (QuPath: a FeatureCollection of `tile` objects in level-0 pixels, classified, with per-class
 * probabilities as measurements), heatmap.png (aligned to the slide thumbnail) and summary.json.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ColormapName } from '../../shared/colormaps.js';
import type { Analysis, SlideLabel } from '../../shared/contract/analysis.js';
import { csvText } from '../csv-format.js';
import type { PredictionRow } from '../store/analysis-repo.js';
import { thumbnailSize } from '../slides/thumbnail.js';
import { classColor } from './colormap.js';
import { heatmapPng, heatValues } from './heatmap.js';

/** The library's thumbnail side (SlideLibrary's THUMBNAIL_SIZE): heatmaps come out the same size. */
export const HEATMAP_SIZE = 512;

/** Probabilities to 6 decimals: float32 carries about 7 significant digits. */
const num = (v: number) => +v.toFixed(6);

/** One row per classified tile, in the stored (row-major) order. */
export function tilesCsv(tiles: PredictionRow[], labels: string[], eol: '\n' | '\r\n' = '\n'): string {
  return csvText(
    ['x', 'y', 'width', 'height', 'tissue', 'label', ...labels.map((l) => `p_${l}`)],
    tiles.map((t) => [t.x, t.y, t.w, t.h, num(t.tissue), labels[t.label], ...Array.from(t.probs, num)]),
    eol,
  );
}

/** Name of the tissue-fraction measurement (a class of that name would be listed twice otherwise). */
export const TISSUE_MEASUREMENT = 'Tissue fraction';

/**
 * A UUID (version 5 layout) from the analysis and the tile's corner: the same tile keeps its id
 * across exports, so importing a re-export into QuPath or Tessella replaces instead of duplicating.
 */
export function tileId(scope: string, x: number, y: number): string {
  const h = createHash('sha1').update(`${scope}:${x},${y}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `scope` names the analysis (e.g. slide hash + checkpoint hash + parameters) for the tile ids. */
export function tilesGeoJson(tiles: PredictionRow[], labels: string[], scope: string): string {
  const features = tiles.map((t) => ({
    type: 'Feature',
    id: tileId(scope, t.x, t.y),
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [t.x, t.y],
          [t.x + t.w, t.y],
          [t.x + t.w, t.y + t.h],
          [t.x, t.y + t.h],
          [t.x, t.y],
        ],
      ],
    },
    properties: {
      objectType: 'tile',
      classification: { name: labels[t.label]!, color: classColor(t.label) },
      isLocked: false,
      measurements: { ...Object.fromEntries(labels.map((l, c) => [l, num(t.probs[c]!)])), [TISSUE_MEASUREMENT]: num(t.tissue) },
    },
  }));
  return JSON.stringify({ type: 'FeatureCollection', features }) + '\n';
}

export interface HeatmapImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Class `c` over the whole slide at thumbnail size. */
export async function slideHeatmap(tiles: PredictionRow[], c: number, slide: { width: number; height: number }, maxSize = HEATMAP_SIZE, colormap?: ColormapName): Promise<HeatmapImage> {
  const size = thumbnailSize(slide.width, slide.height, maxSize);
  return { png: await heatmapPng(heatValues(tiles, c, slide, size), size.width, size.height, colormap), ...size };
}

export interface ExportFiles {
  dir: string;
  heatmap: string;
  csv: string;
  geojson: string;
  summary: string;
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export async function writeExports(
  dirIn: string,
  a: Analysis,
  slide: { path: string; name: string; width: number; height: number },
  tiles: PredictionRow[],
  label: SlideLabel,
  opts: { heatmapClass?: string; extra?: Record<string, unknown> } = {},
): Promise<ExportFiles> {
  const labels = a.model.labels;
  const heatClass = opts.heatmapClass ?? label.slideLabel ?? labels[0]!;
  const c = labels.indexOf(heatClass);
  if (c < 0) throw new Error(`heatmap class "${heatClass}" is not one of the model's labels (${labels.join(', ')})`);
  const dir = resolve(dirIn);
  await mkdir(dir, { recursive: true });
  const files: ExportFiles = {
    dir,
    heatmap: join(dir, 'heatmap.png'),
    csv: join(dir, 'tiles.csv'),
    geojson: join(dir, 'tiles.geojson'),
    summary: join(dir, 'summary.json'),
  };
  const heat = await slideHeatmap(tiles, c, slide);
  const summary = {
    slide: { path: slide.path, name: slide.name, width: slide.width, height: slide.height },
    model: a.model,
    analysisId: a.id,
    params: a.params,
    grid: a.grid,
    tiles: a.grid?.tiles ?? null,
    ...label,
    heatmap: { class: heatClass, width: heat.width, height: heat.height, alignedTo: `slide thumbnail (${HEATMAP_SIZE} px on the long side)` },
    ...(a.summary ? { seconds: a.summary.seconds, tilesPerSecond: a.summary.tilesPerSecond } : {}),
    ...opts.extra,
  };
  await Promise.all([
    writeAtomic(files.heatmap, heat.png),
    writeAtomic(files.csv, tilesCsv(tiles, labels)),
    writeAtomic(files.geojson, tilesGeoJson(tiles, labels, `${a.slideId}:${a.model.hash}:${JSON.stringify(a.params)}`)),
    writeAtomic(files.summary, JSON.stringify(summary, null, 2) + '\n'),
  ]);
  return files;
}
