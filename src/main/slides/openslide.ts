/**
 * OpenSlide (C library, 3.4.1 API) through koffi. The library is optional: when it cannot be
 * loaded, openslideStatus() says why and the other readers carry on.
 *
 * Everything that touches slide files (open, read_region, associated images) runs through
 * koffi's async calls on the libuv threadpool, so a slow disk or a big JPEG never blocks the
 * event loop. OpenSlide handles are documented as thread-safe for concurrent reads; only
 * close must wait for the reads in flight, which `pending` tracks.
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { IKoffiLib, KoffiFunction } from 'koffi';
import { SlideError, type RgbaImage, type SlideLevel, type SlideMetadata, type SlideReader } from './reader.js';
import { packageRoot } from '../package-root.js';
import { checkRegionArgs, MAX_REGION_PIXELS } from './region.js';

const LIBRARY_NAMES: Record<string, string[]> = {
  linux: ['libopenslide.so.0', 'libopenslide.so.1'],
  darwin: ['libopenslide.1.dylib', 'libopenslide.dylib', 'libopenslide.0.dylib'],
  win32: ['libopenslide-1.dll', 'libopenslide-0.dll'],
};

interface OpenSlideApi {
  libraryName: string;
  version: string;
  detectVendor: KoffiFunction;
  open: KoffiFunction;
  close: KoffiFunction;
  getError: KoffiFunction;
  getLevelCount: KoffiFunction;
  getLevelDimensions: KoffiFunction;
  getLevelDownsample: KoffiFunction;
  getPropertyNames: KoffiFunction;
  getPropertyValue: KoffiFunction;
  getAssociatedImageNames: KoffiFunction;
  getAssociatedImageDimensions: KoffiFunction;
  readAssociatedImage: KoffiFunction;
  readRegion: KoffiFunction;
  /** Reads the i-th entry of a NULL-terminated `const char * const *`. */
  stringAt: (array: unknown, index: number) => string | null;
}

type LoadResult = { api: OpenSlideApi } | { error: string };
let loaded: LoadResult | undefined;

function loadKoffi(): typeof import('koffi') {
  // require, not import: a missing or broken koffi binary must only disable this reader.
  return createRequire(import.meta.url)('koffi') as typeof import('koffi');
}

function bind(koffi: typeof import('koffi'), lib: IKoffiLib, libraryName: string): OpenSlideApi {
  const f = (decl: string) => lib.func(decl);
  const pointerSize = koffi.sizeof('void *');
  const getVersion = f('const char *openslide_get_version(void)');
  return {
    libraryName,
    version: String(getVersion() ?? 'unknown'),
    detectVendor: f('const char *openslide_detect_vendor(const char *filename)'),
    open: f('openslide_t *openslide_open(const char *filename)'),
    close: f('void openslide_close(openslide_t *osr)'),
    getError: f('const char *openslide_get_error(openslide_t *osr)'),
    getLevelCount: f('int32_t openslide_get_level_count(openslide_t *osr)'),
    getLevelDimensions: f(
      'void openslide_get_level_dimensions(openslide_t *osr, int32_t level, _Out_ int64_t *w, _Out_ int64_t *h)',
    ),
    getLevelDownsample: f('double openslide_get_level_downsample(openslide_t *osr, int32_t level)'),
    getPropertyNames: f('void *openslide_get_property_names(openslide_t *osr)'),
    getPropertyValue: f('const char *openslide_get_property_value(openslide_t *osr, const char *name)'),
    getAssociatedImageNames: f('void *openslide_get_associated_image_names(openslide_t *osr)'),
    getAssociatedImageDimensions: f(
      'void openslide_get_associated_image_dimensions(openslide_t *osr, const char *name, _Out_ int64_t *w, _Out_ int64_t *h)',
    ),
    readAssociatedImage: f('void openslide_read_associated_image(openslide_t *osr, const char *name, uint32_t *dest)'),
    readRegion: f(
      'void openslide_read_region(openslide_t *osr, uint32_t *dest, int64_t x, int64_t y, int32_t level, int64_t w, int64_t h)',
    ),
    stringAt: (array, index) => koffi.decode(array, index * pointerSize, 'const char *') as string | null,
  };
}

/**
 * Where bundled OpenSlide libraries may be: an installer's resources folder (Electron's
 * process.resourcesPath, where electron-builder's extraResources puts resources/openslide), then a
 * source checkout's resources/ (filled by scripts/fetch-openslide.mjs).
 */
function bundledResourceDirs(): string[] {
  const dirs: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) dirs.push(resourcesPath);
  const root = packageRoot();
  if (root) dirs.push(join(root.dir, 'resources'));
  return dirs;
}

/** The folder scripts/fetch-openslide.mjs fills for a platform: resources/openslide/<platform>-<arch>. */
export function openslideBundleDir(resourcesDir: string, platform: string, arch: string): string {
  return join(resourcesDir, 'openslide', `${platform}-${arch}`);
}

/**
 * What koffi.load tries, in order: the libraries bundled with the app (full paths, under each
 * resources folder in turn), then the system's by name (the loader's search path). Bundled ones
 * win so an installer behaves the same whatever the machine has; on Linux nothing is bundled and
 * the distribution's libopenslide is used.
 */
export function openslideCandidates(platform: string, arch: string, resourceDirs: string[]): string[] {
  const names = LIBRARY_NAMES[platform] ?? LIBRARY_NAMES.linux;
  // openslide-bin keeps the Windows DLLs in bin/ and the macOS dylibs in lib/.
  const sub = platform === 'win32' ? 'bin' : 'lib';
  const bundled = resourceDirs.flatMap((dir) => names.map((n) => join(openslideBundleDir(dir, platform, arch), sub, n)));
  return [...bundled.filter((p) => existsSync(p)), ...names];
}

function load(): LoadResult {
  if (loaded) return loaded;
  // Lets tests and users check the no-OpenSlide paths on a machine that has it.
  if (process.env.TESSELLA_DISABLE_OPENSLIDE === '1') {
    return (loaded = { error: 'disabled by TESSELLA_DISABLE_OPENSLIDE=1' });
  }
  let koffi: typeof import('koffi');
  try {
    koffi = loadKoffi();
  } catch (e) {
    return (loaded = { error: `the koffi FFI module could not be loaded (${(e as Error).message})` });
  }
  // Declared once: koffi refuses a second type of the same name if a later library name is tried.
  koffi.opaque('openslide_t');
  const names = openslideCandidates(process.platform, process.arch, bundledResourceDirs());
  const failures: string[] = [];
  for (const name of names) {
    let lib: IKoffiLib;
    try {
      lib = koffi.load(name);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    try {
      return (loaded = { api: bind(koffi, lib, name) });
    } catch (e) {
      failures.push(`${name} lacks the OpenSlide 3.4 API (${(e as Error).message})`);
    }
  }
  return (loaded = { error: `OpenSlide library not found (tried ${failures.join('; ')})` });
}

export interface OpenSlideStatus {
  available: boolean;
  version: string | null;
  detail: string;
}

export function openslideStatus(): OpenSlideStatus {
  const r = load();
  if ('error' in r) return { available: false, version: null, detail: r.error };
  // A full path is a copy bundled with the app (openslideCandidates); a bare name, the system's.
  const where = isAbsolute(r.api.libraryName) ? `bundled with Tessella: ${r.api.libraryName}` : r.api.libraryName;
  return { available: true, version: r.api.version, detail: `OpenSlide ${r.api.version} (${where})` };
}

function api(): OpenSlideApi {
  const r = load();
  if ('error' in r) throw new SlideError(`OpenSlide is not available: ${r.error}.`, 'unavailable');
  return r.api;
}

/** Promise wrapper over koffi's callback-style async call. */
function callAsync<T>(fn: KoffiFunction, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * OpenSlide's vendor id for the file ("aperio", "hamamatsu", ...), or null when OpenSlide does
 * not recognise it or is unavailable. Reads only the file header.
 */
export async function openslideDetectVendor(path: string): Promise<string | null> {
  const r = load();
  if ('error' in r) return null;
  return callAsync<string | null>(r.api.detectVendor, path);
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * OpenSlide hands out premultiplied ARGB as native-endian uint32; rewrite it in place as
 * straight RGBA bytes, un-premultiplying with the rounding openslide-python uses.
 */
export function argbToRgbaInPlace(buf: Buffer): void {
  for (let i = 0; i < buf.length; i += 4) {
    let a: number, r: number, g: number, b: number;
    if (LITTLE_ENDIAN) {
      b = buf[i];
      g = buf[i + 1];
      r = buf[i + 2];
      a = buf[i + 3];
    } else {
      a = buf[i];
      r = buf[i + 1];
      g = buf[i + 2];
      b = buf[i + 3];
    }
    if (a !== 255 && a !== 0) {
      const half = a >> 1;
      r = Math.min(255, ((r * 255 + half) / a) | 0);
      g = Math.min(255, ((g * 255 + half) / a) | 0);
      b = Math.min(255, ((b * 255 + half) / a) | 0);
    }
    buf[i] = r;
    buf[i + 1] = g;
    buf[i + 2] = b;
    buf[i + 3] = a;
  }
}

function readStringList(lib: OpenSlideApi, array: unknown): string[] {
  const out: string[] = [];
  if (!array) return out;
  for (let i = 0; ; i++) {
    const s = lib.stringAt(array, i);
    if (s === null || s === undefined) return out;
    out.push(s);
  }
}

function parseNumber(v: string | undefined): number | null {
  if (v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** One openslide_t and the native calls running on it. */
interface Handle {
  osr: unknown;
  pending: number;
  /** Set once OpenSlide's sticky error state is hit or the reader closes; freed when idle. */
  retired: boolean;
  freed: boolean;
}

class OpenSlideReader implements SlideReader {
  readonly readerName = 'openslide';
  private current: Handle;
  private reopening: Promise<Handle> | null = null;
  private closed = false;

  constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    private readonly lib: OpenSlideApi,
    osr: unknown,
    private readonly associatedSizes: Map<string, { width: number; height: number }>,
  ) {
    this.current = { osr, pending: 0, retired: false, freed: false };
  }

  async readRegion(level: number, x: number, y: number, w: number, h: number): Promise<RgbaImage> {
    checkRegionArgs(this.metadata.levels, level, x, y, w, h);
    const data = Buffer.alloc(w * h * 4);
    await this.run((osr) => [this.lib.readRegion, osr, data, x, y, level, w, h]);
    argbToRgbaInPlace(data);
    return { width: w, height: h, data };
  }

  async readAssociatedImage(name: string): Promise<RgbaImage> {
    const size = this.associatedSizes.get(name);
    if (!size) {
      throw new SlideError(
        `${basename(this.path)} has no associated image "${name}" (it has: ${[...this.associatedSizes.keys()].join(', ') || 'none'}).`,
        'bad-request',
      );
    }
    if (size.width * size.height > MAX_REGION_PIXELS) {
      throw new SlideError(`Associated image "${name}" is ${size.width}x${size.height}, too large to read at once.`, 'too-large');
    }
    const data = Buffer.alloc(size.width * size.height * 4);
    await this.run((osr) => [this.lib.readAssociatedImage, osr, name, data]);
    argbToRgbaInPlace(data);
    return { width: size.width, height: size.height, data };
  }

  close(): void {
    this.closed = true;
    this.retire(this.current);
  }

  /**
   * One native call on the threadpool. OpenSlide's error state is sticky: after a damaged tile
   * the handle refuses everything, so it is retired and the next call reopens the slide, letting
   * the undamaged rest of it still display.
   */
  private async run(call: (osr: unknown) => [KoffiFunction, ...unknown[]]): Promise<void> {
    if (this.closed) throw new SlideError(`${basename(this.path)} is closed.`, 'bad-request');
    const handle = this.current.retired ? await this.reopen() : this.current;
    handle.pending++;
    try {
      const [fn, ...args] = call(handle.osr);
      // `args` keeps the destination Buffer referenced until the native call has returned.
      await callAsync<void>(fn, ...args);
      const err = this.lib.getError(handle.osr) as string | null;
      if (err) {
        this.retire(handle);
        throw new SlideError(`OpenSlide could not read ${basename(this.path)}: ${err}`, 'corrupt');
      }
    } finally {
      handle.pending--;
      this.freeIfIdle(handle);
    }
  }

  private reopen(): Promise<Handle> {
    this.reopening ??= callAsync<unknown>(this.lib.open, this.path)
      .then((osr) => {
        if (!osr) throw new SlideError(`OpenSlide can no longer open ${basename(this.path)}.`, 'corrupt');
        const err = this.lib.getError(osr) as string | null;
        if (err) {
          this.lib.close(osr);
          throw new SlideError(`OpenSlide could not reopen ${basename(this.path)}: ${err}`, 'corrupt');
        }
        const handle: Handle = { osr, pending: 0, retired: false, freed: false };
        if (this.closed) this.retire(handle);
        else this.current = handle;
        return handle;
      })
      .finally(() => {
        this.reopening = null;
      });
    return this.reopening;
  }

  private retire(handle: Handle): void {
    handle.retired = true;
    this.freeIfIdle(handle);
  }

  private freeIfIdle(handle: Handle): void {
    if (handle.retired && handle.pending === 0 && !handle.freed) {
      handle.freed = true;
      this.lib.close(handle.osr);
    }
  }
}

type Size = { width: number; height: number };

function readMetadata(lib: OpenSlideApi, osr: unknown): SlideMetadata & { associatedSizes: Map<string, Size> } {
  const properties: Record<string, string> = {};
  for (const name of readStringList(lib, lib.getPropertyNames(osr))) {
    const v = lib.getPropertyValue(osr, name) as string | null;
    if (v !== null) properties[name] = v;
  }
  const levelCount = lib.getLevelCount(osr) as number;
  const levels: SlideLevel[] = [];
  for (let i = 0; i < levelCount; i++) {
    const w = [0];
    const h = [0];
    lib.getLevelDimensions(osr, i, w, h);
    levels.push({ width: Number(w[0]), height: Number(h[0]), downsample: lib.getLevelDownsample(osr, i) as number });
  }
  const associatedSizes = new Map<string, Size>();
  for (const name of readStringList(lib, lib.getAssociatedImageNames(osr))) {
    const w = [0];
    const h = [0];
    lib.getAssociatedImageDimensions(osr, name, w, h);
    associatedSizes.set(name, { width: Number(w[0]), height: Number(h[0]) });
  }
  const mppX = parseNumber(properties['openslide.mpp-x']);
  const mppY = parseNumber(properties['openslide.mpp-y']);
  const vendor = properties['openslide.vendor'] ?? null;
  return {
    format: vendor ?? 'openslide',
    vendor,
    width: levels[0]?.width ?? 0,
    height: levels[0]?.height ?? 0,
    levels,
    mpp: mppX !== null && mppY !== null ? { x: mppX, y: mppY } : mppX !== null ? { x: mppX, y: mppX } : null,
    objectivePower: parseNumber(properties['openslide.objective-power']),
    properties,
    associatedImages: [...associatedSizes.keys()],
    associatedSizes,
  };
}

/**
 * Open `path` with OpenSlide. Resolves to null when OpenSlide does not recognise the format
 * (so another reader may try); rejects with SlideError when it does but the file is broken,
 * or when OpenSlide is unavailable.
 */
export async function openWithOpenSlide(path: string): Promise<SlideReader | null> {
  const lib = api();
  const osr = await callAsync<unknown>(lib.open, path);
  if (!osr) return null;
  const err = lib.getError(osr) as string | null;
  if (err) {
    lib.close(osr);
    throw new SlideError(`OpenSlide recognised ${basename(path)} but could not open it: ${err}`, 'corrupt');
  }
  try {
    const { associatedSizes, ...metadata } = readMetadata(lib, osr);
    if (metadata.levels.length === 0 || metadata.width <= 0 || metadata.height <= 0) {
      throw new SlideError(`OpenSlide found no image levels in ${basename(path)}.`, 'corrupt');
    }
    const lateErr = lib.getError(osr) as string | null;
    if (lateErr) throw new SlideError(`OpenSlide could not read ${basename(path)}: ${lateErr}`, 'corrupt');
    return new OpenSlideReader(path, metadata, lib, osr, associatedSizes);
  } catch (e) {
    lib.close(osr);
    throw e;
  }
}
