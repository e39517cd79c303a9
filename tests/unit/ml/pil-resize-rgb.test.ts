/**
 * pilResize's RGB loops (the slide tile readers' case) against its generic per-channel loops: an
 * RGB image resized at once equals each of its channels resized alone, for every filter, up and
 * down, one axis or both. (processors.test.ts checks RGB against PIL's own output.)
 */
import { describe, expect, it } from 'vitest';
import { PIL_RESAMPLE, pilResize } from '../../../src/main/ml/models/pil-resize.js';

function channel(rgb: Uint8Array, c: number): Uint8Array {
  return Uint8Array.from({ length: rgb.length / 3 }, (_, i) => rgb[i * 3 + c]!);
}

describe('pilResize RGB', () => {
  const sizes: [number, number, number, number][] = [
    [224, 224, 256, 256], // a slide tile to ResNet's resize before its crop
    [225, 230, 224, 224],
    [61, 37, 20, 90],
    [40, 30, 40, 17], // vertical pass only
    [40, 30, 77, 30], // horizontal pass only
  ];
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
  for (const [w, h, ow, oh] of sizes) {
    it(`${w}x${h} -> ${ow}x${oh}`, () => {
      const rgb = Uint8Array.from({ length: w * h * 3 }, rand);
      for (const f of [PIL_RESAMPLE.BILINEAR, PIL_RESAMPLE.BICUBIC, PIL_RESAMPLE.LANCZOS, PIL_RESAMPLE.BOX, PIL_RESAMPLE.HAMMING]) {
        const out = pilResize(rgb, w, h, 3, ow, oh, f);
        expect(out.length).toBe(ow * oh * 3);
        for (let c = 0; c < 3; c++) expect(channel(out, c)).toEqual(pilResize(channel(rgb, c), w, h, 1, ow, oh, f));
      }
    });
  }
});
