/**
 * safetensors reading and writing: byte-identical round trips of the golden files, half-precision
 * conversions, sharding, the HF layout rules (8-byte aligned header, dtype-sorted data).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, readSafetensorsHeader, type TensorEntry, writeSafetensors } from '../../../src/main/ml/models/safetensors.js';
import { oracleDir } from './oracle.js';
import { needs } from '../../helpers/needs.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('safetensors', () => {
  for (const name of ['vit_tiny', 'resnet_tiny']) {
    const dir = oracleDir(name);
    it(`${name}: read then write gives the same bytes (F32 + I64 scalars)`, needs(dir), async () => {
      const src = join(dir!, 'model.safetensors');
      const t = await readSafetensors(src);
      const out = join(tmp, `${name}.safetensors`);
      await writeSafetensors(out, t);
      expect(sha(out)).toBe(sha(src));
      if (name === 'resnet_tiny') {
        const nbt = t.get('resnet.embedder.embedder.normalization.num_batches_tracked')!;
        expect(nbt).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(0n) });
      }
    });
  }

  it('F16 and BF16 round to nearest even, keep specials, and widen back exactly', async () => {
    const values = Float32Array.of(1, -2.5, 65504, 70000, 1e-8, 5.960464477539063e-8, 0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -0, Infinity, -Infinity, NaN, 3.140625);
    const p = join(tmp, 'half.safetensors');
    await writeSafetensors(p, new Map([['x', { dtype: 'F32', shape: [values.length], data: values }]]), { dtype: 'F16' });
    const f16 = (await readSafetensors(p)).get('x')!;
    expect(f16.dtype).toBe('F16');
    expect(Array.from(f16.data as Float32Array)).toEqual([1, -2.5, 65504, Infinity, 0, 5.960464477539063e-8, 0.0999755859375, 1, 1 + 4 * 2 ** -11, -0, Infinity, -Infinity, NaN, 3.140625]);
    await writeSafetensors(p, new Map([['x', { dtype: 'F32', shape: [values.length], data: values }]]), { dtype: 'BF16' });
    const bf16 = (await readSafetensors(p)).get('x')!;
    expect(bf16.dtype).toBe('BF16');
    const got = Array.from(bf16.data as Float32Array);
    expect(got.slice(0, 4)).toEqual([1, -2.5, 65536, 70144]);
    expect(got[6]).toBe(0.10009765625);
    expect(got[13]).toBe(3.140625);
    expect(got.slice(9, 13)).toEqual([-0, Infinity, -Infinity, NaN]);
    // read back and written again as its own dtype: identical bytes
    const again = join(tmp, 'half2.safetensors');
    await writeSafetensors(again, new Map([['x', bf16]]));
    expect(sha(again)).toBe(sha(p));
  });

  it('shards above maxShardBytes, as transformers names them, and reads the index back', async () => {
    const t = new Map<string, TensorEntry>();
    for (let i = 0; i < 5; i++) t.set(`layer.${i}.weight`, { dtype: 'F32', shape: [10, 10], data: Float32Array.from({ length: 100 }, (_, j) => i * 1000 + j) });
    t.set('step', { dtype: 'I64', shape: [], data: BigInt64Array.of(7n) });
    const d = mkdtempSync(join(tmp, 'shards-'));
    await writeSafetensors(join(d, 'model.safetensors'), t, { maxShardBytes: 900 });
    expect(readdirSync(d).sort()).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(readFileSync(join(d, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(5 * 400 + 8);
    const back = await readSafetensors(join(d, 'model.safetensors.index.json'));
    expect([...back.keys()].sort()).toEqual([...t.keys()].sort());
    for (const [k, v] of t) expect(back.get(k)).toEqual(v);
    const some = await readSafetensors(join(d, 'model.safetensors.index.json'), { filter: (n) => n.startsWith('layer.3') });
    expect([...some.keys()]).toEqual(['layer.3.weight']);
    // Saving small again replaces the shards (transformers would prefer a stale single file).
    await writeSafetensors(join(d, 'model.safetensors'), t);
    expect(readdirSync(d)).toEqual(['model.safetensors']);
  });

  it('writes the HF layout: 8-byte aligned header, __metadata__ format pt, 8-byte dtypes first', async () => {
    const p = join(tmp, 'layout.safetensors');
    await writeSafetensors(
      p,
      new Map<string, TensorEntry>([
        ['b.half', { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) }],
        ['a.count', { dtype: 'I64', shape: [], data: BigInt64Array.of(1n) }],
      ]),
      { metadata: { note: 'x' } },
    );
    const raw = readFileSync(p);
    const n = Number(raw.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8'));
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'x' });
    expect(header['a.count'].data_offsets).toEqual([0, 8]);
    expect(header['b.half'].data_offsets).toEqual([8, 20]);
    const h = await readSafetensorsHeader(p);
    expect(h.dataStart).toBe(8 + n);
  });

  const vitTiny = oracleDir('vit_tiny');
  it('rejects a truncated file', needs(vitTiny), async () => {
    const dir = vitTiny!;
    const p = join(tmp, 'trunc.safetensors');
    copyFileSync(join(dir, 'model.safetensors'), p);
    truncateSync(p, 100_000);
    await expect(readSafetensors(p)).rejects.toThrow(/inconsistent data_offsets/);
  });
});
