/**
 * Image processors against the golden pixel values (computed with PIL + transformers' arithmetic)
 * and the decoding rules: EXIF orientation, alpha over white, grey -> RGB.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { builtinConfig } from '../../../src/main/ml/models/configs.js';
import { pilResize } from '../../../src/main/ml/models/pil-resize.js';
import {
  decodeImage,
  modelInputSize,
  parsePreprocessorConfig,
  preprocessImage,
  resizeForModel,
  standardPreprocessor,
} from '../../../src/main/ml/models/processors.js';
import { maxAbsDiff, oracleDir, readF32, TOL } from './oracle.js';
import { needs } from '../../helpers/needs.js';

const FOLDERS = ['vit_tiny', 'resnet_tiny', 'vit_base', 'resnet50'];

describe('preprocessing matches transformers + PIL', () => {
  for (const name of FOLDERS) {
    const dir = oracleDir(name);
    it(`${name}: pixel_values of image_0 (no resize) and image_1 (resize)`, needs(dir), async () => {
      const pp = parsePreprocessorConfig(JSON.parse(readFileSync(join(dir!, 'preprocessor_config.json'), 'utf8')));
      const errs: number[] = [];
      for (const i of [0, 1]) {
        const got = await preprocessImage(join(dir!, `image_${i}.png`), pp);
        errs.push(maxAbsDiff(got, readF32(join(dir!, `pixel_values_${i}.f32`))));
        // the resize step alone, against PIL's output (resized_i.png, before any crop)
        const img = await decodeImage(join(dir!, `image_${i}.png`));
        const ref = await decodeImage(join(dir!, `resized_${i}.png`));
        const resized = pilResize(img.data, img.width, img.height, 3, ref.width, ref.height, pp.resample ?? 2);
        expect(maxAbsDiff(resized, ref.data), `resized_${i}`).toBe(0);
      }
      console.log(`[${name}] pixel_values max abs error: image_0 ${errs[0].toExponential(2)}, image_1 (resized) ${errs[1].toExponential(2)}`);
      expect(errs[0]).toBeLessThanOrEqual(TOL.pixels);
      expect(errs[1]).toBeLessThanOrEqual(TOL.pixels);
    });
  }
});

/** A w x h RGB image whose left half is red and right half blue. */
function halves(w: number, h: number): Buffer {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  return px;
}

describe('decoding', () => {
  it('applies the EXIF orientation', async () => {
    // Stored 8 wide x 4 high, red left / blue right, tagged "rotate 90 CW" (orientation 6).
    const jpg = await sharp(halves(8, 4), { raw: { width: 8, height: 4, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpg);
    expect([img.width, img.height]).toEqual([4, 8]);
    // After a clockwise quarter turn the red half is on top.
    const top = img.data.subarray(0, 3);
    const bottom = img.data.subarray((7 * 4 + 0) * 3, (7 * 4 + 0) * 3 + 3);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
  });

  it('composites alpha onto white', async () => {
    const rgba = Buffer.from([255, 0, 0, 0, /* transparent red */ 255, 0, 0, 255, /* opaque red */ 0, 0, 0, 128 /* half black */]);
    const png = await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } }).png().toBuffer();
    const img = await decodeImage(png);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 255, 255]);
    expect(Array.from(img.data.subarray(3, 6))).toEqual([255, 0, 0]);
    for (const v of img.data.subarray(6, 9)) expect(Math.abs(v - 127)).toBeLessThanOrEqual(1);
  });

  it('expands greyscale to three equal channels', async () => {
    const png = await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const img = await decodeImage(png);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
  });
});

describe('standard processors', () => {
  it('ViT: resize to the model size; ResNet: short side 256, centre crop 224', async () => {
    const vit = standardPreprocessor(builtinConfig('vit-b16'));
    const rn = standardPreprocessor(builtinConfig('resnet-50'));
    expect(modelInputSize(vit)).toEqual({ height: 224, width: 224 });
    expect(modelInputSize(rn)).toEqual({ height: 224, width: 224 });
    const img = { data: new Uint8Array(300 * 200 * 3).fill(7), width: 300, height: 200 };
    expect([resizeForModel(img, vit).width, resizeForModel(img, vit).height]).toEqual([224, 224]);
    const r = resizeForModel(img, rn);
    expect([r.width, r.height]).toEqual([224, 224]);
  });

  it('rejects processors it does not implement', () => {
    expect(() => parsePreprocessorConfig({ image_processor_type: 'CLIPImageProcessor' })).toThrow(/not supported/);
  });
});
