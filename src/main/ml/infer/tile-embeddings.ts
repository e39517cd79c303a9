/**
 * A slide's tile embeddings by one embedder, kept so that another head on the same backbone
 * classifies the slide without running the backbone again. One store per (slide content hash,
 * embedder, tiling: slide mpp, target mpp, overlap, tile size), under the embedding cache root
 * (embedding-store.ts; same size limit, same LRU). Tiles are kept by grid position, so analyses
 * that select other tiles (another tissue threshold) reuse what overlaps. Written in blocks of
 * tiles, each block atomically: a killed analysis keeps every block it completed.
 *
 * Block file: int32 count, int32 dim, count x (int32 x, int32 y), count x dim float32.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markUsedAndTrim, writeAtomic } from './embedding-store.js';

export interface TilingKey {
  slideHash: string;
  embedder: string;
  slideMpp: number;
  targetMpp: number;
  overlap: number;
  tileSize: number;
}

export function tileStoreName(k: TilingKey): string {
  const h = createHash('sha256').update(JSON.stringify([k.slideHash, k.embedder, k.slideMpp, k.targetMpp, k.overlap, k.tileSize])).digest('hex');
  return `tiles-${h.slice(0, 32)}`;
}

const FLUSH_TILES = 256;

export class TileEmbeddings {
  readonly dir: string;
  private pending: { x: number; y: number; e: Float32Array }[] = [];
  private blocks = 0;

  constructor(
    readonly root: string,
    readonly name: string,
  ) {
    this.dir = join(root, name);
  }

  exists(): boolean {
    return existsSync(this.dir);
  }

  /** Every stored tile's embedding by "x,y". */
  async load(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith('.bin'));
    for (const n of names) {
      const buf = await readFile(join(this.dir, n)).catch(() => null);
      if (!buf || buf.byteLength < 8) continue;
      const count = buf.readInt32LE(0);
      const dim = buf.readInt32LE(4);
      if (buf.byteLength !== 8 + count * 8 + count * dim * 4) continue; // damaged: those tiles are recomputed
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 8 + count * 8, buf.byteOffset + buf.byteLength));
      for (let i = 0; i < count; i++) out.set(`${buf.readInt32LE(8 + i * 8)},${buf.readInt32LE(12 + i * 8)}`, data.slice(i * dim, (i + 1) * dim));
    }
    return out;
  }

  async add(x: number, y: number, e: Float32Array): Promise<void> {
    this.pending.push({ x, y, e });
    if (this.pending.length >= FLUSH_TILES) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const tiles = this.pending;
    this.pending = [];
    const dim = tiles[0].e.length;
    const buf = Buffer.alloc(8 + tiles.length * 8 + tiles.length * dim * 4);
    buf.writeInt32LE(tiles.length, 0);
    buf.writeInt32LE(dim, 4);
    tiles.forEach((t, i) => {
      buf.writeInt32LE(t.x, 8 + i * 8);
      buf.writeInt32LE(t.y, 12 + i * 8);
      Buffer.from(t.e.buffer, t.e.byteOffset, t.e.byteLength).copy(buf, 8 + tiles.length * 8 + i * dim * 4);
    });
    await mkdir(this.dir, { recursive: true });
    // named by writer and sequence: two analyses of the same slide never overwrite each other's blocks
    await writeAtomic(join(this.dir, `${process.pid}-${Date.now()}-${this.blocks++}.bin`), buf);
  }

  /** Flushes, marks the store as just used and keeps the cache under its limit. */
  async close(): Promise<void> {
    await this.flush();
    await markUsedAndTrim(this.root, this.name);
  }
}
