/**
 * predictFiles end to end on the golden checkpoints: PNG files in, the oracle's labels and
 * softmax out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictFiles } from '../../../src/main/ml/infer/predict-tfjs.js';
import { maxAbsDiff, oracleDir } from './oracle.js';
import { needs } from '../../helpers/needs.js';

describe('predictFiles', () => {
  for (const name of ['vit_tiny', 'resnet_tiny']) {
    const dir = oracleDir(name);
    it(`${name}: labels, probabilities and logits of the oracle`, needs(dir), async () => {
      const expected = JSON.parse(readFileSync(join(dir!, 'logits.json'), 'utf8')) as { logits: number[][]; labels: string[]; softmax: number[][] };
      const files = [join(dir!, 'image_0.png'), join(dir!, 'image_1.png')];
      const progress: number[] = [];
      const preds = await predictFiles(dir!, files, { topk: 2, batchSize: 1, onProgress: (d) => progress.push(d) });
      expect(progress).toEqual([1, 2]);
      preds.forEach((p, i) => {
        expect(p.file).toBe(files[i]);
        expect(p.label).toBe(expected.labels[i]);
        expect(p.probabilities).toHaveLength(2);
        expect(p.probabilities[0].label).toBe(p.label);
        expect(maxAbsDiff(p.logits, expected.logits[i])).toBeLessThan(1e-4);
        const byLabel = ['cat', 'dog', 'bird'].map((l) => p.probabilities.find((q) => q.label === l)?.probability);
        byLabel.forEach((v, c) => v !== undefined && expect(Math.abs(v - expected.softmax[i][c])).toBeLessThan(1e-5));
      });
    });
  }
});
