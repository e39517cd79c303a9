/**
 * `npm run bench -- tiles`: DeepZoom tile latency (254 px + overlap 1, JPEG q85) through
 * TileService on each shared slide, next to OpenSlide's own Python DeepZoomGenerator on the
 * same tile list in the same run (bench/openslide_deepzoom.py, for what OpenSlide reads).
 *
 * - cold: a fresh reader and an empty cache directory per pass; tiles requested one at a time,
 *   so each latency is read + resample + encode (the OS page cache still holds the file).
 * - coldConcurrent: the same from scratch with 4 requests in flight, as a viewer issues them.
 * - warm: the same tiles again from the memory cache.
 * - disk: a new TileService on the cold pass's cache directory (an app restart).
 * Python: get_tile() + PIL JPEG encode, one at a time: cold on a fresh OpenSlide handle, warm on
 * the same handle again (OpenSlide's decoded-tile cache filled, PIL work repeated).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { deepZoomGeometry } from '../src/main/slides/deepzoom';
import { openSlide } from '../src/main/slides/open-slide';
import type { SlideReader } from '../src/main/slides/reader';
import { TileService } from '../src/main/slides/tile-service';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(HERE, '..', '..', 'shared', 'data');
const PYTHON = '/usr/bin/python3';
const QUALITY = 85;
const MAX_TILES = 200;
const MIN_COLD_SAMPLES = 100;
const MIN_WARM_SAMPLES = 1000;
const CONCURRENCY = 4;

const SLIDE_FILES: Record<string, string> = {
  svs: 'slides/CMU-1-Small-Region.svs',
  ndpi: 'slides/slideio_test3-DAPI-2-387.ndpi',
  dicom: 'slides/pathml_small_dicom.dcm',
  png: 'images/skimage_ihc.png',
};

type Tile = [number, number, number];

interface Stats {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  tilesPerSec: number;
}

/** Nearest-rank percentile, the definition openslide_deepzoom.py uses too. */
function percentile(sorted: number[], p: number): number {
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p * sorted.length) / 100) - 1));
  return sorted[k];
}

function stats(times: number[], elapsedMs: number): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  const r3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    samples: times.length,
    p50Ms: r3(percentile(sorted, 50)),
    p95Ms: r3(percentile(sorted, 95)),
    tilesPerSec: Math.round((times.length / elapsedMs) * 1000 * 10) / 10,
  };
}

/** Every tile, level by level, thinned evenly to at most MAX_TILES: all zoom levels appear. */
function tileList(reader: SlideReader): Tile[] {
  const g = deepZoomGeometry(reader.metadata);
  const all: Tile[] = [];
  g.levels.forEach((l, level) => {
    for (let row = 0; row < l.rows; row++) for (let col = 0; col < l.cols; col++) all.push([level, col, row]);
  });
  if (all.length <= MAX_TILES) return all;
  return Array.from({ length: MAX_TILES }, (_, i) => all[Math.floor((i * all.length) / MAX_TILES)]);
}

async function sequential(svc: TileService, slide: { hash: string; reader: SlideReader }, tiles: Tile[], times: number[]): Promise<number> {
  const start = performance.now();
  for (const [l, c, r] of tiles) {
    const t0 = performance.now();
    await svc.getTile(slide, l, c, r);
    times.push(performance.now() - t0);
  }
  return performance.now() - start;
}

async function concurrent(svc: TileService, slide: { hash: string; reader: SlideReader }, tiles: Tile[]): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < tiles.length) {
      const [l, c, r] = tiles[next++];
      await svc.getTile(slide, l, c, r);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - start;
}

function pythonBench(path: string, tiles: Tile[], work: string): object {
  const listFile = join(work, 'python-tiles.json');
  writeFileSync(listFile, JSON.stringify(tiles));
  try {
    const out = execFileSync(PYTHON, [join(HERE, 'openslide_deepzoom.py'), 'bench', path, listFile, '--quality', String(QUALITY)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
    return JSON.parse(out) as object;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message);
    return { skipped: `OpenSlide Python cannot open it: ${stderr.trim().split('\n').pop() ?? 'unknown error'}` };
  }
}

async function benchSlide(key: string, path: string, work: string): Promise<object> {
  const log = (m: string) => process.stderr.write(`[tiles] ${key}: ${m}\n`);
  let pass = 0;
  const fresh = async () => {
    pass++;
    const dir = join(work, `${key}-${pass}`);
    const t0 = performance.now();
    const reader = await openSlide(path, { cacheDir: join(dir, 'reader') });
    const openMs = performance.now() - t0;
    return { reader, openMs, svc: new TileService({ cacheDir: join(dir, 'tiles') }), tileDir: join(dir, 'tiles') };
  };

  const first = await fresh();
  const tiles = tileList(first.reader);
  const meta = first.reader.metadata;
  const g = deepZoomGeometry(meta);
  const slide = { hash: `bench-${key}`, reader: first.reader };
  log(`${first.reader.readerName}, ${meta.width}x${meta.height}, ${g.tileCount} tiles, timing ${tiles.length}`);

  // cold: repeat from scratch until there are enough samples for a p95
  const coldTimes: number[] = [];
  let coldMs = await sequential(first.svc, slide, tiles, coldTimes);
  const openTimes = [first.openMs];
  while (coldTimes.length < MIN_COLD_SAMPLES) {
    const f = await fresh();
    openTimes.push(f.openMs);
    coldMs += await sequential(f.svc, { hash: slide.hash, reader: f.reader }, tiles, coldTimes);
    await f.svc.flush();
    f.reader.close();
  }
  await first.svc.flush();

  const warmTimes: number[] = [];
  let warmMs = 0;
  while (warmTimes.length < MIN_WARM_SAMPLES) warmMs += await sequential(first.svc, slide, tiles, warmTimes);

  const disk = new TileService({ cacheDir: first.tileDir });
  const diskTimes: number[] = [];
  const diskMs = await sequential(disk, slide, tiles, diskTimes);
  first.reader.close();

  let concMs = 0;
  let concTiles = 0;
  while (concTiles < MIN_COLD_SAMPLES) {
    const f = await fresh();
    concMs += await concurrent(f.svc, { hash: slide.hash, reader: f.reader }, tiles);
    concTiles += tiles.length;
    await f.svc.flush();
    f.reader.close();
  }

  log('python');
  const python = existsSync(PYTHON) ? pythonBench(path, tiles, work) : { skipped: `${PYTHON} not found` };
  const cold = stats(coldTimes, coldMs);
  const py = python as { cold?: Stats };
  return {
    file: SLIDE_FILES[key],
    reader: first.reader.readerName,
    size: [meta.width, meta.height],
    slideLevels: meta.levels.length,
    deepZoomLevels: g.levels.length,
    tilesInSlide: g.tileCount,
    tilesTimed: tiles.length,
    openMs: stats(openTimes, 1).p50Ms,
    cold,
    coldConcurrent: { concurrency: CONCURRENCY, tiles: concTiles, tilesPerSec: Math.round((concTiles / concMs) * 10000) / 10 },
    warm: stats(warmTimes, warmMs),
    disk: stats(diskTimes, diskMs),
    python,
    ...(py.cold
      ? {
          vsPython: {
            coldP50Speedup: Math.round((py.cold.p50Ms / cold.p50Ms) * 100) / 100,
            coldP95Speedup: Math.round((py.cold.p95Ms / cold.p95Ms) * 100) / 100,
            coldTilesPerSecRatio: Math.round((cold.tilesPerSec / py.cold.tilesPerSec) * 100) / 100,
          },
        }
      : {}),
  };
}

export async function benchTiles(): Promise<object> {
  const atStart = Math.round(loadavg()[0] * 100) / 100;
  const work = mkdtempSync(join(tmpdir(), 'tessella-bench-tiles-'));
  const slides: Record<string, object> = {};
  try {
    for (const [key, rel] of Object.entries(SLIDE_FILES)) {
      const path = join(DATA, rel);
      if (!existsSync(path)) {
        slides[key] = { skipped: `${path} is absent` };
        continue;
      }
      slides[key] = await benchSlide(key, path, work);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const targets = { warmP95Ms: 5, coldP95Ms: 30 };
  const verdicts: Record<string, object> = {};
  for (const [key, s] of Object.entries(slides) as [string, { cold?: Stats; warm?: Stats; vsPython?: { coldP50Speedup: number; coldP95Speedup: number } }][]) {
    if (!s.cold || !s.warm) continue;
    verdicts[key] = {
      warmP95: s.warm.p95Ms < targets.warmP95Ms,
      coldP95: s.cold.p95Ms < targets.coldP95Ms,
      fasterThanPython: s.vsPython ? s.vsPython.coldP50Speedup > 1 && s.vsPython.coldP95Speedup > 1 : null,
    };
  }
  return {
    tile: { size: 254, overlap: 1, format: 'jpeg', quality: QUALITY },
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      sharp: sharp.versions.sharp,
      libvips: sharp.versions.vips,
      uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      // other work on the machine inflates every latency here, ours and Python's alike
      loadAverage1m: { atStart, atEnd: Math.round(loadavg()[0] * 100) / 100 },
    },
    targets,
    slides,
    meetsTargets: verdicts,
  };
}
