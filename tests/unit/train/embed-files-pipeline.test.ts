/**
 * embedFiles reads the next batch while the backbone runs this one, with its session in a worker
 * on a long job (from WORKER_FROM_IMAGES distinct images) and inline on a short one: on real
 * patches with an unreadable file among them, every readable file gets the embedding a short
 * inline job gives it, in file order, and the unreadable one is reported, not fatal.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embedFiles } from '../../../src/main/ml/infer/embed-files.js';
import { WORKER_FROM_IMAGES } from '../../../src/main/ml/onnx/session-placement.js';
import { needs } from '../../helpers/needs.js';
import { lung, vitTiny } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-embed-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('embedFiles over many batches', needs(lung, vitTiny), () => {
  it('gives each readable file the embedding a short inline job gives, and reports the unreadable one', async () => {
    const saved = process.env['TESSELLA_ONNX_WORKER'];
    delete process.env['TESSELLA_ONNX_WORKER'];
    try {
      const patches = ['lung_aca', 'lung_n', 'lung_scc'].flatMap((c) => readdirSync(join(lung!, c)).sort().map((f) => join(lung!, c, f)));
      expect(patches.length).toBeGreaterThanOrEqual(WORKER_FROM_IMAGES);
      const bad = join(tmp, 'bad.jpeg');
      writeFileSync(bad, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(512, 7)]));
      const files = [...patches.slice(0, 9), bad, ...patches.slice(9, WORKER_FROM_IMAGES)];
      const engineCacheDir = join(tmp, 'onnx');
      const long = await embedFiles(vitTiny!, files, { storeRoot: join(tmp, 'long'), engineCacheDir, batchSize: 8 });
      expect(long.skipped.map((s) => s.path)).toEqual([bad]);
      expect(long.computed).toBe(WORKER_FROM_IMAGES);
      expect(long.session).toBe('worker');
      expect(long.embeddings[9]).toBeNull();
      // a few of the same files, a short job (inline), in another store: computed again
      const some = [0, 8, 10, 33, WORKER_FROM_IMAGES].map((i) => files[i]!);
      const short = await embedFiles(vitTiny!, some, { storeRoot: join(tmp, 'short'), engineCacheDir, batchSize: 2 });
      expect(short.computed).toBe(some.length);
      expect(short.session).toBe('inline');
      some.forEach((f, j) => expect(Array.from(long.embeddings[files.indexOf(f)]!)).toEqual(Array.from(short.embeddings[j]!)));
    } finally {
      if (saved === undefined) delete process.env['TESSELLA_ONNX_WORKER'];
      else process.env['TESSELLA_ONNX_WORKER'] = saved;
    }
  }, 240_000);
});
