/**
 * Tissue detection over a whole slide: the slide read at mask resolution (the smallest pyramid
 * level that still has it, shrunk in blocks when there is none), then detectTissue with the
 * user's µm-based parameters turned into mask pixels.
 */
import sharp from 'sharp';
import type { ImageType } from '../../shared/api.js';
import type { TissueParams } from '../../shared/contract/analysis.js';
import type { SlideReader } from '../slides/reader.js';
import { thumbnailLevel } from '../slides/thumbnail.js';
import { backgroundOf, readScaled } from '../slides/tile-service.js';
import { detectTissue, type TissueMask } from './tissue.js';

/** Without an mpp the mask is this much smaller than level 0, and µm are read as if the slide were 0.5 µm/px. */
export const NO_MPP_DOWNSAMPLE = 16;
export const ASSUMED_MPP = 0.5;
/** Longest mask side: a 40x slide of 10 x 5 cm still fits at 25 µm/px. */
export const MAX_MASK_SIDE = 4096;

export interface SlideTissue extends TissueMask {
  /** Level-0 pixels per mask pixel. */
  downsample: { x: number; y: number };
  /** µm per mask pixel, null when the slide has no mpp. */
  maskMpp: number | null;
}

export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Mask size for a slide: level 0 shrunk to maskMpp (never enlarged, never beyond MAX_MASK_SIDE). */
export function maskSize(slide: { width: number; height: number }, slideMpp: number | null, maskMpp: number): { width: number; height: number } {
  let ds = slideMpp ? Math.max(1, maskMpp / slideMpp) : NO_MPP_DOWNSAMPLE;
  ds = Math.max(ds, Math.max(slide.width, slide.height) / MAX_MASK_SIDE);
  return { width: Math.max(1, Math.round(slide.width / ds)), height: Math.max(1, Math.round(slide.height / ds)) };
}

/** The whole slide as RGB at width x height, flattened onto the slide's background colour (black for fluorescence). */
export async function readLowRes(reader: SlideReader, width: number, height: number, imageType: ImageType | null = null): Promise<RgbImage> {
  const meta = reader.metadata;
  const levelIndex = thumbnailLevel(meta.levels, width, height);
  const level = meta.levels[levelIndex]!;
  const background = imageType === 'fluorescence' ? { r: 0, g: 0, b: 0 } : backgroundOf(reader);
  const img = await readScaled(reader, { slideLevel: levelIndex, x: 0, y: 0, readWidth: level.width, readHeight: level.height, width, height }, background);
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) throw new Error(`low-resolution read gave ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** detectTissue on a low-resolution image of a slide whose level 0 is slideWidth x slideHeight. */
export function detectTissueLowRes(img: RgbImage, slide: { width: number; height: number }, slideMpp: number | null, params: TissueParams, imageType: ImageType | null = null): SlideTissue {
  const downsample = { x: slide.width / img.width, y: slide.height / img.height };
  const pxUm = (slideMpp ?? ASSUMED_MPP) * Math.sqrt(downsample.x * downsample.y);
  const areaPx = (um2: number) => um2 / (pxUm * pxUm);
  const t = detectTissue(img.data, img.width, img.height, {
    imageType,
    method: params.method,
    saturationThreshold: params.saturationThreshold,
    greyThreshold: params.greyThreshold,
    minArea: Math.round(areaPx(params.minAreaUm2)),
    fillHoles: params.fillHoles,
    maxHoleArea: areaPx(params.maxHoleUm2),
    rejectPen: params.rejectPen,
    rejectGlass: params.rejectGlass,
  });
  return { ...t, downsample, maskMpp: slideMpp ? pxUm : null };
}

export async function detectSlideTissue(reader: SlideReader, slideMpp: number | null, params: TissueParams, imageType: ImageType | null = null): Promise<SlideTissue> {
  const size = maskSize(reader.metadata, slideMpp, params.maskMpp);
  return detectTissueLowRes(await readLowRes(reader, size.width, size.height, imageType), reader.metadata, slideMpp, params, imageType);
}

/** Tissue green, rejected ink magenta, everything else transparent: an overlay for the viewer. */
export function tissueOverlayPng(t: TissueMask, rejectPen: boolean): Promise<Buffer> {
  const n = t.width * t.height;
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (t.mask[i]) rgba.set([46, 204, 64, 110], o);
    else if (rejectPen && t.pen[i]) rgba.set([230, 0, 230, 140], o);
  }
  return sharp(rgba, { raw: { width: t.width, height: t.height, channels: 4 } }).png().toBuffer();
}
