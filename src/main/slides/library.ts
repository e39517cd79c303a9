/**
 * The slide library: registers files (or folders of them) in the database, keeps a few readers
 * open, and serves tiles, thumbnails and associated images for registered slides only.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { SlideDetail, SlideSummary } from '../../shared/api.js';
import type { SlideImageInfo, SlidesRepo, StoredSlide } from '../store/slides-repo.js';
import { contentHash } from './content-hash.js';
import { deepZoomGeometry } from './deepzoom.js';
import { openSlide, SLIDE_EXTENSIONS } from './open-slide.js';
import { dicomSeriesUid } from './dicom.js';
import { SlideError, type SlideReader } from './reader.js';
import { toDomainError, type ErrorKind } from '../errors.js';
import { thumbnail } from './thumbnail.js';
import { detectImageType } from './image-type.js';
import { TileService } from './tile-service.js';
import { readFile, writeFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';

export interface LibraryDirs {
  thumbnails: string;
  tileCache: string;
  slideCache: string;
}

const MAX_OPEN_READERS = 8;
/** Plain images a folder scan adds without asking; beyond this it is a patch set (a dataset) more likely than slides. */
export const PLAIN_IMAGES_WITHOUT_ASKING = 20;
const PLAIN_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp']);

export interface AddResult {
  added: SlideSummary[];
  existing: SlideSummary[];
  errors: { path: string; message: string; kind: ErrorKind }[];
  /** Files a folder scan passed over, with why. */
  skipped: { path: string; reason: string }[];
  /** Folders whose many plain images were not added (opts.plainImages 'add' adds them). */
  heldImages: { folder: string; count: number }[];
}
const THUMBNAIL_SIZE = 512;
/** Associated images that may show patient identity. */
export const SENSITIVE_ASSOCIATED = new Set(['label', 'macro']);

export class SlideLibrary {
  private readonly readers = new Map<number, Promise<SlideReader>>();
  readonly tiles: TileService;

  constructor(
    private readonly repo: SlidesRepo,
    private readonly dirs: LibraryDirs,
  ) {
    this.tiles = new TileService({ cacheDir: dirs.tileCache });
  }

  list(): SlideSummary[] {
    return this.repo.list().map(toSummary);
  }

  detail(id: number): SlideDetail {
    const s = this.require(id);
    const dz = deepZoomGeometry(s);
    return {
      ...toSummary(s),
      levels: s.levels,
      properties: s.properties,
      associatedImages: s.associatedImages,
      contentHash: s.contentHash,
      deepZoom: { width: dz.width, height: dz.height, tileSize: dz.tileSize, overlap: dz.overlap, format: 'jpeg', levelCount: dz.levels.length },
      channelTiles: hasChannelTiles(s),
    };
  }

  /**
   * Adds files, and slide files found under folders. Each file is opened before it is recorded,
   * so a file no reader can open leaves no entry behind, only an error naming it.
   */
  async add(paths: string[], opts: { plainImages?: 'ask' | 'add' } = {}): Promise<AddResult> {
    const added: SlideSummary[] = [];
    const existing: SlideSummary[] = [];
    const errors: AddResult['errors'] = [];
    const skipped: AddResult['skipped'] = [];
    const heldImages: AddResult['heldImages'] = [];
    const files: string[] = [];
    for (const p of paths) {
      const abs = resolve(p);
      let st;
      try {
        st = await stat(abs);
      } catch {
        errors.push({ path: abs, message: 'no such file or folder', kind: 'not-found' });
        continue;
      }
      if (!st.isDirectory()) {
        files.push(abs);
        continue;
      }
      const scan = await findSlideFiles(abs);
      skipped.push(...scan.skipped);
      // A folder full of JPEG/PNG patches is a dataset, not a stack of slides: ask before filling the library with them.
      const plain = scan.files.filter((f) => PLAIN_IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
      const hold = plain.length > PLAIN_IMAGES_WITHOUT_ASKING && opts.plainImages !== 'add';
      if (hold) heldImages.push({ folder: abs, count: plain.length });
      const take = hold ? scan.files.filter((f) => !PLAIN_IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) : scan.files;
      if (scan.files.length === 0) {
        errors.push({ path: abs, message: `no slide files found in this folder (looked for ${[...SLIDE_EXTENSIONS].join(' ')})`, kind: 'not-found' });
      }
      files.push(...take);
    }
    for (const file of files) {
      try {
        const before = this.repo.byPath(file) ?? (await this.sameDicomSeries(file));
        if (!before) added.push(toSummary(await this.register(file)));
        else if (![...added, ...existing].some((s) => s.id === before.id)) existing.push(toSummary(before));
      } catch (e) {
        const d = toDomainError(e);
        errors.push({ path: file, message: d.message, kind: d.kind });
      }
    }
    return { added, existing, errors, skipped, heldImages };
  }

  /**
   * A DICOM WSI is a series of files (one per level, plus label/overview) in one folder; the
   * reader opens the whole series from any of them, so a folder scan registers it once.
   */
  private async sameDicomSeries(file: string): Promise<StoredSlide | null> {
    if (extname(file).toLowerCase() !== '.dcm') return null;
    const dir = dirname(file);
    const candidates = this.repo.list().filter((s) => s.reader === 'dicom' && dirname(s.path) === dir && s.properties['dicom.SeriesInstanceUID']);
    if (candidates.length === 0) return null;
    const series = await dicomSeriesUid(file).catch(() => null);
    return candidates.find((c) => c.properties['dicom.SeriesInstanceUID'] === series) ?? null;
  }

  /** The stored slide for `path`, registering it first if needed (CLI commands register on first use). */
  async ensure(path: string): Promise<StoredSlide> {
    const abs = resolve(path);
    const known = this.repo.byPath(abs);
    return known ? this.withImageType(known) : this.register(abs);
  }

  /**
   * The slide with its image type and channels, deciding them now for a slide an older version
   * added (they are stored once known). A slide whose pixels cannot be read stays undecided.
   */
  async withImageType(slide: StoredSlide): Promise<StoredSlide> {
    // A QPTIFF decided before channels carried their sample depth is decided again, once: its 16-bit channels would stay 8-bit.
    const undecidedDepth = hasChannelTiles(slide) && slide.channels.some((c) => c.bits === undefined);
    if ((slide.imageType !== null && !undecidedDepth) || !existsSync(slide.path)) return slide;
    const info = await imageInfoOf(await this.reader(slide.id));
    if (!info) return slide;
    this.repo.setImageInfo(slide.id, info);
    return this.repo.get(slide.id) ?? slide;
  }

  private async register(file: string): Promise<StoredSlide> {
    const reader = await openSlide(file, { cacheDir: this.dirs.slideCache });
    try {
      const [hash, st, image] = await Promise.all([contentHash(file), stat(file), imageInfoOf(reader)]);
      const slide = this.repo.insert({ path: file, name: basename(file), contentHash: hash, fileSize: st.size, reader: reader.readerName, meta: reader.metadata, image: image ?? undefined });
      this.readers.set(slide.id, Promise.resolve(reader));
      this.trimReaders();
      return slide;
    } catch (e) {
      reader.close();
      throw e;
    }
  }

  /** A pixel size typed in by the user (it wins over the file's and is marked as the user's); null goes back to the file's. */
  setMpp(id: number, mpp: number | null): StoredSlide {
    const s = this.require(id);
    if (mpp !== null && !(Number.isFinite(mpp) && mpp >= 0.01 && mpp <= 100)) {
      throw new SlideError(`a pixel size must be between 0.01 and 100 µm per pixel, got ${mpp} (slide "${s.name}")`, 'bad-request');
    }
    this.repo.setMppOverride(id, mpp);
    return this.require(id);
  }

  remove(id: number): boolean {
    this.dropReader(id);
    return this.repo.remove(id);
  }

  get(id: number): StoredSlide | null {
    return this.repo.get(id);
  }

  require(id: number): StoredSlide {
    const s = this.repo.get(id);
    if (!s) throw new SlideError(`no slide with id ${id} in the library`, 'not-found');
    return s;
  }

  async reader(id: number): Promise<SlideReader> {
    const cached = this.readers.get(id);
    if (cached) {
      // Re-insert to mark it most recently used.
      this.readers.delete(id);
      this.readers.set(id, cached);
      return cached;
    }
    const s = this.require(id);
    if (!existsSync(s.path)) throw new SlideError(`the file of slide "${s.name}" is gone: ${s.path}`, 'not-found');
    const p = openSlide(s.path, { cacheDir: this.dirs.slideCache });
    this.readers.set(id, p);
    p.catch(() => this.readers.delete(id));
    this.trimReaders();
    return p;
  }

  async tile(id: number, level: number, col: number, row: number, quality?: number): Promise<Buffer> {
    const s = this.require(id);
    return this.tiles.getTile({ hash: s.contentHash, reader: await this.reader(id) }, level, col, row, { quality });
  }

  /** Channel `channel` of a slide that keeps its channels apart (QPTIFF, OME-TIFF), as a lossless PNG tile of `bits` per sample. */
  async channelTile(id: number, channel: number, level: number, col: number, row: number, bits: 8 | 16 = 8): Promise<Buffer> {
    const s = this.require(id);
    return this.tiles.getChannelTile({ hash: s.contentHash, reader: await this.reader(id) }, channel, level, col, row, { bits });
  }

  /** JPEG thumbnail, made once per file content and kept in the data home. */
  async thumbnail(id: number): Promise<Buffer> {
    const s = await this.withImageType(this.require(id));
    const fluorescence = s.imageType === 'fluorescence';
    const mixed = hasChannelTiles(s);
    // Fluorescence thumbnails are contrast-stretched, mixed ones show every channel: names of their
    // own, so no near-black or first-channel-only one made earlier is served.
    const kind = mixed ? '-mc' : fluorescence ? '-fl' : '';
    const file = join(this.dirs.thumbnails, `${s.contentHash}-${THUMBNAIL_SIZE}${kind}.jpeg`);
    try {
      return await readFile(file);
    } catch {
      const opts = { imageType: s.imageType, channelColors: mixed ? s.channels.map((c) => c.color) : undefined };
      const jpeg = await thumbnail(await this.reader(id), THUMBNAIL_SIZE, opts);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await writeFile(tmp, jpeg);
        await rename(tmp, file);
      } catch {
        // Only a cache (the disk may be full or read-only): the thumbnail is still shown.
        await rm(tmp, { force: true });
      }
      return jpeg;
    }
  }

  async associated(id: number, name: string, allowSensitive: boolean): Promise<Buffer> {
    const s = this.require(id);
    if (!s.associatedImages.includes(name)) throw new SlideError(`slide "${s.name}" has no associated image "${name}"`, 'not-found');
    if (!allowSensitive && SENSITIVE_ASSOCIATED.has(name)) {
      throw new SlideError(`the ${name} image is hidden (it can carry patient names); turn off "hide label and macro images" in settings to see it`, 'bad-request');
    }
    const img = await (await this.reader(id)).readAssociatedImage(name);
    return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer();
  }

  close(): void {
    for (const id of [...this.readers.keys()]) this.dropReader(id);
  }

  private dropReader(id: number): void {
    const p = this.readers.get(id);
    this.readers.delete(id);
    p?.then((r) => {
      this.tiles.forget(r);
      r.close();
    }).catch(() => {});
  }

  private trimReaders(): void {
    while (this.readers.size > MAX_OPEN_READERS) this.dropReader(this.readers.keys().next().value!);
  }
}

/**
 * A fluorescence QPTIFF or multi-channel OME-TIFF keeps a page per channel, which the sharp
 * reader serves as tiles of their own; such channels carry their sample depth (a QPTIFF an
 * older version added does not yet).
 */
export function hasChannelTiles(s: Pick<StoredSlide, 'format' | 'reader' | 'imageType' | 'channels'>): boolean {
  if (s.reader !== 'sharp' || s.imageType !== 'fluorescence' || s.channels.length < 2) return false;
  return s.format === 'qptiff' || (s.format === 'ome-tiff' && s.channels.every((c) => c.bits !== undefined));
}

/** Brightfield or fluorescence and the channels; null when the overview cannot be read (a damaged file still registers). */
async function imageInfoOf(reader: SlideReader): Promise<SlideImageInfo | null> {
  try {
    const { imageType, channels } = await detectImageType(reader);
    return { imageType, channels };
  } catch {
    return null;
  }
}

export function toSummary(s: StoredSlide): SlideSummary {
  const { contentHash: _h, levels: _l, properties: _p, associatedImages: _a, ...summary } = s;
  return summary;
}

/** Slide files found by a folder scan, and every other file it passed over with why. */
interface FolderScan {
  files: string[];
  skipped: { path: string; reason: string }[];
}

const MAX_SCAN_DEPTH = 8;

/**
 * Slide files under `dir`. Hidden entries and the data folders of MRXS slides (read through
 * their .mrxs) are passed over silently; any other file is listed as skipped, with its reason.
 */
async function findSlideFiles(dir: string, depth = 0, out: FolderScan = { files: [], skipped: [] }): Promise<FolderScan> {
  if (depth > MAX_SCAN_DEPTH) {
    out.skipped.push({ path: dir, reason: `deeper than ${MAX_SCAN_DEPTH} folders below the one added; add it directly` });
    return out;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (names.has(`${e.name}.mrxs`)) continue;
      await findSlideFiles(full, depth + 1, out);
    } else if (e.isFile()) {
      const ext = extname(e.name).toLowerCase();
      if (SLIDE_EXTENSIONS.has(ext)) out.files.push(full);
      else out.skipped.push({ path: full, reason: ext ? `${ext} is not a slide format Tessella reads` : 'no file extension to tell its format by' });
    }
  }
  return out;
}
