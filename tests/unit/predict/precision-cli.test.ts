/**
 * `--precision fp32|int8` as a user types it: predict and features at int8 on real lung patches
 * follow fp32 (oracle vit_tiny; resnet_tiny for predict), `tessella model agreement` reports the figures, and anything but
 * fp32 or int8 is one clear line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cosine } from '../../../src/main/ml/infer/agreement';
import { tessella } from '../../helpers/cli';
import { needs } from '../../helpers/needs.js';
import { sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';

const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const lung = sharedPath('data/patches/lc25000_lung');
const ihc = sharedPath('data/images/skimage_ihc.png');
const home = tempHome('tessella-precision-cli-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: home.dir };

/** Two patches of each class, in name order. */
function patches(): string[] {
  return ['lung_aca', 'lung_n', 'lung_scc'].flatMap((c) => readdirSync(join(lung!, c)).filter((f) => f.endsWith('.jpeg')).sort().slice(0, 2).map((f) => join(lung!, c, f)));
}

function readNpy(path: string): { rows: number; dim: number; data: Float32Array } {
  const b = readFileSync(path);
  const headerLen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + headerLen).toString('latin1');
  const [rows, dim] = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const body = b.subarray(10 + headerLen);
  return { rows: rows!, dim: dim!, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

/** `predict` at fp32 and at int8 on the patches: the same labels, each probability within 0.05. */
function predictsAlikeAtInt8(model: string): void {
  const run = (precision: string) => {
    const r = tessella(['predict', '--model', model, '--precision', precision, ...patches(), '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { label: string; probabilities: Record<string, number> }[];
  };
  const fp32 = run('fp32');
  const int8 = run('int8');
  expect(int8.map((p) => p.label)).toEqual(fp32.map((p) => p.label));
  int8.forEach((p, i) => {
    for (const [label, prob] of Object.entries(p.probabilities)) expect(Math.abs(prob - fp32[i]!.probabilities[label]!)).toBeLessThan(0.05);
  });
}

describe('--precision on the CLI (oracle vit_tiny, lung patches)', { ...needs(vitTiny, lung), timeout: 240_000 }, () => {
  it('predict --precision int8 gives the fp32 labels, with probabilities within 0.05', () => {
    predictsAlikeAtInt8(vitTiny!);
    expect(readdirSync(join(home.dir, 'models', 'onnx')).filter((f) => f.endsWith('-int8.onnx'))).toHaveLength(1);
  });

  it('features --precision int8 writes embeddings at cosine >= 0.99 to the fp32 ones', () => {
    const run = (precision: string) => {
      const out = join(home.dir, `feats-${precision}`);
      const r = tessella(['features', '--model', vitTiny!, '--precision', precision, '--out', out, ...patches(), '--json'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return readNpy(`${out}.npy`);
    };
    const fp32 = run('fp32');
    const int8 = run('int8');
    expect([int8.rows, int8.dim]).toEqual([fp32.rows, fp32.dim]);
    for (let i = 0; i < fp32.rows; i++) {
      const row = (a: Float32Array) => a.subarray(i * fp32.dim, (i + 1) * fp32.dim);
      expect(cosine(row(fp32.data), row(int8.data))).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('model agreement --json reports top-1 agreement, max probability difference and cosine', () => {
    const r = tessella(['model', 'agreement', '--model', vitTiny!, ...patches(), '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a).toMatchObject({ images: 6, reference: 'fp32', candidate: 'int8' });
    expect(a.classifier.top1Agreement).toBe(1);
    expect(a.classifier.maxProbabilityDifference).toBeLessThan(0.05);
    expect(a.embedding.cosineMin).toBeGreaterThanOrEqual(0.99);
    expect(a.imgPerSec.fp32).toBeGreaterThan(0);
  });

  it('slide infer --precision int8 is an analysis of its own, recorded as int8, with the fp32 tile classes', needs(ihc), () => {
    const run = (precision: string) => {
      const r = tessella(['slide', 'infer', ihc!, '--model', vitTiny!, '--slide-mpp', '0.5', '--magnification', '5', '--precision', precision, '--json'], env);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as { analysisId: number; precision: string; reused: boolean; tissueTiles: number; classFractions: Record<string, number> };
    };
    const fp32 = run('fp32');
    const int8 = run('int8');
    expect(fp32.precision).toBe('fp32');
    expect(int8).toMatchObject({ precision: 'int8', reused: false, tissueTiles: fp32.tissueTiles });
    expect(int8.analysisId).not.toBe(fp32.analysisId);
    expect(int8.classFractions).toEqual(fp32.classFractions);
  });

  it('model export --format onnx --precision int8 writes the int8 graph', () => {
    const out = join(home.dir, 'export', 'model.onnx');
    const r = tessella(['model', 'export', vitTiny!, '--format', 'onnx', '--precision', 'int8', '--out', out, '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ precision: 'int8', out });
    expect(readFileSync(out).toString('latin1')).toContain('DynamicQuantizeMatMul');
  });

  it('a ResNet (oracle resnet_tiny) at int8: predict gives the fp32 labels, model agreement reports its figures', needs(resnetTiny), () => {
    predictsAlikeAtInt8(resnetTiny!);
    const r = tessella(['model', 'agreement', '--model', resnetTiny!, ...patches(), '--json'], env);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a).toMatchObject({ images: 6, reference: 'fp32', candidate: 'int8' });
    expect(a.classifier.top1Agreement).toBe(1);
    expect(a.embedding.cosineMin).toBeGreaterThanOrEqual(0.99);
  });

  it('an unknown --precision is one line on stderr, exit 2, nothing on stdout', () => {
    for (const cmd of ['predict', 'features', 'slide infer']) {
      const out = cmd === 'features' ? ['--out', join(home.dir, 'x')] : [];
      const r = tessella([...cmd.split(' '), '--model', vitTiny!, '--precision', 'fp16', ...out, patches()[0]!, '--json'], env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual(['tessella: --precision must be fp32 or int8, got "fp16"']);
    }
  });
});
