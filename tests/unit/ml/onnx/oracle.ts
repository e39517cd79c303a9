/**
 * Oracle checkpoints for the ONNX engine tests: HF folders from ../shared/oracle (tiny shapes) or
 * full copies with regenerated weights (TESSELLA_ORACLE_WEIGHTS, default /tmp/tessella-oracle).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../../../src/main/ml/models/checkpoint';
import type { OnnxCheckpoint } from '../../../../src/main/ml/onnx/session';

export function readF32(dir: string, file: string): Float32Array {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * An oracle folder loaded as the app loads checkpoints. Backbone-only ViTModel checkpoints (the
 * in21k layout) get the `vit.` prefix, lose the pooler and receive a new head.
 */
export function oracleCheckpoint(dir: string): Promise<OnnxCheckpoint> {
  return loadCheckpoint(dir);
}

/** Full-size oracle copy with weights, or null (with a note saying how to create it). */
export function realOracleDir(name: 'vit_base' | 'resnet50'): string | null {
  const root = process.env['TESSELLA_ORACLE_WEIGHTS'] ?? '/tmp/tessella-oracle';
  const dir = join(root, name);
  if (existsSync(join(dir, 'model.safetensors'))) return dir;
  console.warn(
    `[skip] ${dir}/model.safetensors is absent: copy ../shared/oracle/${name} to ${dir} and run ` +
      `python3 ../shared/oracle/gen_weights.py ${dir} (or set TESSELLA_ORACLE_WEIGHTS)`,
  );
  return null;
}
