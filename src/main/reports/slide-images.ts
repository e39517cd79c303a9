/**
 * The pictures of a slide report, as JPEG bytes: the thumbnail with one class's probability
 * heatmap over it, the thumbnail with each tile coloured by its predicted class, crops of the
 * most confident tiles, and (only when asked) the associated images.
 */
import sharp from 'sharp';
import type { AppContext } from '../app-context.js';
import { classColor } from '../analysis/colormap.js';
import { slideHeatmap } from '../analysis/exports.js';
import type { PredictionRow } from '../store/analysis-repo.js';
import { backgroundOf } from '../slides/tile-service.js';
import type { ColormapName } from '../../shared/colormaps.js';
import type { TileGrid } from '../../shared/contract/analysis.js';

const JPEG = { quality: 88 };
/** Class-map opacity: the tissue stays readable under it. */
const CLASS_ALPHA = 150;
/** Side of a tile crop in the report, pixels (printed at about 25 mm). */
const CROP = 160;

async function thumbnailRaw(ctx: AppContext, slideId: number): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const jpeg = await ctx.slides.thumbnail(slideId);
  const meta = await sharp(jpeg).metadata();
  return { jpeg, width: meta.width!, height: meta.height! };
}

/** The slide thumbnail with class `c`'s heatmap composited over it. */
export async function heatmapOverlay(ctx: AppContext, slideId: number, tiles: PredictionRow[], c: number, slide: { width: number; height: number }, colormap: ColormapName): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const thumb = await thumbnailRaw(ctx, slideId);
  const heat = await slideHeatmap(tiles, c, slide, undefined, colormap);
  const layer = heat.width === thumb.width && heat.height === thumb.height ? heat.png : await sharp(heat.png).resize(thumb.width, thumb.height, { fit: 'fill' }).png().toBuffer();
  const jpeg = await sharp(thumb.jpeg).composite([{ input: layer }]).jpeg(JPEG).toBuffer();
  return { jpeg, width: thumb.width, height: thumb.height };
}

/** RGBA layer the size of the thumbnail: each tile's pixels in its predicted class's colour. */
export function classMapLayer(tiles: Pick<PredictionRow, 'x' | 'y' | 'w' | 'h' | 'label'>[], slide: { width: number; height: number }, out: { width: number; height: number }): Buffer {
  const rgba = Buffer.alloc(out.width * out.height * 4);
  const sx = out.width / slide.width;
  const sy = out.height / slide.height;
  for (const t of tiles) {
    const [r, g, b] = classColor(t.label);
    const x0 = Math.max(0, Math.ceil(t.x * sx - 0.5));
    const x1 = Math.min(out.width, Math.ceil((t.x + t.w) * sx - 0.5));
    const y0 = Math.max(0, Math.ceil(t.y * sy - 0.5));
    const y1 = Math.min(out.height, Math.ceil((t.y + t.h) * sy - 0.5));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y * out.width + x) * 4;
        rgba[i] = r;
        rgba[i + 1] = g;
        rgba[i + 2] = b;
        rgba[i + 3] = CLASS_ALPHA;
      }
    }
  }
  return rgba;
}

export async function classMapOverlay(ctx: AppContext, slideId: number, tiles: PredictionRow[], slide: { width: number; height: number }): Promise<Buffer> {
  const thumb = await thumbnailRaw(ctx, slideId);
  const layer = classMapLayer(tiles, slide, thumb);
  return sharp(thumb.jpeg)
    .composite([{ input: layer, raw: { width: thumb.width, height: thumb.height, channels: 4 } }])
    .jpeg(JPEG)
    .toBuffer();
}

export interface TopTile {
  x: number;
  y: number;
  w: number;
  h: number;
  prob: number;
  jpeg: Buffer;
}

/** The `k` tiles with the highest probability of class `c`, among those predicted as `c`. */
export function mostConfident(tiles: PredictionRow[], c: number, k: number): PredictionRow[] {
  return tiles
    .filter((t) => t.label === c)
    .sort((a, b) => b.probs[c]! - a.probs[c]! || a.y - b.y || a.x - b.x)
    .slice(0, k);
}

/** Crops of the given tiles, read as the analysis read them (its level and read size). */
export async function tileCrops(ctx: AppContext, slideId: number, grid: TileGrid, tiles: PredictionRow[], c: number): Promise<TopTile[]> {
  if (!tiles.length) return [];
  const reader = await ctx.slides.reader(slideId);
  const bg = backgroundOf(reader);
  const out: TopTile[] = [];
  for (const t of tiles) {
    const img = await reader.readRegion(grid.level, t.x, t.y, grid.readSize, grid.readSize);
    const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } })
      .flatten({ background: bg })
      .resize(CROP, CROP, { fit: 'fill', kernel: 'lanczos3' })
      .jpeg(JPEG)
      .toBuffer();
    out.push({ x: t.x, y: t.y, w: t.w, h: t.h, prob: t.probs[c]!, jpeg });
  }
  return out;
}

/** An associated image (label, macro, ...) as JPEG, at most 900 px on its long side. */
export async function associatedJpeg(ctx: AppContext, slideId: number, name: string): Promise<Buffer> {
  const jpeg = await ctx.slides.associated(slideId, name, true);
  return sharp(jpeg).resize(900, 900, { fit: 'inside', withoutEnlargement: true }).jpeg(JPEG).toBuffer();
}
