/**
 * Encoded tiles, cached twice: a byte-bounded LRU in memory for the tiles a viewer is showing
 * now, and files on disk so reopening a slide (or restarting the app) does not re-render.
 * Keys use the slide's content hash, not its path, so a moved file keeps its cache and a
 * replaced file never serves stale tiles. The disk layer stays under a size limit
 * (TESSELLA_TILE_CACHE_GB, default 4): the least recently viewed slides' tiles go first.
 */
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { type CacheEntry, entriesToEvict, evict, folderEntries, limitFromEnv } from '../cache-trim.js';

export type TileFormat = 'jpeg' | 'png';

export interface TileKey {
  hash: string;
  level: number;
  col: number;
  row: number;
  quality: number;
  format: TileFormat;
}

const SAFE_HASH = /^[A-Za-z0-9_-]{1,128}$/;
const USED_MARK = '.used';

export function tileKeyString(k: TileKey): string {
  return `${k.hash}/${k.level}/${k.col}_${k.row}_q${k.quality}.${k.format}`;
}

function checkKey(k: TileKey): void {
  // the hash becomes a directory name: anything else could escape the cache directory
  if (!SAFE_HASH.test(k.hash)) throw new Error(`Unsafe cache hash ${JSON.stringify(k.hash)}`);
  for (const n of [k.level, k.col, k.row, k.quality]) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Bad tile key ${tileKeyString(k)}`);
  }
}

/** Least-recently-used map bounded by the total bytes of its values. */
export class ByteLru {
  private readonly map = new Map<string, Buffer>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string): Buffer | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recently used
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: Buffer): void {
    this.delete(key);
    // a value bigger than the whole budget would only flush everything else out
    if (value.byteLength > this.maxBytes) return;
    this.map.set(key, value);
    this.total += value.byteLength;
    for (const [oldest, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(oldest);
      this.total -= v.byteLength;
    }
  }

  delete(key: string): boolean {
    const v = this.map.get(key);
    if (v === undefined) return false;
    this.map.delete(key);
    this.total -= v.byteLength;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

/**
 * Each file is the encoded tile followed by a 12-byte trailer: magic, payload length, CRC-32.
 * Files only appear through rename(), but a crash, a full disk or another process can still
 * leave a truncated or damaged file; the trailer lets a read reject it instead of sending a
 * broken image to the viewer.
 */
const MAGIC = Buffer.from('TSt1', 'ascii');
const TRAILER = 12;

export function sealEntry(payload: Buffer): Buffer {
  const trailer = Buffer.alloc(TRAILER);
  MAGIC.copy(trailer, 0);
  trailer.writeUInt32BE(payload.byteLength, 4);
  trailer.writeUInt32BE(crc32(payload), 8);
  return Buffer.concat([payload, trailer]);
}

/** The payload of a sealed entry, or null when the file is not a complete, intact entry. */
export function openEntry(file: Buffer): Buffer | null {
  if (file.byteLength < TRAILER) return null;
  const end = file.byteLength - TRAILER;
  if (!file.subarray(end, end + 4).equals(MAGIC)) return null;
  if (file.readUInt32BE(end + 4) !== end) return null;
  const payload = file.subarray(0, end);
  return crc32(payload) === file.readUInt32BE(end + 8) ? payload : null;
}

let tmpCounter = 0;

export class DiskTileCache {
  private readonly madeDirs = new Set<string>();
  /**
   * File names present per hash/level directory, listed once on first use. A cold tile then
   * costs no failed open() on the thread pool. Only a hint: a name listed but gone is a miss, and
   * a file another process adds later is just rendered and written again.
   */
  private readonly listings = new Map<string, Promise<Set<string>>>();
  /** Slides whose "last viewed" marker this process has set. */
  private readonly marked = new Set<string>();
  /** Bytes on disk as last counted plus what this process wrote since; null until first counted. */
  private estimate: number | null = null;
  private trimming: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    readonly maxBytes: number = limitFromEnv('TESSELLA_TILE_CACHE_GB', 4),
  ) {}

  /** `<hash>/.used`, whose mtime says when the slide's tiles were last wanted. */
  private async markUsed(hash: string): Promise<void> {
    if (this.marked.has(hash)) return;
    this.marked.add(hash);
    await mkdir(join(this.dir, hash), { recursive: true });
    await writeFile(join(this.dir, hash, USED_MARK), '');
  }

  /** Every slide's tiles as one cache entry. */
  entries(): Promise<CacheEntry[]> {
    return folderEntries(this.dir, (name) => SAFE_HASH.test(name), USED_MARK);
  }

  /** Counts the whole cache and removes the least recently viewed slides beyond the limit. */
  private async trim(current: string): Promise<void> {
    const entries = await this.entries();
    const out = entriesToEvict(entries, this.maxBytes, new Set([current]));
    for (const e of out) this.forget(e.key);
    await evict(out);
    this.estimate = entries.reduce((n, e) => n + e.bytes, 0) - out.reduce((n, e) => n + e.bytes, 0);
  }

  private forget(hash: string): void {
    const root = join(this.dir, hash);
    const inside = (d: string) => d.startsWith(root + sep);
    for (const d of this.madeDirs) if (inside(d)) this.madeDirs.delete(d);
    for (const d of this.listings.keys()) if (inside(d)) this.listings.delete(d);
    this.marked.delete(hash);
  }

  /** Resolves when a trim under way (if any) has finished. */
  async trimmed(): Promise<void> {
    await this.trimming;
  }

  pathOf(k: TileKey): string {
    checkKey(k);
    return join(this.levelDir(k), this.fileName(k));
  }

  private levelDir(k: TileKey): string {
    return join(this.dir, k.hash, String(k.level));
  }

  private fileName(k: TileKey): string {
    return `${k.col}_${k.row}_q${k.quality}.${k.format}.tile`;
  }

  private listing(k: TileKey): Promise<Set<string>> {
    const dir = this.levelDir(k);
    let names = this.listings.get(dir);
    if (!names) {
      names = readdir(dir).then(
        (list) => new Set(list),
        () => new Set<string>(),
      );
      this.listings.set(dir, names);
    }
    return names;
  }

  async get(k: TileKey): Promise<Buffer | null> {
    const path = this.pathOf(k);
    const names = await this.listing(k);
    const name = this.fileName(k);
    if (!names.has(name)) return null;
    await this.markUsed(k.hash).catch(() => undefined);
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch {
      names.delete(name);
      return null;
    }
    const payload = openEntry(file);
    if (payload === null) {
      names.delete(name);
      await unlink(path).catch(() => undefined);
    }
    return payload;
  }

  async set(k: TileKey, payload: Buffer): Promise<void> {
    const path = this.pathOf(k);
    const dir = this.levelDir(k);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await this.markUsed(k.hash);
    const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
    const sealed = sealEntry(payload);
    try {
      await writeFile(tmp, sealed);
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      // someone removed the directory under us: forget it so the next write recreates it
      this.madeDirs.delete(dir);
      throw e;
    }
    (await this.listing(k)).add(this.fileName(k));
    if (this.estimate !== null) this.estimate += sealed.length;
    // The cache is counted once, then again only when this process's writes may have passed the
    // limit; one trim at a time, in the background of the writes; the slide being written stays.
    if (!this.trimming && (this.estimate === null || this.estimate > this.maxBytes)) {
      this.trimming = this.trim(k.hash)
        .catch(() => undefined)
        .finally(() => (this.trimming = null));
    }
  }

  /** Drop every cached tile of one slide. */
  async removeSlide(hash: string): Promise<void> {
    if (!SAFE_HASH.test(hash)) return;
    this.forget(hash);
    await rm(join(this.dir, hash), { recursive: true, force: true });
    this.estimate = null;
  }
}

export interface TileCacheOptions {
  /** Memory budget for encoded tiles; 0 turns the memory layer off. */
  memoryBytes?: number;
  /** Directory for the disk layer; null or absent turns it off. */
  dir?: string | null;
  /** Told about disk write failures, which never fail a tile request. */
  onDiskError?: (err: unknown) => void;
}

export const DEFAULT_MEMORY_BYTES = 64 << 20;

/** Memory in front of disk. Disk writes run in the background; flush() waits for them. */
export class TileCache {
  readonly memory: ByteLru;
  readonly disk: DiskTileCache | null;
  private readonly pending = new Set<Promise<void>>();
  private readonly onDiskError: (err: unknown) => void;

  constructor(opts: TileCacheOptions = {}) {
    this.memory = new ByteLru(opts.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.disk = opts.dir ? new DiskTileCache(opts.dir) : null;
    this.onDiskError = opts.onDiskError ?? (() => undefined);
  }

  /** From memory only; synchronous so a warm hit costs no extra event-loop turn. */
  getMemory(k: TileKey): Buffer | undefined {
    return this.memory.get(tileKeyString(k));
  }

  async get(k: TileKey): Promise<Buffer | null> {
    const key = tileKeyString(k);
    const hit = this.memory.get(key);
    if (hit) return hit;
    if (!this.disk) return null;
    const fromDisk = await this.disk.get(k);
    if (fromDisk) this.memory.set(key, fromDisk);
    return fromDisk;
  }

  set(k: TileKey, payload: Buffer): void {
    this.memory.set(tileKeyString(k), payload);
    if (!this.disk) return;
    const write: Promise<void> = this.disk
      .set(k, payload)
      .catch((e) => this.onDiskError(e))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every disk write started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
