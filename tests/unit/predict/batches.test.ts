/**
 * The pieces under predict: softmax and top-k ordering, and image batches read one ahead of the
 * engine on real lung patches.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachBatch, ImageReadError, listImageFolder, readBatch } from '../../../src/main/ml/infer/image-batches.js';
import { softmax, toPrediction } from '../../../src/main/ml/infer/predict.js';
import { builtinConfig } from '../../../src/main/ml/models/configs.js';
import { standardPreprocessor } from '../../../src/main/ml/models/processors.js';
import { tempHome } from '../../helpers/temp-home.js';
import { LUNG } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-batches-');
afterAll(() => home.cleanup());

describe('softmax and top-k', () => {
  it('stays right for logits that would overflow exp()', () => {
    const p = softmax([1000, 1000 + Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
  });

  it('orders by probability, ties by class id, and keeps every logit', () => {
    const p = toPrediction('f.png', [0.5, 2, 0.5, -1], ['a', 'b', 'c', 'd'], 3);
    expect(p.label).toBe('b');
    expect(Object.keys(p.probabilities)).toEqual(['b', 'a', 'c']);
    expect(p.probabilities.a).toBe(p.probabilities.c);
    expect(p.logits).toEqual([0.5, 2, 0.5, -1]);
    expect(Object.keys(toPrediction('f', [1, 2], ['x', 'y'], 99).probabilities)).toEqual(['y', 'x']);
  });
});

describe('forEachBatch on lung patches', needs(LUNG), () => {
  const pp = { preprocessor: standardPreprocessor(builtinConfig('resnet-50')), stain: null };

  it('lists an ImageFolder tree with its classes', async () => {
    const items = await listImageFolder(LUNG!);
    expect(items).toHaveLength(90);
    expect(new Set(items.map((i) => i.label))).toEqual(new Set(['lung_aca', 'lung_n', 'lung_scc']));
    expect(items.map((i) => i.file)).toEqual([...items.map((i) => i.file)].sort());
  });

  it('hands over batches in order, with the pixels readBatch makes for the same files', async () => {
    const files = readdirSync(join(LUNG!, 'lung_n')).slice(0, 7).map((f) => join(LUNG!, 'lung_n', f));
    const seen: { start: number; n: number; pixels: Float32Array }[] = [];
    await forEachBatch(files, pp, 3, async (pixels, batch, start) => {
      await new Promise((r) => setTimeout(r, 20)); // an engine taking its time
      seen.push({ start, n: batch.length, pixels });
      expect(batch).toEqual(files.slice(start, start + 3));
    });
    expect(seen.map((s) => [s.start, s.n])).toEqual([[0, 3], [3, 3], [6, 1]]);
    const all = await readBatch(files, pp);
    const per = 3 * 224 * 224;
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    seen.forEach((s) => expect(bytes(s.pixels).equals(bytes(all.subarray(s.start * per, (s.start + s.n) * per)))).toBe(true));
  });

  it('a bad file in a later batch fails the run with its name, after the earlier batches ran', async () => {
    const bad = join(home.dir, 'broken.jpeg');
    writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
    const files = [...readdirSync(join(LUNG!, 'lung_aca')).slice(0, 4).map((f) => join(LUNG!, 'lung_aca', f)), bad];
    const ran: number[] = [];
    const err = await forEachBatch(files, pp, 2, async (_p, batch, start) => {
      await new Promise((r) => setTimeout(r, 20));
      ran.push(start);
      expect(batch).not.toContain(bad);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageReadError);
    expect((err as ImageReadError).file).toBe(bad);
    expect((err as Error).message).toMatch(/broken\.jpeg: not a readable image/);
    expect(ran).toEqual([0, 2]);
  });
});
