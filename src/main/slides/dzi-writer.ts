/**
 * Writes a slide out as a static DeepZoom pyramid (<name>.dzi + <name>_files/<level>/<col>_<row>.<ext>),
 * the layout OpenSlide's deepzoom_tile.py produces and any DeepZoom viewer can serve.
 * The .dzi is written last, so its presence means the pyramid is complete; a cancelled run
 * leaves tiles but no .dzi.
 */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dziXml, type DeepZoomOptions } from './deepzoom.js';
import type { SlideReader } from './reader.js';
import type { TileFormat } from './tile-cache.js';
import { DEFAULT_TILE_QUALITY, TileService } from './tile-service.js';

export interface DeepZoomWriteOptions extends DeepZoomOptions {
  format?: TileFormat;
  quality?: number;
  /** Tiles rendered at once (default 4: enough to keep sharp's threads and the reader busy). */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface DeepZoomProgress {
  done: number;
  total: number;
  level: number;
}

export interface DeepZoomWriteResult {
  dziPath: string;
  filesDir: string;
  levelCount: number;
  tileCount: number;
}

export async function writeDeepZoom(
  reader: SlideReader,
  outDir: string,
  name: string,
  opts: DeepZoomWriteOptions = {},
  onProgress?: (p: DeepZoomProgress) => void,
): Promise<DeepZoomWriteResult> {
  if (!name || /[/\\]/.test(name) || name === '.' || name === '..') throw new RangeError(`Bad pyramid name ${JSON.stringify(name)}`);
  const format = opts.format ?? 'jpeg';
  const quality = opts.quality ?? DEFAULT_TILE_QUALITY;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const signal = opts.signal;
  signal?.throwIfAborted();

  // no tile cache (each tile is written once), but low levels still come from shared level images
  const service = new TileService({
    memoryBytes: 0,
    deepZoom: { tileSize: opts.tileSize, overlap: opts.overlap, limitBounds: opts.limitBounds },
  });
  const g = service.geometry(reader);
  const filesDir = join(outDir, `${name}_files`);
  for (let level = 0; level < g.levels.length; level++) await mkdir(join(filesDir, String(level)), { recursive: true });

  const jobs: [number, number, number][] = [];
  g.levels.forEach((l, level) => {
    for (let row = 0; row < l.rows; row++) for (let col = 0; col < l.cols; col++) jobs.push([level, col, row]);
  });

  let next = 0;
  let done = 0;
  const worker = async () => {
    try {
      while (next < jobs.length) {
        signal?.throwIfAborted();
        const [level, col, row] = jobs[next++];
        const tile = await service.render(reader, level, col, row, { format, quality });
        await writeFile(join(filesDir, String(level), `${col}_${row}.${format}`), tile);
        done++;
        onProgress?.({ done, total: jobs.length, level });
      }
    } catch (e) {
      next = jobs.length; // the other workers stop after their current tile
      throw e;
    }
  };
  // allSettled, not all: no worker may still be writing when the error reaches the caller
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  signal?.throwIfAborted();

  const dziPath = join(outDir, `${name}.dzi`);
  const tmp = `${dziPath}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, dziXml(g, format));
    await rename(tmp, dziPath);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return { dziPath, filesDir, levelCount: g.levels.length, tileCount: jobs.length };
}
