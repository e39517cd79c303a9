/**
 * Labelled training patches from annotated regions: a grid at the requested resolution over each
 * classified area annotation (Polygon/MultiPolygon; points and lines enclose nothing), keeping
 * patches whose centre lies inside the region (holes excluded) and that show tissue, written as
 * PNG under <out>/<class>/<slide>_<x>_<y>.png with x, y the level-0 top-left.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Geometry } from '../../shared/contract/annotations.js';
import type { AppContext } from '../app-context.js';
import { SlideError, type SlideLevel } from '../slides/reader.js';
import { polygonsOf, regionContains, type PolygonRings } from './geometry.js';
import { annotationService } from './service.js';
import { DEFAULT_MIN_TISSUE, tissueFraction } from './tissue.js';

export interface ExtractOptions {
  slideIds: number[];
  /** Target resolution, µm per pixel of the written patches. */
  mpp: number;
  /** Side of the written patches, pixels. */
  size: number;
  /** Patches go to <outDir>/<class>/; see extractedDatasetDir for the data-home default. */
  outDir: string;
  /** Grid step in output pixels; `size` (no overlap) unless given. */
  stride?: number;
  /** Fraction of tissue pixels a patch needs (see tissue.ts). */
  minTissue?: number;
  /** Only regions of these classes; all classified regions when absent. */
  classes?: string[];
  /** At most this many patches in all (the first in slide, region, row order). */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface ExtractedPatch {
  file: string;
  label: string;
  slideId: number;
  /** Level-0 top-left of the patch. */
  x: number;
  y: number;
  /** Level-0 extent that was read (≈ size * mpp / slide mpp). */
  width0: number;
  height0: number;
  mpp: number;
  annotationId: string;
  tissue: number;
}

export interface SlideExtraction {
  slideId: number;
  slide: string;
  /** Pyramid level read from, and its region size before resizing to `size`. */
  level: number;
  readWidth: number;
  readHeight: number;
  regions: number;
  candidates: number;
  written: number;
  rejectedGlass: number;
}

export interface ExtractResult {
  outDir: string;
  mpp: number;
  size: number;
  patches: ExtractedPatch[];
  slides: SlideExtraction[];
  /** Area annotations without a class: no label to give their patches. */
  skippedUnclassified: number;
}

/** Where extracted patches of a named dataset live in the data home. */
export function extractedDatasetDir(ctx: AppContext, datasetName: string): string {
  return join(ctx.home.root, 'datasets', 'extracted', safeName(datasetName));
}

interface Candidate {
  x: number;
  y: number;
  label: string;
  annotationId: string;
}

interface SlidePlan {
  slideId: number;
  fileStem: string;
  level: number;
  downsample: number;
  readW: number;
  readH: number;
  summary: SlideExtraction;
  candidates: Candidate[];
}

/**
 * Extract patches; `onExtracted` (e.g. adding them to a dataset) runs once all are written.
 * Every slide is checked (mpp known, level chosen) before any file is written.
 */
export async function extractPatches(
  ctx: AppContext,
  opts: ExtractOptions,
  onExtracted?: (patches: ExtractedPatch[], result: ExtractResult) => void | Promise<void>,
): Promise<ExtractResult> {
  const { mpp, size } = opts;
  const stride = opts.stride ?? size;
  const minTissue = opts.minTissue ?? DEFAULT_MIN_TISSUE;
  if (!(mpp > 0)) throw new SlideError('mpp must be a positive number of µm per pixel', 'bad-request');
  if (!Number.isInteger(size) || size < 8 || size > 4096) throw new SlideError('patch size must be an integer from 8 to 4096 pixels', 'bad-request');
  if (!Number.isInteger(stride) || stride < 1) throw new SlideError('stride must be a positive integer number of pixels', 'bad-request');
  if (!(minTissue >= 0 && minTissue <= 1)) throw new SlideError('minTissue must be a fraction from 0 to 1', 'bad-request');
  if (opts.slideIds.length === 0) throw new SlideError('give at least one slide', 'bad-request');

  const outDir = resolve(opts.outDir);
  const wanted = opts.classes ? new Set(opts.classes) : null;
  if (wanted) {
    const known = new Set(annotationService(ctx).classes().map((c) => c.name));
    const unknown = [...wanted].filter((c) => !known.has(c));
    if (unknown.length) throw new SlideError(`no annotation class named ${unknown.map((c) => `"${c}"`).join(', ')}; classes are: ${[...known].join(', ') || 'none yet'}`, 'bad-request');
  }
  const stems = fileStems(ctx, opts.slideIds);
  let skippedUnclassified = 0;
  const plans: SlidePlan[] = [];
  for (const slideId of [...new Set(opts.slideIds)]) {
    const slide = ctx.slides.require(slideId);
    if (!slide.mpp) throw new SlideError(`slide "${slide.name}" does not say its resolution (µm per pixel); set it before extracting at a chosen mpp`, 'bad-request');
    const reader = await ctx.slides.reader(slideId);
    // Level-0 extent of one patch, per axis (scanners may have non-square pixels).
    const ext0x = (size * mpp) / slide.mpp.x;
    const ext0y = (size * mpp) / slide.mpp.y;
    const { level, downsample } = bestLevel(reader.metadata.levels, Math.min(ext0x, ext0y) / size);
    const readW = Math.max(1, Math.round(ext0x / downsample));
    const readH = Math.max(1, Math.round(ext0y / downsample));
    const w0 = readW * downsample;
    const h0 = readH * downsample;
    const step0x = (stride * mpp) / slide.mpp.x;
    const step0y = (stride * mpp) / slide.mpp.y;

    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    let regions = 0;
    for (const { row, cls } of annotationService(ctx).rows(slideId)) {
      if (row.object_type !== 'annotation') continue;
      const polygons = polygonsOf(JSON.parse(row.geometry_json) as Geometry);
      if (polygons.length === 0) continue;
      if (!cls) {
        skippedUnclassified++;
        continue;
      }
      if (wanted && !wanted.has(cls.name)) continue;
      regions++;
      for (const c of gridInside(polygons, row, { step0x, step0y, w0, h0, width: slide.width, height: slide.height })) {
        const key = `${cls.name}\u0000${c.x}\u0000${c.y}`;
        if (seen.has(key)) continue;
        seen.add(key);
        candidates.push({ ...c, label: cls.name, annotationId: row.uuid });
      }
    }
    plans.push({
      slideId,
      fileStem: stems.get(slideId)!,
      level,
      downsample,
      readW,
      readH,
      candidates,
      summary: { slideId, slide: slide.name, level, readWidth: readW, readHeight: readH, regions, candidates: candidates.length, written: 0, rejectedGlass: 0 },
    });
  }

  const total = Math.min(plans.reduce((n, p) => n + p.candidates.length, 0), opts.limit ?? Infinity);
  const patches: ExtractedPatch[] = [];
  let done = 0;
  opts.onProgress?.({ done, total });
  const madeDirs = new Set<string>();
  outer: for (const plan of plans) {
    const reader = await ctx.slides.reader(plan.slideId);
    for (const c of plan.candidates) {
      if (patches.length >= (opts.limit ?? Infinity)) break outer;
      opts.signal?.throwIfAborted();
      const img = await reader.readRegion(plan.level, c.x, c.y, plan.readW, plan.readH);
      // Outside-slide pixels come back transparent: white, like glass.
      let pipeline = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).flatten({ background: '#ffffff' });
      if (img.width !== size || img.height !== size) pipeline = pipeline.resize(size, size, { fit: 'fill', kernel: 'lanczos3' });
      const rgb = await pipeline.raw().toBuffer({ resolveWithObject: true });
      const tissue = tissueFraction(rgb.data, rgb.info.channels as 3 | 4);
      done++;
      if (tissue < minTissue) {
        plan.summary.rejectedGlass++;
        opts.onProgress?.({ done, total });
        continue;
      }
      const dir = join(outDir, safeName(c.label));
      if (!madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        madeDirs.add(dir);
      }
      const file = join(dir, `${plan.fileStem}_${c.x}_${c.y}.png`);
      await writeFile(file, await sharp(rgb.data, { raw: { width: rgb.info.width, height: rgb.info.height, channels: rgb.info.channels } }).png().toBuffer());
      plan.summary.written++;
      patches.push({
        file,
        label: c.label,
        slideId: plan.slideId,
        x: c.x,
        y: c.y,
        width0: plan.readW * plan.downsample,
        height0: plan.readH * plan.downsample,
        mpp,
        annotationId: c.annotationId,
        tissue: Math.round(tissue * 1000) / 1000,
      });
      opts.onProgress?.({ done, total });
    }
  }

  const result: ExtractResult = { outDir, mpp, size, patches, slides: plans.map((p) => p.summary), skippedUnclassified };
  await onExtracted?.(patches, result);
  return result;
}

/**
 * The coarsest level still at least as fine as the target, as OpenSlide's best-level rule; 1%
 * slack because scanners round downsamples (4.0003 for a nominal 4).
 */
function bestLevel(levels: SlideLevel[], targetDownsample: number): { level: number; downsample: number } {
  let best = 0;
  levels.forEach((l, i) => {
    if (l.downsample <= targetDownsample * 1.01 && l.downsample > levels[best].downsample) best = i;
  });
  return { level: best, downsample: levels[best].downsample };
}

/**
 * Top-left corners of a slide-aligned grid whose patch centres fall inside the region and whose
 * patches lie wholly on the slide. Slide-aligned, so overlapping regions share positions and the
 * same patch is never written twice.
 */
function* gridInside(
  polygons: PolygonRings[],
  b: { min_x: number; min_y: number; max_x: number; max_y: number },
  g: { step0x: number; step0y: number; w0: number; h0: number; width: number; height: number },
): Generator<{ x: number; y: number }> {
  const firstCol = Math.max(0, Math.floor((b.min_x - g.w0) / g.step0x));
  const firstRow = Math.max(0, Math.floor((b.min_y - g.h0) / g.step0y));
  for (let row = firstRow; ; row++) {
    const y = Math.round(row * g.step0y);
    if (y > b.max_y || y + g.h0 > g.height) break;
    for (let col = firstCol; ; col++) {
      const x = Math.round(col * g.step0x);
      if (x > b.max_x || x + g.w0 > g.width) break;
      if (regionContains(polygons, x + g.w0 / 2, y + g.h0 / 2)) yield { x, y };
    }
  }
}

/** File-name stems per slide: the slide's name, with its id added where two slides share one. */
function fileStems(ctx: AppContext, ids: number[]): Map<number, string> {
  const names = new Map(
    ids.map((id) => {
      const { name } = ctx.slides.require(id);
      return [id, safeName(basename(name, extname(name)))];
    }),
  );
  const counts = new Map<string, number>();
  for (const n of names.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
  return new Map([...names].map(([id, n]) => [id, counts.get(n)! > 1 ? `${n}-${id}` : n]));
}

/** A class or slide name as one folder/file name on every OS. */
function safeName(name: string): string {
  const s = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  return s === '' ? '_' : s.slice(0, 120);
}
