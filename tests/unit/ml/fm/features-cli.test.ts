/**
 * The acceptance check, as a user runs it: `tessella features --model <case folder>
 * --out F <case>/image_0.png` writes the case's embedding (README tolerance 1e-4), for every case
 * in ../shared/oracle/fm; `--pooling` overrides the folder's catalogue hint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tessella } from '../../../helpers/cli';
import { sharedPath } from '../../../helpers/shared-data';
import { tempHome } from '../../../helpers/temp-home';
import { maxAbsDiff, readF32 } from '../onnx/oracle';
import { needs } from '../../../helpers/needs.js';

const root = sharedPath('oracle/fm');
const home = tempHome('tessella-fm-cli-');
afterAll(() => home.cleanup());

/** Rows of a float32 .npy written by NpyWriter ('<f4', C order). */
function readNpy(path: string): { shape: number[]; data: Float32Array } {
  const b = readFileSync(path);
  const headerLen = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + headerLen).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').filter((s) => s.trim()).map(Number);
  const body = b.subarray(10 + headerLen);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

function features(args: string[]): { shape: number[]; data: Float32Array } {
  const out = join(home.dir, `f-${Math.random().toString(36).slice(2)}`);
  const r = tessella(['features', ...args, '--out', out, '--json'], { TESSELLA_HOME: home.dir }, 180_000);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).rows).toBe(1);
  return readNpy(`${out}.npy`);
}

// One per layout (timm .bin, timm safetensors with cls+mean, HF with registers); oracle.test.ts
// runs every case through the same loader, preprocessing and engine in-process.
const CASES = ['timm_vit_layerscale', 'timm_vit_virchow2_style', 'hf_dinov2_reg_swiglu'];

describe('tessella features --model <oracle/fm case>', needs(root), () => {
  for (const c of CASES) {
    it(`${c}: image_0.png gives the case's embedding within 1e-4`, () => {
      const dir = join(root!, c);
      const hint = JSON.parse(readFileSync(join(dir, 'tessella_model.json'), 'utf8')) as { embedding_file: string; embedding_dim: number };
      const got = features(['--model', dir, join(dir, 'image_0.png')]);
      expect(got.shape).toEqual([1, hint.embedding_dim]);
      expect(maxAbsDiff(got.data, readF32(dir, hint.embedding_file).subarray(0, hint.embedding_dim))).toBeLessThan(1e-4);
    }, 200_000);
  }

  it('--pooling cls on the Virchow2-style folder gives the CLS features instead of cls+mean', () => {
    const dir = join(root!, 'timm_vit_virchow2_style');
    const got = features(['--model', dir, '--pooling', 'cls', join(dir, 'image_0.png')]);
    expect(got.shape).toEqual([1, 48]);
    expect(maxAbsDiff(got.data, readF32(dir, 'features.f32').subarray(0, 48))).toBeLessThan(1e-4);
  }, 200_000);
});
