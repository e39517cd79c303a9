/**
 * The warm-cache fast path: a second run finds the built graph by the checkpoint's remembered
 * (folders) or recomputed (built-ins) hash and never reads the weights, yet answers the same.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { knownHash, openOnnxModel } from '../../../src/main/ml/model-cache.js';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { builtinCheckpointHash } from '../../../src/main/ml/models/checkpoint-hash.js';
import { tessella } from '../../helpers/cli.js';
import { expected, maxAbsDiff, MULTI_RUN_TIMEOUT, ORACLE, readF32, TOL } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-fast-path-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Overwrites a file with zeros of the same size and restores its mtime: its stamp is unchanged. */
function zeroKeepingStamp(file: string): void {
  const s = statSync(file);
  writeFileSync(file, Buffer.alloc(s.size));
  utimesSync(file, s.atime, s.mtime);
}

describe('built-in architectures: the hash without the weights', () => {
  it.each([
    ['resnet-18', {}],
    ['resnet-18', { numLabels: 4, seed: 1 }],
    ['vit-ti16', { labels: ['tumour', 'stroma', 'fat'], seed: 3 }],
  ] as const)('%s %j: builtinCheckpointHash equals loadCheckpoint().hash', async (name, opts) => {
    const ck = await loadCheckpoint(name, { ...opts, labels: 'labels' in opts ? [...opts.labels] : undefined });
    const h = builtinCheckpointHash(name, { ...opts, labels: 'labels' in opts ? [...opts.labels] : undefined });
    expect(h.hash).toBe(ck.hash);
    expect(h.labels).toEqual(Object.values(ck.id2label));
  });

  it('vit-ti16: the second open reads no weights and runs the same graph', async () => {
    const cacheDir = join(tmp, 'builtin-cache');
    const first = await openOnnxModel('vit-ti16', { cacheDir, load: { numLabels: 3 } });
    expect(first.weightsRead).toBe(true);
    expect(first.engine.fromCache).toBe(false);
    const pixels = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 997));
    const a = await first.engine.run(pixels, 1);
    await first.engine.dispose();

    const second = await openOnnxModel('vit-ti16', { cacheDir, load: { numLabels: 3 } });
    expect(second.weightsRead).toBe(false);
    expect(second.engine.fromCache).toBe(true);
    expect(second.model).toEqual(first.model);
    expect(await second.engine.run(pixels, 1)).toEqual(a);
    await second.engine.dispose();

    // other labels are another checkpoint: another graph
    expect(await knownHash('vit-ti16', { cacheDir, load: { numLabels: 4 } })).not.toBe(first.model.hash);
  });
});

describe('checkpoint folders: the hash remembered under the files\' sizes and mtimes', needs(ORACLE.vit), () => {
  it('a second run does not read model.safetensors (zeroed, same stamp) and gives the same output', () => {
    const dir = join(tmp, 'vit_tiny');
    cpSync(ORACLE.vit!, dir, { recursive: true });
    // whole milliseconds, so that restoring the mtime through a Date restores the stamp exactly
    const weights = join(dir, 'model.safetensors');
    utimesSync(weights, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const env = { TESSELLA_HOME: join(tmp, 'home') };
    const image = join(dir, 'image_0.png');
    const first = tessella(['predict', '--model', dir, image, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(maxAbsDiff(JSON.parse(first.stdout)[0].logits, expected(dir).logits[0]!)).toBeLessThan(TOL);
    const cache = join(tmp, 'home', 'models', 'onnx');
    expect(readdirSync(cache).filter((f) => f.endsWith('.onnx') && !f.includes('.opt-'))).toHaveLength(1); // the graph (onnxruntime's optimised copy aside)

    // Were the weights read now, the zeros would fail to parse (or give other logits).
    zeroKeepingStamp(weights);
    const second = tessella(['predict', '--model', dir, image, '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);

    // A touched file is a changed stamp: the weights are read again, and the zeros refused.
    utimesSync(weights, new Date(), new Date());
    const third = tessella(['predict', '--model', dir, image, '--json'], env);
    expect(third.code).toBe(1);
    expect(third.stderr.trim().split('\n')).toHaveLength(1);
    expect(third.stderr).toContain(dir);
  }, MULTI_RUN_TIMEOUT);

  it('in process: weightsRead is false on the second open; a changed config is a new hash', async () => {
    const dir = join(tmp, 'vit_tiny_2');
    cpSync(ORACLE.vit!, dir, { recursive: true });
    const cacheDir = join(tmp, 'cache-2');
    const first = await openOnnxModel(dir, { cacheDir });
    expect(first.weightsRead).toBe(true);
    expect(first.dir).toBe(dir);
    const input = readF32(dir, 'input.f32');
    const a = await first.engine.run(input, 2);
    await first.engine.dispose();
    expect(await knownHash(dir, { cacheDir })).toBe(first.model.hash);

    const second = await openOnnxModel(dir, { cacheDir });
    expect(second.weightsRead).toBe(false);
    expect(await second.engine.run(input, 2)).toEqual(a);
    await second.engine.dispose();

    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config.id2label = { 0: 'tumour', 1: 'stroma', 2: 'fat' };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expect(await knownHash(dir, { cacheDir })).toBeNull();
    const third = await openOnnxModel(dir, { cacheDir });
    expect(third.weightsRead).toBe(true);
    expect(third.model.hash).not.toBe(first.model.hash);
    expect(Object.values(third.model.id2label)).toEqual(['tumour', 'stroma', 'fat']);
    await third.engine.dispose();
  });

  it('a damaged cached graph is rebuilt from the checkpoint', async () => {
    const dir = join(tmp, 'vit_tiny_3');
    cpSync(ORACLE.vit!, dir, { recursive: true });
    const cacheDir = join(tmp, 'cache-3');
    const first = await openOnnxModel(dir, { cacheDir });
    const input = readF32(dir, 'input.f32');
    const a = await first.engine.run(input, 2);
    const path = first.engine.modelPath;
    await first.engine.dispose();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2))); // header intact, body cut short

    const again = await openOnnxModel(dir, { cacheDir });
    expect(again.weightsRead).toBe(true);
    expect(maxAbsDiff(Array.from((await again.engine.run(input, 2)).logits.flatMap((l) => Array.from(l))), a.logits.flatMap((l) => Array.from(l)))).toBe(0);
    await again.engine.dispose();
  });
});
