/**
 * The viewer's tiles of a slide whose channels have grey tiles of their own (a QPTIFF): each
 * tile OpenSeadragon asks for is the shown channels' grey tiles, fetched once and kept, mixed
 * in a canvas with each channel's colour and range (compositeChannels). A display change
 * re-mixes the tiles on screen in place from what is kept: only a channel turned on for the
 * first time is fetched.
 */
import type OpenSeadragon from 'openseadragon';
import type { SlideDetail } from '@shared/api';
import { resourcePaths } from '@shared/resources';
import { resourceUrl } from '../api';
import { compositeChannels, defaultViews, greyHistogram, unpackSamples, type ChannelView } from './channelDisplay';
import { tileSourceFor } from './tileSource';
import { overviewLevel, tileSize } from './deepZoomTiles';

export interface Grey {
  width: number;
  height: number;
  /** The channel's values: 8-bit, or a 16-bit channel's samples. */
  data: Uint8Array | Uint16Array;
}

/**
 * Decodes a channel tile to one value per pixel: a grey PNG (a canvas hands back RGBA: R = G = B)
 * or, `bits` 16, a 16-bit channel's packed tile (R high byte, G low byte). The tile is opaque and
 * untagged, so the canvas holds its bytes unchanged.
 */
export function loadGrey(url: string, bits: 8 | 16 = 8): Promise<Grey> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return reject(new Error('no 2D canvas'));
      ctx.drawImage(img, 0, 0);
      try {
        const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        resolve({ width: canvas.width, height: canvas.height, data: unpackSamples(rgba, bits) });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    img.onerror = () => reject(new Error(`tile failed: ${url}`));
    img.src = url;
  });
}

/** Grey tiles kept for re-mixing: 1024 of 256 x 256 are 64 MB (128 MB for 16-bit channels). */
const KEPT_GREYS = 1024;

interface LiveTile {
  level: number;
  col: number;
  row: number;
  ctx: CanvasRenderingContext2D;
}

export interface ChannelCompositor {
  /** OpenSeadragon tile source options. */
  tileSource: object;
  /** Shows `views` (index = channel), re-mixing the tiles on screen; resolves once they are drawn. */
  setViews(views: ChannelView[]): Promise<void>;
  /** Histograms of each channel over the whole slide (its single-tile overview level). */
  histograms(): Promise<Uint32Array[]>;
  /** Stops re-mixing (the viewer is gone). */
  close(): void;
}

export function channelCompositor(slide: Pick<SlideDetail, 'id' | 'deepZoom' | 'channels'>, onDrawn: () => void): ChannelCompositor {
  let views: ChannelView[] = defaultViews(slide.channels.map((c) => ({ color: c.color, bits: c.bits ?? 8 })));
  const greys = new Map<string, Promise<Grey>>();
  const live = new Set<LiveTile>();
  /** The views each tile canvas was last painted with. */
  const painted = new WeakMap<CanvasRenderingContext2D, ChannelView[]>();
  let closed = false;

  const grey = (c: number, level: number, col: number, row: number): Promise<Grey> => {
    const key = `${c}/${level}/${col}_${row}`;
    const hit = greys.get(key);
    if (hit) {
      greys.delete(key);
      greys.set(key, hit);
      return hit;
    }
    const bits = slide.channels[c]?.bits ?? 8;
    const p = loadGrey(resourceUrl(resourcePaths.channelTile(slide.id, c, level, col, row, bits)), bits);
    p.catch(() => greys.delete(key));
    greys.set(key, p);
    while (greys.size > KEPT_GREYS) greys.delete(greys.keys().next().value!);
    return p;
  };

  /** Mixes the shown channels' greys of tile `t` into its canvas; a grey of another size (never expected) is left out. */
  const paint = (ctx: CanvasRenderingContext2D, loaded: (Grey | null)[], shown: ChannelView[]) => {
    const { width, height } = ctx.canvas;
    const image = ctx.createImageData(width, height);
    compositeChannels(loaded.map((g) => (g && g.width === width && g.height === height ? g.data : null)), shown, image.data);
    ctx.putImageData(image, 0, 0);
  };

  /** Greys of the channels `shown` turns on (null for the others; a failed one is left out). */
  const greysFor = (t: Omit<LiveTile, 'ctx'>, shown: ChannelView[]) =>
    Promise.all(shown.map((v, c) => (v.on ? grey(c, t.level, t.col, t.row).catch(() => null) : null)));

  /** A new tile: its canvas sized as the server cuts it, painted from the channels shown when its greys are in. */
  const mix = async (t: Omit<LiveTile, 'ctx'>): Promise<CanvasRenderingContext2D> => {
    let shown = views;
    let loaded = await greysFor(t, shown);
    // The display changed while fetching: fetch what the new one shows (already kept, mostly).
    while (shown !== views) loaded = await greysFor(t, (shown = views));
    // Every channel shown failed: a failed tile, which OpenSeadragon retries, not a black one.
    if (shown.some((v) => v.on) && loaded.every((g) => !g)) throw new Error(`channel tiles ${t.level}/${t.col}_${t.row} could not be read`);
    const canvas = document.createElement('canvas');
    const size = tileSize(slide.deepZoom, t.level, t.col, t.row);
    canvas.width = size.width;
    canvas.height = size.height;
    const ctx = canvas.getContext('2d')!;
    paint(ctx, loaded, shown);
    painted.set(ctx, shown);
    return ctx;
  };

  const base = tileSourceFor(slide);
  const tileSource = {
    ...base,
    // One URL per tile position: OpenSeadragon's cache key; the pixels come from downloadTileStart.
    getTileUrl: (level: number, col: number, row: number) => resourceUrl(resourcePaths.channelTile(slide.id, 0, level, col, row)),
    downloadTileStart(job: { tile: OpenSeadragon.Tile; finish: (data: unknown, request: null, error?: string) => void; userData: { aborted?: boolean } }) {
      const { level, x: col, y: row } = job.tile;
      mix({ level, col, row }).then(
        (ctx) => (job.userData.aborted ? undefined : job.finish(ctx, null)),
        (e: unknown) => job.finish(null, null, e instanceof Error ? e.message : String(e)),
      );
    },
    // Mixed tiles are opaque (the URL's .png would have OpenSeadragon draw the coarser levels under every tile).
    hasTransparency: () => false,
    downloadTileAbort(job: { userData: { aborted?: boolean } }) {
      job.userData.aborted = true;
    },
    createTileCache(cache: { _ctx?: CanvasRenderingContext2D; _live?: LiveTile }, ctx: CanvasRenderingContext2D, tile: OpenSeadragon.Tile) {
      cache._ctx = ctx;
      const t = { level: tile.level, col: tile.x, row: tile.y, ctx };
      cache._live = t;
      live.add(t);
      // Painted before a display change that had already re-mixed the tiles on screen: catch up.
      if (painted.get(ctx) !== views) void repaint([t], views);
    },
    destroyTileCache(cache: { _ctx?: CanvasRenderingContext2D; _live?: LiveTile }) {
      if (cache._live) live.delete(cache._live);
      cache._ctx = undefined;
      cache._live = undefined;
    },
    getTileCacheData: (cache: { _ctx?: CanvasRenderingContext2D }) => cache._ctx,
    getTileCacheDataAsImage: (cache: { _ctx?: CanvasRenderingContext2D }) => cache._ctx?.canvas,
    getTileCacheDataAsContext2D: (cache: { _ctx?: CanvasRenderingContext2D }) => cache._ctx,
  };

  let generation = 0;
  /** Re-mixes `tiles` for `next`, all drawn in one go (no frame shows half of them in the old colours). */
  async function repaint(tiles: LiveTile[], next: ChannelView[]): Promise<void> {
    const mine = ++generation;
    const mixed = await Promise.all(tiles.map(async (t) => ({ t, loaded: await greysFor(t, next) })));
    // A later change repaints every tile on screen itself; this one's result is stale.
    if (closed || (mine !== generation && next !== views)) return;
    for (const { t, loaded } of mixed) {
      paint(t.ctx, loaded, next);
      painted.set(t.ctx, next);
    }
    onDrawn();
  }

  return {
    tileSource,
    async setViews(next) {
      views = next;
      await repaint([...live], next);
    },
    async histograms() {
      const level = overviewLevel(slide.deepZoom);
      const all = await Promise.all(slide.channels.map((_, c) => grey(c, level, 0, 0)));
      return all.map((g) => greyHistogram(g.data));
    },
    close() {
      closed = true;
      live.clear();
      greys.clear();
    },
  };
}
