/**
 * Augmentation ops on small known images and real H&E patches, and the two stain normalisations
 * fitted to a real reference patch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AugmentConfig } from '../../../src/shared/contract/training.js';
import { decodeImage, type RGBImage } from '../../../src/main/ml/models/processors.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  augment,
  cropBox,
  flipRotate,
  hedJitter,
  toFloat,
  toUint8,
} from '../../../src/main/train/augment.js';
import { streamRng } from '../../../src/main/train/rng.js';
import { fitStain, readStainParams, rgbToLab, stainNormalizer, symmetricEigen3, writeStainParams } from '../../../src/main/ml/preprocess/stain.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');

/** w x h image whose pixel (x, y) is (x, y, 10 y + x). */
function coords(w: number, h: number): RGBImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, y, 10 * y + x], (y * w + x) * 3);
  return { data, width: w, height: h };
}
const at = (img: RGBImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

function meanRgb(img: RGBImage): number[] {
  const s = [0, 0, 0];
  for (let i = 0; i < img.data.length; i++) s[i % 3] += img.data[i];
  return s.map((v) => v / (img.data.length / 3));
}

describe('geometry', () => {
  it('rotates by quarter turns counter-clockwise as numpy.rot90 does, flips mirror', () => {
    const img = coords(3, 2);
    const r1 = flipRotate(img, false, false, 1);
    expect([r1.width, r1.height]).toEqual([2, 3]);
    // rot90: out[y][x] = in[x][w - 1 - y]
    for (let y = 0; y < 3; y++) for (let x = 0; x < 2; x++) expect(at(r1, x, y)).toEqual(at(img, 2 - y, x));
    const r2 = flipRotate(img, false, false, 2);
    expect(at(r2, 0, 0)).toEqual(at(img, 2, 1));
    const h = flipRotate(img, true, false, 0);
    expect(at(h, 0, 0)).toEqual(at(img, 2, 0));
    const v = flipRotate(img, false, true, 0);
    expect(at(v, 0, 0)).toEqual(at(img, 0, 1));
    let four = img;
    for (let i = 0; i < 4; i++) four = flipRotate(four, false, false, 1);
    expect(four).toEqual(img);
  });

  it('random resized crop boxes lie inside the image, within the area range, and repeat with the seed', () => {
    for (let i = 0; i < 200; i++) {
      const b = cropBox(224, 160, [0.3, 1], [3 / 4, 4 / 3], streamRng(5, 'crop', i));
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(224);
      expect(b.y + b.h).toBeLessThanOrEqual(160);
      expect(b.w * b.h).toBeGreaterThan(0.25 * 224 * 160);
      expect(cropBox(224, 160, [0.3, 1], [3 / 4, 4 / 3], streamRng(5, 'crop', i))).toEqual(b);
    }
  });
});

describe('colour', () => {
  const px = (r: number, g: number, b: number) => ({ data: Float32Array.from([r, g, b]), width: 1, height: 1 });

  it('neutral factors change nothing', () => {
    const img = toFloat(coords(8, 8));
    const before = Float32Array.from(img.data);
    adjustBrightness(img, 1);
    adjustContrast(img, 1);
    adjustSaturation(img, 1);
    adjustHue(img, 0);
    img.data.forEach((v, i) => expect(v).toBeCloseTo(before[i], 6));
  });

  it('saturation 0 gives grey, a third of a hue turn takes red to green, brightness scales', () => {
    const g = px(0.8, 0.2, 0.4);
    adjustSaturation(g, 0);
    expect(g.data[0]).toBeCloseTo(g.data[1], 6);
    expect(g.data[1]).toBeCloseTo(g.data[2], 6);
    expect(g.data[0]).toBeCloseTo(0.299 * 0.8 + 0.587 * 0.2 + 0.114 * 0.4, 6);
    const red = px(1, 0, 0);
    adjustHue(red, 1 / 3);
    expect(Array.from(red.data).map((v) => +v.toFixed(5))).toEqual([0, 1, 0]);
    const b = px(0.5, 0.2, 0.9);
    adjustBrightness(b, 1.5);
    expect(Array.from(b.data).map((v) => +v.toFixed(5))).toEqual([0.75, 0.3, 1]);
  });

  it('HED jitter without jitter returns the H&E patch, and stains shift it when asked', needs(lung), async () => {
    const img = await decodeImage(join(lung!, 'lung_aca', 'lungaca1001.jpeg'));
    const f = toFloat(img);
    hedJitter(f, [0, 0, 0], [0, 0, 0]);
    expect(meanAbsDiff(toUint8(f).data, img.data)).toBeLessThan(0.6);
    const more = toFloat(img);
    hedJitter(more, [0.3, 0, 0], [0, 0, 0]); // 30% more haematoxylin: darker and bluer
    const m0 = meanRgb(img);
    const m1 = meanRgb(toUint8(more));
    expect(m1[0]).toBeLessThan(m0[0] - 2);
    expect(m1[0] + m1[1] + m1[2]).toBeLessThan(m0[0] + m0[1] + m0[2]);
  });

  it('augment is a function of the seed and produces the model input size', needs(lung), async () => {
    const img = await decodeImage(join(lung!, 'lung_n', 'lungn1060.jpeg'));
    const cfg = AugmentConfig.parse({});
    const a = augment(img, 32, 32, cfg, streamRng(1, 'augment', 1, 0));
    expect([a.width, a.height, a.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(augment(img, 32, 32, cfg, streamRng(1, 'augment', 1, 0)).data).toEqual(a.data);
    expect(augment(img, 32, 32, cfg, streamRng(1, 'augment', 1, 1)).data).not.toEqual(a.data);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
  });
});

describe('stain normalisation', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessella-stain-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('symmetric 3x3 eigen-decomposition reconstructs the matrix with orthonormal vectors', () => {
    const a = [
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 1],
    ];
    const { values, vectors: v } = symmetricEigen3(a);
    expect(values[0]).toBeLessThanOrEqual(values[1]);
    expect(values[1]).toBeLessThanOrEqual(values[2]);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const rec = [0, 1, 2].reduce((s, k) => s + v[i][k] * values[k] * v[j][k], 0);
        expect(rec).toBeCloseTo(a[i][j], 9);
        const dot = [0, 1, 2].reduce((s, k) => s + v[k][i] * v[k][j], 0);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('Reinhard gives an image the reference CIELAB mean and spread', needs(lung), async () => {
    const ref = join(lung!, 'lung_aca', 'lungaca1001.jpeg');
    const params = await fitStain({ method: 'reinhard', reference: ref });
    const src = await decodeImage(join(lung!, 'lung_n', 'lungn1060.jpeg'));
    const out = stainNormalizer(params)(src);
    const n = out.width * out.height;
    const lab = Array.from({ length: n }, (_, i) => rgbToLab(out.data[i * 3], out.data[i * 3 + 1], out.data[i * 3 + 2]));
    const mean = [0, 1, 2].map((c) => lab.reduce((s, v) => s + v[c], 0) / n);
    if (params.method !== 'reinhard') throw new Error('expected reinhard');
    const std = [0, 1, 2].map((c) => Math.sqrt(lab.reduce((s, v) => s + (v[c] - mean[c]) ** 2, 0) / n));
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(mean[c] - params.mean[c])).toBeLessThan(1.5);
      expect(Math.abs(std[c] - params.std[c]) / params.std[c]).toBeLessThan(0.1);
    }
  });

  it('Macenko leaves the reference as it is and moves another stain towards it; parameters round-trip', needs(lung), async () => {
    const refPath = join(lung!, 'lung_aca', 'lungaca1001.jpeg');
    const params = await fitStain({ method: 'macenko', reference: refPath });
    if (params.method !== 'macenko') throw new Error('expected macenko');
    // H absorbs red more than E: the H vector's red component is the larger
    expect(params.stainMatrix[0][0]).toBeGreaterThan(params.stainMatrix[0][1]);
    const normalize = stainNormalizer(params);
    const ref = await decodeImage(refPath);
    const same = normalize(ref);
    console.log(`[macenko] reference through its own normalisation: mean abs diff ${meanAbsDiff(same.data, ref.data).toFixed(2)}, mean colour ${meanRgb(same).map((v) => v.toFixed(1))} vs ${meanRgb(ref).map((v) => v.toFixed(1))}`);
    // optical density off the H&E plane (here mostly blue) is dropped by design, so not exactly the same
    meanRgb(same).forEach((v, c) => expect(Math.abs(v - meanRgb(ref)[c])).toBeLessThan(12));
    const pink = await decodeImage(join(lung!, 'lung_n', 'lungn1060.jpeg'));
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    const before = dist(meanRgb(pink), meanRgb(ref));
    const after = dist(meanRgb(normalize(pink)), meanRgb(ref));
    expect(after).toBeLessThan(before);
    await writeStainParams(dir, params);
    expect(await readStainParams(dir)).toEqual(params);
    expect(await readStainParams(tmpdir())).toBeNull();
  });
});
