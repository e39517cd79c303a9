import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { deepZoomGeometry, dziXml } from '../../../src/main/slides/deepzoom.js';
import { writeDeepZoom, type DeepZoomProgress } from '../../../src/main/slides/dzi-writer.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { pyGeometry } from './openslide-python.js';
import { pngReader } from './png-reader.js';
import { has, needs } from '../../helpers/needs.js';

const ihc = sharedPath(SLIDES.ihc);
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tessella-dzi-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('writeDeepZoom', needs(ihc), () => {
  it('writes the .dzi and one correctly sized tile per address, reporting progress', async () => {
    const reader = await pngReader(ihc!);
    const out = await tempDir();
    const progress: DeepZoomProgress[] = [];
    const res = await writeDeepZoom(reader, out, 'ihc', {}, (p) => progress.push(p));
    const g = deepZoomGeometry(reader.metadata);

    expect(res).toEqual({ dziPath: join(out, 'ihc.dzi'), filesDir: join(out, 'ihc_files'), levelCount: 10, tileCount: 21 });
    expect(await readFile(res.dziPath, 'utf8')).toBe(dziXml(g, 'jpeg'));
    expect((await readdir(out)).sort()).toEqual(['ihc.dzi', 'ihc_files']);
    expect((await readdir(res.filesDir)).map(Number).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    for (let level = 0; level < g.levels.length; level++) {
      const names = (await readdir(join(res.filesDir, String(level)))).sort();
      const expected: string[] = [];
      for (let row = 0; row < g.levels[level].rows; row++) for (let col = 0; col < g.levels[level].cols; col++) expected.push(`${col}_${row}.jpeg`);
      expect(names).toEqual(expected.sort());
    }
    const last = await sharp(join(res.filesDir, '9', '2_1.jpeg')).metadata();
    expect([last.format, last.width, last.height]).toEqual(['jpeg', 5, 256]);

    expect(progress).toHaveLength(21);
    expect(progress.map((p) => p.done)).toEqual([...Array(21).keys()].map((i) => i + 1));
    expect(progress.every((p) => p.total === 21)).toBe(true);
  });

  it('writes the same .dzi as OpenSlide Python', needs(has.pythonOpenSlide), async () => {
    const reader = await pngReader(ihc!);
    const out = await tempDir();
    const res = await writeDeepZoom(reader, out, 'x');
    expect(await readFile(res.dziPath, 'utf8')).toBe(pyGeometry([ihc!]).dzi);
  });

  it('writes PNG tiles when asked', async () => {
    const reader = await pngReader(ihc!);
    const out = await tempDir();
    const res = await writeDeepZoom(reader, out, 'p', { format: 'png', tileSize: 510, overlap: 1 });
    expect(await readFile(res.dziPath, 'utf8')).toContain('TileSize="510" Overlap="1" Format="png"');
    const m = await sharp(join(res.filesDir, '9', '0_0.png')).metadata();
    expect([m.format, m.width, m.height]).toEqual(['png', 511, 511]);
    expect(res.tileCount).toBe(13); // 9 one-tile levels + 2x2 at full size
  });

  it('stops on abort and leaves no .dzi', async () => {
    const reader = await pngReader(ihc!);
    const out = await tempDir();
    const ac = new AbortController();
    let seen = 0;
    const err = await writeDeepZoom(reader, out, 'cut', { signal: ac.signal, concurrency: 2 }, (p) => {
      seen = p.done;
      if (p.done === 5) ac.abort();
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(seen).toBeLessThanOrEqual(6); // the other worker may finish the tile it had started
    await expect(stat(join(out, 'cut.dzi'))).rejects.toThrow(/ENOENT/);
    // an already aborted signal does nothing at all
    const none = await tempDir();
    await expect(writeDeepZoom(reader, none, 'n', { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await readdir(none)).toEqual([]);
  });

  it('refuses names that are paths', async () => {
    const reader = await pngReader(ihc!);
    const out = await tempDir();
    await expect(writeDeepZoom(reader, out, '../escape')).rejects.toThrow(/Bad pyramid name/);
    await expect(writeDeepZoom(reader, out, '')).rejects.toThrow(/Bad pyramid name/);
  });
});
