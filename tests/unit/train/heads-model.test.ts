/**
 * A head folder as a model: opened by loadCheckpoint with the head in place of the backbone's
 * classifier, run by onnxruntime (an MLP head appended to the backbone graph, plain and explain
 * graphs), and its logits equal to the head applied to the backbone's own `features` output.
 * A backbone that changed since the head was trained is refused; tfjs refuses an MLP head.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headLogits, isHeadFolder, writeHeadFolder, type HeadLayers } from '../../../src/main/ml/head/head-folder.js';
import { embeddingBackboneHash, logitsFromEmbedding } from '../../../src/main/ml/head/head-checkpoint.js';
import { openRunner } from '../../../src/main/ml/infer/engine-runner.js';
import { embedFiles } from '../../../src/main/ml/infer/embed-files.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { preprocessBatch } from '../../../src/main/ml/models/model-input.js';
import { OnnxEngine } from '../../../src/main/ml/onnx/session.js';
import { vitTiny } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const dir = mkdtempSync(join(tmpdir(), 'tessella-heads-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seeded(n: number, seed: number, scale: number): Float32Array {
  let a = seed;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return (a / 4294967296 - 0.5) * scale;
  });
}

describe('a head folder as a model', needs(vitTiny), () => {
  const labels = ['a', 'b', 'c'];
  const d = 48;
  const mlp: HeadLayers = { kind: 'mlp', k: 3, d, hidden: 16, w1: seeded(16 * d, 1, 0.5), b1: seeded(16, 2, 0.1), w2: seeded(3 * 16, 3, 0.8), b2: seeded(3, 4, 0.1) };
  const lin: HeadLayers = { kind: 'logreg', k: 3, d, weight: seeded(3 * d, 5, 0.6), bias: seeded(3, 6, 0.2) };
  const images = [join(vitTiny!, 'image_0.png'), join(vitTiny!, 'image_1.png')];

  async function backboneFeatures(): Promise<Float32Array[]> {
    const bb = await loadCheckpoint(vitTiny!, { seed: 0 });
    const engine = await OnnxEngine.load(bb, { cacheDir: join(dir, 'onnx') });
    try {
      const px = await preprocessBatch(images, bb);
      return (await engine.run(px.data, images.length)).features;
    } finally {
      await engine.dispose();
    }
  }

  async function headDir(name: string, layers: HeadLayers, backboneHash?: string): Promise<string> {
    const bb = await loadCheckpoint(vitTiny!, { seed: 0 });
    const out = join(dir, name);
    await writeHeadFolder(out, { layers, labels, backbone: { ref: vitTiny!, hash: backboneHash ?? bb.hash, arch: 'vit', seed: 0 }, stain: null });
    return out;
  }

  for (const layers of [mlp, lin]) {
    it(`${layers.kind}: the graph's logits are the head on the backbone's features, plain and explain`, async () => {
      const feats = await backboneFeatures();
      const folder = await headDir(`head-${layers.kind}`, layers);
      expect(isHeadFolder(folder)).toBe(true);
      const ck = await loadCheckpoint(folder);
      expect(ck.id2label).toEqual({ 0: 'a', 1: 'b', 2: 'c' });
      expect(embeddingBackboneHash(ck)).toBe((await loadCheckpoint(vitTiny!, { seed: 0 })).hash);
      const px = await preprocessBatch(images, ck);
      for (const explain of [false, true]) {
        const engine = await OnnxEngine.load(ck, { cacheDir: join(dir, 'onnx'), explain });
        try {
          const out = explain ? await engine.explain(px.data, images.length) : await engine.run(px.data, images.length);
          out.features.forEach((f, i) => {
            Array.from(f).forEach((v, j) => expect(v).toBeCloseTo(feats[i][j], 5));
            const expected = headLogits(layers, feats[i]);
            Array.from(out.logits[i]).forEach((v, c) => expect(v).toBeCloseTo(expected[c], 4));
            // what slide inference computes from a stored embedding
            Array.from(logitsFromEmbedding(ck)(feats[i])).forEach((v, c) => expect(v).toBeCloseTo(expected[c], 4));
          });
        } finally {
          await engine.dispose();
        }
      }
    });
  }

  it('refuses a backbone that changed since the head was trained', async () => {
    const folder = await headDir('stale', lin, 'f'.repeat(64));
    await expect(loadCheckpoint(folder)).rejects.toThrow(/not the one the head was trained on/);
  });

  it('refuses a head whose width is not the backbone embedding', async () => {
    const folder = await headDir('wide', { ...lin, d: 64, weight: seeded(3 * 64, 7, 1) });
    await expect(loadCheckpoint(folder)).rejects.toThrow(/64-wide embeddings/);
  });

  it('a relative backbone folder is found next to the head; tfjs refuses an MLP head', async () => {
    const root = join(dir, 'moved');
    cpSync(vitTiny!, join(root, 'backbone'), { recursive: true });
    const bb = await loadCheckpoint(join(root, 'backbone'), { seed: 0 });
    await writeHeadFolder(join(root, 'head'), { layers: mlp, labels, backbone: { ref: '../backbone', hash: bb.hash, arch: 'vit', seed: 0 }, stain: null });
    const ck = await loadCheckpoint(join(root, 'head'));
    expect(ck.arch).toBe('vit');
    await expect(openRunner(join(root, 'head'), { engine: 'tfjs' })).rejects.toThrow(/onnx engine only/);
    writeFileSync(join(root, 'head', 'config.json'), '{"model_type": "tessella-head"}');
    await expect(loadCheckpoint(join(root, 'head'))).rejects.toThrow(/not a head configuration/);
  });

  it('embeds an image content once per backbone: a copy elsewhere and a second call run nothing', async () => {
    const store = join(dir, 'embeddings');
    const engines = join(dir, 'onnx-embed');
    const first = await embedFiles(vitTiny!, images, { storeRoot: store, engineCacheDir: engines, load: { seed: 0 } });
    expect(first.computed).toBe(2);
    expect(first.provider).toBe('cpu');
    const feats = await backboneFeatures();
    first.embeddings.forEach((e, i) => Array.from(e!).forEach((v, j) => expect(v).toBeCloseTo(feats[i][j], 5)));
    // the same bytes under another name, in another folder: a hit
    const copy = join(dir, 'copies', 'renamed.png');
    cpSync(images[1], copy);
    const again = await embedFiles(vitTiny!, [copy, images[0]], { storeRoot: store, engineCacheDir: engines, load: { seed: 0 } });
    expect(again.computed).toBe(0);
    expect(again.provider).toBeNull(); // the engine was never opened
    expect(Array.from(again.embeddings[0]!)).toEqual(Array.from(first.embeddings[1]!));
    // another backbone (other seed of a built-in) is another embedder: computed afresh
    const other = await embedFiles('vit-ti16', [images[0]], { storeRoot: store, engineCacheDir: engines, load: { seed: 3 } });
    expect(other.computed).toBe(1);
    expect(other.embedder).not.toBe(first.embedder);
  });
});
