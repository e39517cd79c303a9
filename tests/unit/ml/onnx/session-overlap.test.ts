/**
 * The engine kept busy (issue 15): the session in a worker thread gives the same outputs as in
 * the caller's thread, on real patches through the predict path; onnxruntime's optimised graph is
 * saved once next to the graph, reused by the next session, and remade when damaged; a session
 * worker that dies gives one clear error, never a hang.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/main/errors';
import { openRunner } from '../../../../src/main/ml/infer/engine-runner';
import { listImageFolder } from '../../../../src/main/ml/infer/image-batches';
import { runFiles } from '../../../../src/main/ml/infer/predict';
import { OnnxEngine } from '../../../../src/main/ml/onnx/session';
import { WorkerSessionHost } from '../../../../src/main/ml/onnx/session-host';
import { sharedPath } from '../../../helpers/shared-data';
import { needs } from '../../../helpers/needs.js';
import { maxAbsDiff, oracleCheckpoint, readF32 } from './oracle';

const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const lung = sharedPath('data/patches/lc25000_lung');
const tmp = mkdtempSync(join(tmpdir(), 'tessella-onnx-overlap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const optFiles = (dir: string) => readdirSync(dir).filter((n) => /\.opt-[0-9a-f]{16}\.onnx$/.test(n));
const flat = (xs: Float32Array[]) => xs.flatMap((x) => Array.from(x));

describe('the session in a worker thread', needs(vitTiny, lung), () => {
  it('classifies real patches exactly as the session in this thread does, batch after batch', async () => {
    const files = (await listImageFolder(lung!)).map((f) => f.file).filter((_, i) => i % 9 === 0).slice(0, 10);
    const outputs = async (worker: boolean) => {
      const runner = await openRunner(vitTiny!, { engine: 'onnx', cacheDir: join(tmp, 'runner'), worker });
      const got: { logits: number[]; features: number[] }[] = [];
      try {
        // batches of 4: the next one is read while the engine runs this one, and each is handed over (transferred)
        await runFiles(runner, files, 4, (_f, i, out) => void (got[i] = { logits: Array.from(out.logits), features: Array.from(out.features) }));
      } finally {
        await runner.dispose();
      }
      return got;
    };
    const sequential = await outputs(false);
    const pipelined = await outputs(true);
    expect(pipelined).toHaveLength(files.length);
    expect(pipelined).toEqual(sequential);
  }, 120_000);

  it('takes the pixels it is handed over without a copy, and leaves them alone otherwise', async () => {
    const ck = await oracleCheckpoint(vitTiny!);
    const engine = await OnnxEngine.load(ck, { cacheDir: join(tmp, 'transfer'), worker: true });
    try {
      expect(engine.info.inWorker).toBe(true);
      const kept = readF32(vitTiny!, 'input.f32');
      const a = await engine.run(kept, 2);
      expect(kept.length).toBe(2 * engine.inputShape.reduce((x, y) => x * y)); // still ours
      const given = kept.slice();
      const b = await engine.run(given, 2, { transfer: true });
      expect(given.buffer.byteLength).toBe(0); // detached: the worker took the buffer itself
      expect(b).toEqual(a);
    } finally {
      await engine.dispose();
    }
  }, 60_000);

  it('a worker killed mid-run rejects that run and every later one with one clear DomainError', async () => {
    const ck = await oracleCheckpoint(vitTiny!);
    const cacheDir = join(tmp, 'killed');
    const engine = await OnnxEngine.load(ck, { cacheDir, optimizedCache: false });
    const modelPath = engine.modelPath;
    await engine.dispose();
    const shape = engine.inputShape;
    const per = shape[0] * shape[1] * shape[2];
    const host = new WorkerSessionHost(modelPath);
    await host.open(modelPath, { intraOpNumThreads: 1 });
    const n = 2048; // long enough to be running when the worker dies
    const run = host.run({ pixels: new Float32Array(n * per).fill(0.5), n, shape, chunkSize: 8, outputs: ['logits'] }, true);
    host.crashForTests(70);
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('internal');
    expect((err as DomainError).message).toContain(basename(modelPath));
    expect((err as DomainError).message).toContain('onnxruntime worker stopped unexpectedly (exit code 70)');
    const later = await host.run({ pixels: new Float32Array(per), n: 1, shape, chunkSize: 1, outputs: ['logits'] }, false).catch((e: unknown) => e);
    expect(later).toBe(err);
    await host.release(); // returns at once: nothing left to release
  }, 60_000);
});

const fm = ['timm_vit_plain', 'timm_vit_layerscale', 'timm_vit_swiglu_reg', 'timm_vit_virchow2_style', 'hf_dinov2', 'hf_dinov2_reg_swiglu'].map((c) => [c, sharedPath(`oracle/fm/${c}`)] as const);

describe.each([['vit_tiny', vitTiny] as const, ['resnet_tiny', resnetTiny] as const, ...fm])('the optimised-graph cache (%s)', (_name, dir) => {
  it('is written on the first session, reused unchanged by the next, and agrees with optimising afresh', { ...needs(dir), timeout: 120_000 }, async () => {
    const ck = await oracleCheckpoint(dir!);
    const input = readF32(dir!, 'input.f32');
    const cacheDir = join(tmp, `opt-${basename(dir!)}`);

    const plain = await OnnxEngine.load(ck, { cacheDir, optimizedCache: false });
    const expected = await plain.run(input, 2);
    await plain.dispose();
    expect(optFiles(cacheDir)).toEqual([]);

    const first = await OnnxEngine.load(ck, { cacheDir });
    expect(first.info.optimized).toBe('written');
    const [opt] = optFiles(cacheDir);
    expect(opt).toBeDefined();
    expect(opt!.startsWith(basename(first.modelPath).replace(/\.onnx$/, ''))).toBe(true);
    const written = statSync(join(cacheDir, opt!));
    const a = await first.run(input, 2);
    await first.dispose();

    const second = await OnnxEngine.load(ck, { cacheDir, worker: true });
    expect(second.info.optimized).toBe('reused');
    const reread = statSync(join(cacheDir, opt!));
    expect([reread.ino, reread.mtimeMs, reread.size]).toEqual([written.ino, written.mtimeMs, written.size]); // not written again
    const b = await second.run(input, 2);
    await second.dispose();

    for (const got of [a, b]) {
      expect(maxAbsDiff(flat(got.logits), flat(expected.logits))).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(flat(got.features), flat(expected.features))).toBeLessThanOrEqual(1e-5);
    }
  });

  it('remakes a damaged optimised graph instead of failing', { ...needs(dir), timeout: 120_000 }, async () => {
    const ck = await oracleCheckpoint(dir!);
    const input = readF32(dir!, 'input.f32');
    const cacheDir = join(tmp, `damaged-${basename(dir!)}`);
    const first = await OnnxEngine.load(ck, { cacheDir });
    const expected = await first.run(input, 2);
    await first.dispose();
    const [opt] = optFiles(cacheDir);
    const path = join(cacheDir, opt!);
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, Math.floor(good.length / 3))); // a copy cut short

    const again = await OnnxEngine.load(ck, { cacheDir });
    expect(again.info.optimized).toBe('written');
    expect(optFiles(cacheDir)).toEqual([opt]);
    expect(statSync(path).size).toBe(good.length);
    expect(await again.run(input, 2)).toEqual(expected);
    await again.dispose();
  });
});
