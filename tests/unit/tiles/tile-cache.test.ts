import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ByteLru, DiskTileCache, openEntry, sealEntry, TileCache, type TileKey } from '../../../src/main/slides/tile-cache.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tessella-tile-cache-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const key = (col: number, extra: Partial<TileKey> = {}): TileKey => ({
  hash: 'abc123',
  level: 12,
  col,
  row: 3,
  quality: 85,
  format: 'jpeg',
  ...extra,
});

const ihc = sharedPath(SLIDES.ihc);
/** Real JPEG tiles cut from the IHC image, so the cache stores what it will store in use. */
async function realTiles(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await sharp(ihc!).extract({ left: i * 32, top: i * 16, width: 254, height: 254 }).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

describe('ByteLru', () => {
  it('evicts least recently used entries once the byte budget is exceeded', () => {
    const lru = new ByteLru(100);
    lru.set('a', Buffer.alloc(40));
    lru.set('b', Buffer.alloc(40));
    expect(lru.get('a')?.byteLength).toBe(40); // a is now the most recent
    lru.set('c', Buffer.alloc(40)); // 120 > 100: b goes
    expect(lru.has('b')).toBe(false);
    expect(lru.has('a')).toBe(true);
    expect(lru.has('c')).toBe(true);
    expect(lru.bytes).toBe(80);
    lru.set('d', Buffer.alloc(90)); // needs both a and c out
    expect([lru.has('a'), lru.has('c'), lru.has('d')]).toEqual([false, false, true]);
    expect(lru.bytes).toBe(90);
  });

  it('replacing a key re-counts its bytes and oversize values are not kept', () => {
    const lru = new ByteLru(100);
    lru.set('a', Buffer.alloc(60));
    lru.set('a', Buffer.alloc(10));
    expect(lru.bytes).toBe(10);
    lru.set('huge', Buffer.alloc(101));
    expect(lru.has('huge')).toBe(false);
    expect(lru.has('a')).toBe(true);
    expect(lru.delete('a')).toBe(true);
    expect(lru.bytes).toBe(0);
    expect(lru.size).toBe(0);
  });
});

describe('sealed disk entries', () => {
  it('round-trip and reject truncation, bit flips and foreign files', () => {
    const payload = Buffer.from('not really a jpeg but bytes all the same');
    const sealed = sealEntry(payload);
    expect(openEntry(sealed)?.equals(payload)).toBe(true);
    expect(openEntry(sealed.subarray(0, sealed.length - 1))).toBeNull();
    expect(openEntry(sealed.subarray(5))).toBeNull();
    const flipped = Buffer.from(sealed);
    flipped[3] ^= 1;
    expect(openEntry(flipped)).toBeNull();
    expect(openEntry(payload)).toBeNull();
    expect(openEntry(Buffer.alloc(0))).toBeNull();
  });
});

describe('DiskTileCache and TileCache', needs(ihc), () => {
  it('serves a tile from disk after a restart (new cache object, same directory)', async () => {
    const dir = await tempDir();
    const [t0, t1] = await realTiles(2);
    const first = new TileCache({ dir, memoryBytes: 1 << 20 });
    first.set(key(0), t0);
    first.set(key(1), t1);
    await first.flush();

    const second = new TileCache({ dir, memoryBytes: 1 << 20 });
    expect(second.getMemory(key(0))).toBeUndefined();
    const got = await second.get(key(0));
    expect(got?.equals(t0)).toBe(true);
    expect((await sharp(got!).metadata()).format).toBe('jpeg');
    // promoted to memory by the disk hit
    expect(second.getMemory(key(0))?.equals(t0)).toBe(true);
    expect(await second.get(key(1, { quality: 70 }))).toBeNull();
    expect(await second.get(key(1, { hash: 'other' }))).toBeNull();
  });

  it('leaves no temporary files behind', async () => {
    const dir = await tempDir();
    const tiles = await realTiles(4);
    const cache = new TileCache({ dir });
    tiles.forEach((t, i) => cache.set(key(i), t));
    await cache.flush();
    const files = await readdir(join(dir, 'abc123', '12'));
    expect(files.sort()).toEqual(['0_3_q85.jpeg.tile', '1_3_q85.jpeg.tile', '2_3_q85.jpeg.tile', '3_3_q85.jpeg.tile']);
  });

  it('ignores and removes a truncated or overwritten entry', async () => {
    const dir = await tempDir();
    const [t0, t1] = await realTiles(2);
    const disk = new DiskTileCache(dir);
    await disk.set(key(0), t0);
    await disk.set(key(1), t1);

    await truncate(disk.pathOf(key(0)), 1000);
    // a complete JPEG without the trailer, e.g. written by something else
    await writeFile(disk.pathOf(key(1)), t1);

    const cache = new TileCache({ dir });
    expect(await cache.get(key(0))).toBeNull();
    expect(await cache.get(key(1))).toBeNull();
    await expect(readFile(disk.pathOf(key(0)))).rejects.toThrow(/ENOENT/);
    await expect(readFile(disk.pathOf(key(1)))).rejects.toThrow(/ENOENT/);
  });

  it('treats a file deleted behind its back as a miss, and forgets a removed slide', async () => {
    const dir = await tempDir();
    const [t0, t1] = await realTiles(2);
    const disk = new DiskTileCache(dir);
    await disk.set(key(0), t0);
    await disk.set(key(0, { hash: 'abc1234' }), t1);
    expect((await disk.get(key(0)))?.equals(t0)).toBe(true);
    await rm(disk.pathOf(key(0)));
    expect(await disk.get(key(0))).toBeNull();
    await disk.set(key(0), t0);
    expect((await disk.get(key(0)))?.equals(t0)).toBe(true);

    await disk.removeSlide('abc123');
    expect(await disk.get(key(0))).toBeNull();
    // a slide whose hash merely starts the same is untouched
    expect((await disk.get(key(0, { hash: 'abc1234' })))?.equals(t1)).toBe(true);
    await disk.set(key(0), t0);
    expect((await new DiskTileCache(dir).get(key(0)))?.equals(t0)).toBe(true);
  });

  it('rejects hashes that would leave the cache directory', async () => {
    const disk = new DiskTileCache(await tempDir());
    expect(() => disk.pathOf(key(0, { hash: '../evil' }))).toThrow(/Unsafe/);
    expect(() => disk.pathOf(key(-1))).toThrow(/Bad tile key/);
  });

  it('reports disk write failures without failing the caller', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'file-not-dir');
    await writeFile(blocker, 'x');
    const errors: unknown[] = [];
    const cache = new TileCache({ dir: blocker, onDiskError: (e) => errors.push(e) });
    const [t0] = await realTiles(1);
    cache.set(key(0), t0);
    await cache.flush();
    expect(errors).toHaveLength(1);
    expect(cache.getMemory(key(0))?.equals(t0)).toBe(true);
  });

  it('keeps memory within budget while disk keeps everything', async () => {
    const dir = await tempDir();
    const tiles = await realTiles(6);
    const budget = tiles[0].length + tiles[1].length + 10;
    const cache = new TileCache({ dir, memoryBytes: budget });
    tiles.forEach((t, i) => cache.set(key(i), t));
    await cache.flush();
    expect(cache.memory.bytes).toBeLessThanOrEqual(budget);
    expect(cache.getMemory(key(0))).toBeUndefined();
    expect(cache.getMemory(key(5))?.equals(tiles[5])).toBe(true);
    expect((await cache.get(key(0)))?.equals(tiles[0])).toBe(true);
  });
});
