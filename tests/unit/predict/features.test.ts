/**
 * `tessella features`: pooled embeddings as .npy with a CSV index. Values are the oracle's
 * `features.f32` (ViT: CLS after the final layernorm; ResNet: pooled last stage); the .npy is
 * checked by numpy itself where it is installed, and by our parser everywhere.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { featureIndexCsv, featurePaths } from '../../../src/main/ml/infer/features.js';
import { npyHeader, NpyWriter, parseNpy } from '../../../src/main/ml/infer/npy.js';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expectOneLineError, maxAbsDiff, MULTI_RUN_TIMEOUT, ORACLE, readF32, tessellaJson, TOL } from './fixtures.js';
import { has, needs } from '../../helpers/needs.js';

const home = tempHome('tessella-features-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

const PYTHON = '/usr/bin/python3';

describe('npy', () => {
  it('headers are format 1.0, 64-byte aligned, and describe the shape as numpy does', () => {
    for (const shape of [[3], [2, 48], [100000, 768]]) {
      const h = npyHeader(shape);
      expect(h.length % 64).toBe(0);
      expect(h.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
      expect(h.readUInt16LE(8)).toBe(h.length - 10);
      expect(h[h.length - 1]).toBe(0x0a);
      expect(h.toString('latin1')).toContain(`'shape': (${shape.length === 1 ? `${shape[0]},` : shape.join(', ')})`);
    }
  });

  it('NpyWriter writes rows in blocks and refuses a short or long file', async () => {
    const path = join(home.dir, 'block.npy');
    const w = await NpyWriter.create(path, 3, 2);
    await w.write(Float32Array.of(1, 2, 3, 4));
    await w.write(Float32Array.of(-0.5, 1e-30));
    await w.close();
    const back = parseNpy(readFileSync(path));
    expect(back.shape).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual(Array.from(Float32Array.of(1, 2, 3, 4, -0.5, 1e-30)));

    const short = await NpyWriter.create(join(home.dir, 'short.npy'), 2, 2);
    await short.write(Float32Array.of(1, 2));
    await expect(short.close()).rejects.toThrow(/1 of 2 rows/);
    const long = await NpyWriter.create(join(home.dir, 'long.npy'), 1, 2);
    await expect(long.write(Float32Array.of(1, 2, 3, 4))).rejects.toThrow(/more than the 1 rows/);
    await long.abort();
  });

  it('numpy.load reads what NpyWriter wrote', needs(has.numpy), async () => {
    const path = join(home.dir, 'np.npy');
    const w = await NpyWriter.create(path, 2, 3);
    await w.write(Float32Array.of(0.25, -1, 3.5, 7, 8, 9));
    await w.close();
    const out = execFileSync(PYTHON, ['-c', 'import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a.tolist())', path], { encoding: 'utf8' });
    expect(out.trim()).toBe('float32 (2, 3) [[0.25, -1.0, 3.5], [7.0, 8.0, 9.0]]');
  });

  it('the CSV index quotes what needs quoting; F and F.npy name the same pair', () => {
    expect(featureIndexCsv([{ file: '/a/b.png', label: 'tumour' }, { file: '/a/c,"d".png', label: null }])).toBe('index,file,label\n0,/a/b.png,tumour\n1,"/a/c,""d"".png",\n');
    expect(featureIndexCsv([{ file: '/x.png' }])).toBe('index,file\n0,/x.png\n');
    expect(featurePaths('/o/feats')).toEqual({ npy: '/o/feats.npy', csv: '/o/feats.csv' });
    expect(featurePaths('/o/feats.npy')).toEqual({ npy: '/o/feats.npy', csv: '/o/feats.csv' });
  });
});

for (const [arch, dir] of Object.entries(ORACLE)) {
  describe(`tessella features on the ${arch} oracle`, needs(dir), () => {
    it('--data DIR: one row per image in path order, class folders in the index, the oracle\'s features', () => {
      // an ImageFolder tree: image_0 under "a", image_0 again and image_1 under "b"
      const data = join(home.dir, `data-${arch}`);
      mkdirSync(join(data, 'a'), { recursive: true });
      mkdirSync(join(data, 'b'), { recursive: true });
      copyFileSync(join(dir!, 'image_0.png'), join(data, 'a', 'x.png'));
      copyFileSync(join(dir!, 'image_0.png'), join(data, 'b', 'y.png'));
      copyFileSync(join(dir!, 'image_1.png'), join(data, 'b', 'z.png'));
      const out = join(home.dir, `out-${arch}`, 'feats');
      const r = tessellaJson<{ npy: string; csv: string; rows: number; dim: number }>(['features', '--model', dir!, '--data', data, '--out', out, '--batch', '2'], env);
      const want = readF32(dir!, 'features.f32');
      const dim = want.length / 2;
      expect(r).toMatchObject({ npy: `${out}.npy`, csv: `${out}.csv`, rows: 3, dim });

      const npy = parseNpy(readFileSync(r.npy));
      expect(npy.shape).toEqual([3, dim]);
      const row = (i: number) => npy.data.subarray(i * dim, (i + 1) * dim);
      expect(maxAbsDiff(row(0), want.subarray(0, dim))).toBeLessThan(TOL);
      expect(maxAbsDiff(row(1), row(0))).toBe(0);
      expect(maxAbsDiff(row(2), want.subarray(dim))).toBeLessThan(TOL);
      expect(readFileSync(r.csv, 'utf8')).toBe(`index,file,label\n0,${join(data, 'a', 'x.png')},a\n1,${join(data, 'b', 'y.png')},b\n2,${join(data, 'b', 'z.png')},b\n`);
    });
  });
}

describe('tessella features: engines agree, and bad input leaves no file', needs(ORACLE.vit), () => {
  it('--engine tfjs writes the same embeddings as onnx for IMAGE arguments', () => {
    const files = [join(ORACLE.vit!, 'image_0.png'), join(ORACLE.vit!, 'image_1.png')];
    const onnx = tessellaJson<{ npy: string }>(['features', '--model', ORACLE.vit!, '--out', join(home.dir, 'e-onnx.npy'), ...files], env);
    const tfjs = tessellaJson<{ npy: string }>(['features', '--model', ORACLE.vit!, '--engine', 'tfjs', '--out', join(home.dir, 'e-tfjs.npy'), ...files], env);
    const [a, b] = [parseNpy(readFileSync(onnx.npy)), parseNpy(readFileSync(tfjs.npy))];
    expect(b.shape).toEqual(a.shape);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(TOL);
    expect(readFileSync(join(home.dir, 'e-onnx.csv'), 'utf8')).toBe(`index,file\n0,${files[0]}\n1,${files[1]}\n`);
  }, MULTI_RUN_TIMEOUT);

  it('an unreadable image fails with its name and writes neither file; --out is required', () => {
    const bad = join(home.dir, 'bad.jpg');
    copyFileSync(join(ORACLE.vit!, 'config.json'), bad);
    const out = join(home.dir, 'never');
    expectOneLineError(tessella(['features', '--model', ORACLE.vit!, '--out', out, join(ORACLE.vit!, 'image_0.png'), bad, '--json'], env), 1, /bad\.jpg: not a readable image/);
    expect(() => readFileSync(`${out}.npy`)).toThrow();
    expect(() => readFileSync(`${out}.csv`)).toThrow();
    expectOneLineError(tessella(['features', '--model', ORACLE.vit!, join(ORACLE.vit!, 'image_0.png')], env), 2, /--out F is required/);
  }, MULTI_RUN_TIMEOUT);
});
