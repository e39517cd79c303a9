/**
 * One-off conversion of large images that can only be decoded front to back (PNG, JPEG, WebP,
 * strip TIFF, or a tiled TIFF without usable reduced levels) into a tiled pyramidal TIFF in
 * the cache directory. libvips streams the conversion, so memory stays bounded whatever the
 * image size; afterwards every region read touches only the tiles it needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { DomainError, oneLine, outOfSpace } from '../errors.js';
import { processAlive } from '../process-alive.js';
import { SlideError } from './reader.js';

/** Bump when the cached file layout changes so stale conversions are not reused. */
const CACHE_VERSION = 1;

const inFlight = new Map<string, Promise<string>>();

export interface PyramidSource {
  path: string;
  /** TIFF page to convert (0 for single-image formats). */
  page: number;
  /** JPEG sources are already lossy, so their tiles are re-encoded as JPEG; anything else stays lossless. */
  lossy: boolean;
  /** Pixel budget handed to libvips, checked by the caller against the header first. */
  limitInputPixels: number;
  /** A one-band 16-bit page kept 16-bit grey (a channel whose samples are served exactly); else sRGB 8-bit. */
  grey16?: boolean;
}

async function cacheKey(src: PyramidSource): Promise<string> {
  const real = await realpath(src.path);
  const st = await stat(real);
  return createHash('sha256')
    .update(`${CACHE_VERSION}|${real}|${st.size}|${st.mtimeMs}|${src.page}|${src.lossy}${src.grey16 ? '|grey16' : ''}`)
    .digest('hex')
    .slice(0, 40);
}

/** Path of the cached pyramid for `src`, converting it first if needed. */
export async function ensurePyramid(src: PyramidSource, cacheDir: string): Promise<string> {
  const key = await cacheKey(src);
  const target = join(cacheDir, `pyramid-${key}.tif`);
  try {
    await stat(target);
    return target;
  } catch {
    // not cached yet
  }
  const running = inFlight.get(target);
  if (running) return running;
  const job = convert(src, cacheDir, target).finally(() => inFlight.delete(target));
  inFlight.set(target, job);
  return job;
}

/** `pyramid-<key>.tif.<pid>.<random>.tmp`: a build in progress, or the remains of one killed. */
const TEMP_NAME = /^pyramid-[0-9a-f]+\.tif\.(\d+)\.[0-9a-f]+\.tmp$/;
/** No build takes this long; a temp file older than this is stale even if its pid was reused. */
const TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * Deletes the temp files of builds whose process is gone (killed, crashed, power cut): a
 * rename never happened for them, so they are half pyramids nobody will finish. Builds of live
 * processes (another Tessella on the same data home) are left alone.
 */
export async function removeStaleTemps(cacheDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!pid) continue;
    const file = join(cacheDir, name);
    const old = await stat(file).then((st) => Date.now() - st.mtimeMs > TEMP_MAX_AGE_MS, () => false);
    if (pid === process.pid ? !inFlightTemps.has(file) : old || !processAlive(pid)) {
      await rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

/** Temp files this process is writing right now. */
const inFlightTemps = new Set<string>();

async function convert(src: PyramidSource, cacheDir: string, target: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  await removeStaleTemps(cacheDir);
  // Written under a temporary name and renamed, so a crash never leaves a half pyramid that looks cached.
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  inFlightTemps.add(tmp);
  try {
    await sharp(src.path, { page: src.page, limitInputPixels: src.limitInputPixels, sequentialRead: true, failOn: 'error' })
      .toColourspace(src.grey16 ? 'grey16' : 'srgb')
      .tiff({
        tile: true,
        tileWidth: 256,
        tileHeight: 256,
        pyramid: true,
        bigtiff: true,
        compression: src.lossy && !src.grey16 ? 'jpeg' : 'deflate',
        quality: 90,
        predictor: 'horizontal',
      })
      .toFile(tmp);
    await rename(tmp, target);
    return target;
  } catch (e) {
    // Before the half pyramid is removed: afterwards the disk has room again.
    const full = (e as NodeJS.ErrnoException).code === 'ENOSPC' || outOfSpace(cacheDir);
    await rm(tmp, { force: true });
    if (e instanceof SlideError) throw e;
    if (full) {
      throw new DomainError('no-space', `no space left on the device: ${cacheDir} (converting ${basename(src.path)} to a pyramid)`);
    }
    throw new SlideError(`Could not decode ${basename(src.path)}: ${oneLine((e as Error).message)}`, 'corrupt');
  } finally {
    inFlightTemps.delete(tmp);
  }
}
