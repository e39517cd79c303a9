/**
 * rescaleNormalize for every do_rescale / do_normalize combination against transformers'
 * arithmetic written out per pixel (rescale in float64 then float32, normalise in float32).
 * processors.test.ts checks the usual case against golden pixel values.
 */
import { describe, expect, it } from 'vitest';
import { parsePreprocessorConfig, rescaleNormalize } from '../../../src/main/ml/models/processors.js';

describe('rescaleNormalize', () => {
  const w = 13;
  const h = 7;
  const img = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 97 + 13) % 256), width: w, height: h };
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  for (const doRescale of [true, false]) {
    for (const doNormalize of [true, false]) {
      it(`do_rescale ${doRescale}, do_normalize ${doNormalize}`, () => {
        const pp = parsePreprocessorConfig({ image_processor_type: 'ConvNextImageProcessor', do_rescale: doRescale, do_normalize: doNormalize, rescale_factor: 1 / 255, image_mean: mean, image_std: std, size: { shortest_edge: 224 } });
        const want = new Float32Array(3 * w * h);
        for (let c = 0; c < 3; c++) {
          for (let i = 0; i < w * h; i++) {
            let v = img.data[i * 3 + c]!;
            if (doRescale) v = Math.fround(v * (1 / 255)); // numpy: image * rescale_factor, in float64
            if (doNormalize) v = Math.fround(Math.fround(v - Math.fround(mean[c]!)) / Math.fround(std[c]!));
            want[c * w * h + i] = v;
          }
        }
        expect(rescaleNormalize(img, pp)).toEqual(want);
        const into = new Float32Array(3 * w * h + 5).fill(-1);
        rescaleNormalize(img, pp, into.subarray(5));
        expect(into.subarray(5)).toEqual(want);
        expect([...into.subarray(0, 5)]).toEqual([-1, -1, -1, -1, -1]);
      });
    }
  }
});
