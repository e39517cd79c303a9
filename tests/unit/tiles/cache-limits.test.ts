/**
 * The caches that grow with use stay under their limits: the tile cache drops the least recently
 * viewed slides' tiles, the ONNX graph cache the least recently used checkpoints' graphs, and
 * neither ever drops what is in use. A dropped entry is simply rebuilt on the next request.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CacheEntry, entriesToEvict } from '../../../src/main/cache-trim';
import { graphCacheEntries, trimGraphCache } from '../../../src/main/ml/graph-cache-limit';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint';
import { OnnxEngine } from '../../../src/main/ml/onnx/session';
import { DiskTileCache, type TileKey } from '../../../src/main/slides/tile-cache';
import { backboneFeatures } from '../../../src/main/train/features';
import { ImageStore } from '../../../src/main/train/images';
import type { StainParams } from '../../../src/main/ml/preprocess/stain';
import { sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-cache-limits-');
afterAll(() => home.cleanup());

const entry = (key: string, bytes: number, usedAt: number): CacheEntry => ({ key, paths: [], bytes, usedAt });

describe('choosing what to evict', () => {
  it('takes the least recently used first, only as many as needed, never a kept one', () => {
    const all = [entry('new', 40, 300), entry('old', 30, 100), entry('mid', 50, 200)];
    expect(entriesToEvict(all, 120).map((e) => e.key)).toEqual([]);
    expect(entriesToEvict(all, 100).map((e) => e.key)).toEqual(['old']);
    expect(entriesToEvict(all, 60).map((e) => e.key)).toEqual(['old', 'mid']);
    expect(entriesToEvict(all, 60, new Set(['old'])).map((e) => e.key)).toEqual(['mid', 'new']);
    expect(entriesToEvict(all, 0, new Set(['new'])).map((e) => e.key)).toEqual(['old', 'mid']);
  });
});

describe('the disk tile cache', () => {
  const key = (hash: string, col: number): TileKey => ({ hash, level: 10, col, row: 0, format: 'jpeg', quality: 80 });
  const payload = Buffer.alloc(10_000, 7);

  it('drops the least recently viewed slide when a new one pushes it past its limit, and renders it again later', async () => {
    const dir = join(home.dir, 'tiles');
    const cache = new DiskTileCache(dir, 45_000);
    for (let c = 0; c < 3; c++) await cache.set(key('slideA', c), payload);
    await cache.trimmed();
    // viewed a while ago
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'slideA', '.used'), past, past);
    for (let c = 0; c < 3; c++) await cache.set(key('slideB', c), payload);
    await cache.trimmed();
    expect(existsSync(join(dir, 'slideA'))).toBe(false);
    expect(readdirSync(join(dir, 'slideB', '10'))).toHaveLength(3);
    expect(await cache.get(key('slideA', 0))).toBeNull();
    expect(await cache.get(key('slideB', 2))).toEqual(payload);

    // slide A viewed again: its tiles come back, and now slide B (older) is the one to go
    utimesSync(join(dir, 'slideB', '.used'), past, past);
    for (let c = 0; c < 3; c++) await cache.set(key('slideA', c), payload);
    await cache.trimmed();
    expect(await cache.get(key('slideA', 1))).toEqual(payload);
    expect(existsSync(join(dir, 'slideB'))).toBe(false);
  });

  it('never drops the slide being written, even alone over the limit', async () => {
    const dir = join(home.dir, 'tiles-one');
    const cache = new DiskTileCache(dir, 15_000);
    for (let c = 0; c < 4; c++) await cache.set(key('big', c), payload);
    await cache.trimmed();
    expect(readdirSync(join(dir, 'big', '10'))).toHaveLength(4);
  });
});

describe('the ONNX graph cache', () => {
  const vitTiny = sharedPath('oracle/vit_tiny');
  const resnetTiny = sharedPath('oracle/resnet_tiny');
  const before = process.env.TESSELLA_GRAPH_CACHE_GB;
  afterEach(() => {
    if (before === undefined) delete process.env.TESSELLA_GRAPH_CACHE_GB;
    else process.env.TESSELLA_GRAPH_CACHE_GB = before;
  });

  it('groups each checkpoint\'s files and trims the oldest, keeping the one in use', async () => {
    const dir = join(home.dir, 'graphs-files');
    mkdirSync(dir, { recursive: true });
    const hashes = ['a', 'b', 'c'].map((c) => c.repeat(64));
    hashes.forEach((h, i) => {
      for (const f of [`${h}.onnx`, `${h}-explain.onnx`, `${h}.json`, `${h}.opt-${'0123456789abcdef'}.onnx`]) {
        writeFileSync(join(dir, f), Buffer.alloc(1000));
        const t = new Date(Date.now() - (3 - i) * 60_000);
        utimesSync(join(dir, f), t, t);
      }
    });
    writeFileSync(join(dir, 'checkpoint-hashes.json'), '{}');
    expect((await graphCacheEntries(dir)).map((e) => [e.key, e.paths.length, e.bytes]).sort()).toEqual(hashes.map((h) => [h, 4, 4000]));
    expect(await trimGraphCache(dir, hashes[0]!, 8500)).toEqual([hashes[1]]);
    const kept = (h: string) => [`${h}-explain.onnx`, `${h}.json`, `${h}.onnx`, `${h}.opt-0123456789abcdef.onnx`];
    expect(readdirSync(dir).sort()).toEqual([...kept(hashes[0]!), ...kept(hashes[2]!), 'checkpoint-hashes.json'].sort());
  });

  it('a new graph makes room by dropping the least recently used one, which is rebuilt when wanted', needs(vitTiny, resnetTiny), async () => {
    const cacheDir = join(home.dir, 'graphs');
    process.env.TESSELLA_GRAPH_CACHE_GB = String(1 / 1024 ** 3); // one byte: only the graph in use may stay
    const vit = await loadCheckpoint(vitTiny!);
    const resnet = await loadCheckpoint(resnetTiny!);
    const first = await OnnxEngine.load(vit, { cacheDir });
    await first.dispose();
    expect(existsSync(join(cacheDir, `${vit.hash}.onnx`))).toBe(true);
    const second = await OnnxEngine.load(resnet, { cacheDir });
    await second.dispose();
    expect(existsSync(join(cacheDir, `${vit.hash}.onnx`))).toBe(false);
    expect(existsSync(join(cacheDir, `${resnet.hash}.onnx`))).toBe(true);
    const again = await OnnxEngine.load(vit, { cacheDir });
    expect(again.fromCache).toBe(false);
    await again.dispose();
  });
});

describe('head mode\'s backbone features in the embedding store', () => {
  const vitTiny = sharedPath('oracle/vit_tiny');
  const lung = sharedPath('data/patches/lc25000_lung');
  const before = process.env.TESSELLA_FEATURE_CACHE_GB;
  const otherStain: StainParams = { method: 'reinhard', reference: 'ref.png', mean: [60, 10, -5], std: [15, 5, 5] };
  afterEach(() => {
    if (before === undefined) delete process.env.TESSELLA_FEATURE_CACHE_GB;
    else process.env.TESSELLA_FEATURE_CACHE_GB = before;
  });

  it('keeps the features in use and drops older models\' over the limit', needs(vitTiny, lung), async () => {
    const storeRoot = join(home.dir, 'embeddings');
    const engineCacheDir = join(home.dir, 'training', 'onnx');
    const ck = await loadCheckpoint(vitTiny!);
    const paths = readdirSync(join(lung!, 'lung_n')).sort().slice(0, 4).map((f) => join(lung!, 'lung_n', f));
    const store = new ImageStore(null);
    const first = await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: null });
    expect(first.computed).toBe(4);
    const [firstKey] = readdirSync(storeRoot);
    // within the default limit the features are reused ...
    expect((await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: null })).computed).toBe(0);
    // ... and over it, another normalisation's features push the older ones out
    process.env.TESSELLA_FEATURE_CACHE_GB = String(1 / 1024 ** 3);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(storeRoot, firstKey!, '.used'), past, past);
    await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: otherStain });
    const left = readdirSync(storeRoot);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(firstKey);
  });

  it('moves what an older data home cached per path into the embedding store on first read', needs(vitTiny, lung), async () => {
    const root = join(home.dir, 'legacy');
    const storeRoot = join(root, 'embeddings');
    const engineCacheDir = join(root, 'onnx');
    const legacyDir = join(root, 'features');
    const ck = await loadCheckpoint(vitTiny!);
    const paths = readdirSync(join(lung!, 'lung_n')).sort().slice(0, 2).map((f) => join(lung!, 'lung_n', f));
    const store = new ImageStore(null);
    const fresh = await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: null });
    // the same features laid out as the old cache kept them (model key, then path + size + mtime)
    const modelKey = createHash('sha256').update(`${ck.hash}\0`).digest('hex').slice(0, 24);
    mkdirSync(join(legacyDir, modelKey), { recursive: true });
    writeFileSync(join(legacyDir, modelKey, '.used'), '');
    for (let i = 0; i < paths.length; i++) {
      const s = statSync(paths[i]!);
      const key = createHash('sha256').update(`${modelKey}\0${paths[i]}\0${s.size}\0${s.mtimeMs}`).digest('hex');
      writeFileSync(join(legacyDir, modelKey, `${key}.f32`), Buffer.from(fresh.features[i]!.buffer, fresh.features[i]!.byteOffset, fresh.features[i]!.byteLength));
    }
    rmSync(storeRoot, { recursive: true });
    const migrated = await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: null, legacyDir });
    expect(migrated.computed).toBe(0);
    expect(migrated.features.map((f) => [...f])).toEqual(fresh.features.map((f) => [...f]));
    expect(existsSync(join(legacyDir, modelKey))).toBe(false);
    expect((await backboneFeatures(ck, paths, store, { storeRoot, engineCacheDir, stain: null })).computed).toBe(0);
  });
});
