/**
 * Explanations as the contract returns them: for an image file (the map over the image the model
 * saw, after its processor's resize and crop) or for a slide region (tiles of the analysis grid,
 * each explained, stitched, and drawn over the region).
 */
import type { ExplainResult } from '../../shared/contract/analysis.js';
import { invalidInput } from '../errors.js';
import { prepareImage } from '../ml/models/model-input.js';
import { decodeImage, rescaleNormalize } from '../ml/models/processors.js';
import type { SlideReader } from '../slides/reader.js';
import { backgroundOf, readScaled } from '../slides/tile-service.js';
import { thumbnailLevel } from '../slides/thumbnail.js';
import { normalized, type Explainer } from './explain.js';
import { overlayPng, resizeRgb, upsample } from './explain-render.js';
import { argmax } from './probs.js';
import { tileBatch } from './tile-pixels.js';
import { planGrid } from './tiling.js';

/** Images smaller than this are shown enlarged. */
const MIN_DISPLAY = 224;
/** Longest side of a region's picture. */
const MAX_REGION_DISPLAY = 1024;
export const MAX_REGION_TILES = 256;
const BATCH = 4;

function targetIndex(target: string | number | undefined, labels: string[]): number | undefined {
  if (target === undefined) return undefined;
  const c = typeof target === 'number' ? target : labels.indexOf(target);
  if (c < 0 || c >= labels.length) throw invalidInput(`target class ${JSON.stringify(target)} is not one of the model's labels (${labels.join(', ')})`);
  return c;
}

function probabilities(labels: string[], probs: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(labels.map((l, c) => [l, probs[c]!]));
}

export async function explainImage(ex: Explainer, input: string | Buffer, target?: string | number): Promise<ExplainResult> {
  const seen = prepareImage(await decodeImage(input), ex);
  if (seen.width !== ex.inputSize || seen.height !== ex.inputSize) throw new Error(`the processor made ${seen.width}x${seen.height}, the model takes ${ex.inputSize}`);
  const [r] = await ex.explain(rescaleNormalize(seen, ex.preprocessor), 1);
  const predicted = argmax(r!.probs);
  const c = targetIndex(target, ex.labels) ?? predicted;
  const main = r!.mainMap(c);
  const scale = Math.max(1, Math.ceil(MIN_DISPLAY / ex.inputSize));
  const shown = await resizeRgb(seen, seen.width * scale, seen.height * scale);
  const maps = [main, ...r!.headMaps].map((m) => ({ name: m.name, rows: m.rows, cols: m.cols, values: normalized(m.values) }));
  const png = await overlayPng(shown, upsample(maps[0]!, shown.width, shown.height));
  return {
    method: r!.method,
    label: ex.labels[predicted]!,
    target: ex.labels[c]!,
    probabilities: probabilities(ex.labels, r!.probs),
    maps,
    width: shown.width,
    height: shown.height,
    png: png.toString('base64'),
    extent: null,
    tiles: 1,
  };
}

export async function explainRegion(
  ex: Explainer,
  reader: SlideReader,
  slideMpp: number,
  targetMpp: number,
  region: { x: number; y: number; w: number; h: number },
  target?: string | number,
): Promise<ExplainResult> {
  const meta = reader.metadata;
  if (region.x >= meta.width || region.y >= meta.height) throw invalidInput(`the region starts outside the ${meta.width} x ${meta.height} slide`);
  const g = planGrid(meta, slideMpp, targetMpp, ex.inputSize, 0);
  const t = g.tileSize;
  const c0 = Math.floor(region.x / t);
  const r0 = Math.floor(region.y / t);
  const c1 = Math.floor((Math.min(meta.width, region.x + region.w) - 1) / t);
  const r1 = Math.floor((Math.min(meta.height, region.y + region.h) - 1) / t);
  const cols = c1 - c0 + 1;
  const rows = r1 - r0 + 1;
  if (cols * rows > MAX_REGION_TILES) {
    throw invalidInput(`the region spans ${cols * rows} tiles at ${targetMpp} µm/px; explain at most ${MAX_REGION_TILES} at once (a smaller region)`);
  }
  const tiles: { x: number; y: number }[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) tiles.push({ x: c * t, y: r * t });
  const results = [];
  for (let i = 0; i < tiles.length; i += BATCH) {
    const batch = tiles.slice(i, i + BATCH);
    results.push(...(await ex.explain(await tileBatch(reader, ex, { level: g.level, readSize: g.readSize, inputSize: ex.inputSize }, batch), batch.length)));
  }
  // One class for the whole region: the asked one, else the one most tiles predict.
  const votes = new Array<number>(ex.labels.length).fill(0);
  const meanProbs = new Array<number>(ex.labels.length).fill(0);
  for (const r of results) {
    votes[argmax(r.probs)]! += 1;
    r.probs.forEach((p, c) => (meanProbs[c]! += p / results.length));
  }
  const c = targetIndex(target, ex.labels) ?? argmax(votes);
  const first = results[0]!.mainMap(c);
  const stitched = { rows: rows * first.rows, cols: cols * first.cols, values: new Float32Array(rows * first.rows * cols * first.cols) };
  results.forEach((r, i) => {
    const m = r.mainMap(c);
    const tr = Math.floor(i / cols);
    const tc = i % cols;
    for (let y = 0; y < m.rows; y++) for (let x = 0; x < m.cols; x++) stitched.values[(tr * m.rows + y) * stitched.cols + tc * m.cols + x] = m.values[y * m.cols + x]!;
  });
  const values = normalized(stitched.values);

  const extent = { x: c0 * t, y: r0 * t, w: cols * t, h: rows * t };
  const scale = Math.min(1, MAX_REGION_DISPLAY / Math.max(extent.w, extent.h));
  const width = Math.max(1, Math.round(extent.w * scale));
  const height = Math.max(1, Math.round(extent.h * scale));
  const level = thumbnailLevel(
    meta.levels.map((l) => ({ ...l, width: Math.round(extent.w / l.downsample), height: Math.round(extent.h / l.downsample) })),
    width,
    height,
  );
  const ds = meta.levels[level]!.downsample;
  const img = await readScaled(reader, { slideLevel: level, x: extent.x, y: extent.y, readWidth: Math.round(extent.w / ds), readHeight: Math.round(extent.h / ds), width, height }, backgroundOf(reader));
  const { data } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const png = await overlayPng({ width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, upsample({ ...stitched, values }, width, height));
  return {
    method: results[0]!.method,
    label: ex.labels[argmax(votes)]!,
    target: ex.labels[c]!,
    probabilities: probabilities(ex.labels, meanProbs),
    maps: [{ name: first.name, rows: stitched.rows, cols: stitched.cols, values }],
    width,
    height,
    png: png.toString('base64'),
    extent,
    tiles: tiles.length,
  };
}
