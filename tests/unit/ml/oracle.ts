/**
 * Reading the golden checkpoints in ../shared/oracle (see its README) for the tfjs model tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { sharedPath } from '../../helpers/shared-data.js';

export const TOL = {
  tiny: { logits: 1e-4, hidden: 1e-4, attentions: 1e-5, rollout: 1e-5 },
  base: { logits: 5e-4, hidden: 5e-4, attentions: 1e-5, rollout: 1e-5 },
  pixels: 1e-6,
};

export function oracleDir(name: string): string | null {
  return sharedPath(`oracle/${name}`);
}

/**
 * Folder with regenerated big weights (TESSELLA_ORACLE_WEIGHTS, default /tmp/tessella-oracle,
 * holding full copies of vit_base/ and resnet50/ with model.safetensors), or null with a note.
 */
export function realWeightsDir(name: string): string | null {
  const root = process.env.TESSELLA_ORACLE_WEIGHTS ?? '/tmp/tessella-oracle';
  const dir = join(root, name);
  if (existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'input.f32'))) return dir;
  console.warn(
    `[skip] ${dir}/model.safetensors is absent: regenerate it with ` +
      `cp -r ../shared/oracle/${name} ${dir} && /usr/bin/python3 ../shared/oracle/gen_weights.py ${dir}`,
  );
  return null;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function golden(dir: string): { files: Record<string, { shape?: number[] } | number[]> } {
  return JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
}

export function shapeOf(dir: string, file: string): number[] {
  const f = golden(dir).files[file];
  return Array.isArray(f) ? f : f.shape!;
}

export function inputTensor(dir: string): tf.Tensor4D {
  return tf.tensor4d(readF32(join(dir, 'input.f32')), shapeOf(dir, 'input.f32') as [number, number, number, number]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

/** max |actual - oracle file| for a tensor (NHWC tensors are compared as NCHW when `nhwc`). */
export function diffTo(t: tf.Tensor, dir: string, file: string, nhwc = false): number {
  const v = nhwc ? tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync()) : t.dataSync();
  return maxAbsDiff(v, readF32(join(dir, file)));
}
