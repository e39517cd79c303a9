/**
 * `tessella predict` as a user runs it, on the tiny oracle checkpoints: the oracle's logits from
 * the PNG files through both engines, softmax probabilities keyed by label, top-k, and one-line
 * errors for the inputs people get wrong.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expected, expectOneLineError, maxAbsDiff, MULTI_RUN_TIMEOUT, ORACLE, tessellaJson, TOL } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-predict-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

interface Prediction {
  file: string;
  label: string;
  probabilities: Record<string, number>;
  logits: number[];
}

for (const [arch, dir] of Object.entries(ORACLE)) {
  describe(`predict on the ${arch} oracle`, needs(dir), () => {
    for (const engine of ['onnx', 'tfjs']) {
      it(`--engine ${engine}: the oracle's logits, labels and softmax for both images`, () => {
        const want = expected(dir!);
        const files = [join(dir!, 'image_0.png'), join(dir!, 'image_1.png')];
        const preds = tessellaJson<Prediction[]>(['predict', '--model', dir!, '--engine', engine, ...files], env);
        expect(preds).toHaveLength(2);
        preds.forEach((p, i) => {
          expect(Object.keys(p).sort()).toEqual(['file', 'label', 'logits', 'probabilities']);
          expect(p.file).toBe(files[i]);
          // image_0 needs no resize, so decoding and normalising alone decide: the oracle's tolerance
          expect(maxAbsDiff(p.logits, want.logits[i]!)).toBeLessThan(TOL);
          expect(p.label).toBe(want.labels[i]);
          expect(Object.keys(p.probabilities)).toHaveLength(3);
          expect(Object.keys(p.probabilities)[0]).toBe(p.label);
          ['cat', 'dog', 'bird'].forEach((l, c) => expect(Math.abs(p.probabilities[l]! - want.softmax[i]![c]!)).toBeLessThan(1e-5));
          const ps = Object.values(p.probabilities);
          expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          expect([...ps].sort((a, b) => b - a)).toEqual(ps);
        });
      });
    }

    it('--topk 2 keeps the two most probable classes, most probable first', () => {
      const want = expected(dir!);
      const [p] = tessellaJson<Prediction[]>(['predict', '--model', dir!, '--topk', '2', join(dir!, 'image_0.png')], env);
      const order = want.softmax[0]!.map((_, c) => c).sort((a, b) => want.softmax[0]![b]! - want.softmax[0]![a]!);
      expect(Object.keys(p!.probabilities)).toEqual(order.slice(0, 2).map((c) => ['cat', 'dog', 'bird'][c]));
      expect(p!.logits).toHaveLength(3); // top-k trims probabilities, never logits
    });
  });
}

describe('predict: inputs people get wrong', needs(ORACLE.vit), () => {
  const image = join(ORACLE.vit ?? '', 'image_0.png');

  it('a missing checkpoint folder names it and lists the built-in architectures (exit 1)', () => {
    const r = tessella(['predict', '--model', join(home.dir, 'no-such-model'), image, '--json'], env);
    expectOneLineError(r, 1, /no-such-model.*vit-b16.*resnet-50/);
  });

  for (const engine of ['onnx', 'tfjs']) {
    it(`--engine ${engine}: a file that is not an image names the file and why (exit 1)`, () => {
      const notImage = join(home.dir, `notes-${engine}.png`);
      writeFileSync(notImage, 'these are not pixels');
      const r = tessella(['predict', '--model', ORACLE.vit!, '--engine', engine, image, notImage, '--json'], env);
      expectOneLineError(r, 1, new RegExp(`notes-${engine}\\.png: not a readable image`));
    });
  }

  it('a missing image file is named (exit 1)', () => {
    const r = tessella(['predict', '--model', ORACLE.vit!, join(home.dir, 'gone.png'), '--json'], env);
    expectOneLineError(r, 1, /gone\.png: no such file/);
  });

  it('an unknown --engine is a usage error (exit 2)', () => {
    const r = tessella(['predict', '--model', ORACLE.vit!, '--engine', 'torch', image, '--json'], env);
    expectOneLineError(r, 2, /--engine must be onnx or tfjs/);
  });

  it('--topk 0 and a missing --model are usage errors (exit 2)', () => {
    expectOneLineError(tessella(['predict', '--model', ORACLE.vit!, '--topk', '0', image], env), 2, /--topk must be a positive integer/);
    expectOneLineError(tessella(['predict', image], env), 2, /--model is required/);
  }, MULTI_RUN_TIMEOUT);

  it('prints one line per image for people', () => {
    const r = tessella(['predict', '--model', ORACLE.vit!, image], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^dog\t46\.2%\t.*image_0\.png$/);
  });
});
