/**
 * `tessella model info|export|import|list|remove` and `tessella engine` on the tiny oracle
 * checkpoints: what info reports, HF exports that reload identically, ONNX exports that bare
 * onnxruntime runs to the oracle's logits, and the registry round trip.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../src/main/ml/models/checkpoint.js';
import { readSafetensorsHeader } from '../../../src/main/ml/models/safetensors.js';
import { tessella } from '../../helpers/cli.js';
import { tempHome } from '../../helpers/temp-home.js';
import { expected, expectOneLineError, maxAbsDiff, MULTI_RUN_TIMEOUT, ORACLE, readF32, tessellaJson, TOL } from './fixtures.js';
import { needs } from '../../helpers/needs.js';

const home = tempHome('tessella-model-cli-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
afterAll(() => home.cleanup());

function headerSummary(h: Awaited<ReturnType<typeof readSafetensorsHeader>>): Record<string, string> {
  return Object.fromEntries([...h.tensors].map(([k, t]) => [k, `${t.dtype}[${t.shape.join(',')}]`]));
}

describe('model info', needs(ORACLE.vit, ORACLE.resnet), () => {
  it('reports arch, labels, input size, parameters and the loader\'s hash', async () => {
    const info = tessellaJson<Record<string, any>>(['model', 'info', ORACLE.vit!], env);
    const ck = await loadCheckpoint(ORACLE.vit!);
    expect(info).toMatchObject({ arch: 'vit', architecture: 'ViTForImageClassification', labels: ['cat', 'dog', 'bird'], inputSize: 32, hash: ck.hash, graphCached: false });
    expect(info.dtypes).toEqual({ F32: ck.weights.size });
    // ViT-tiny: patch embed 3*8*8*48+48, CLS+pos (1+16+1)*48, 2 blocks, final LN, head 48*3+3
    const block = 4 * (48 * 48 + 48) + 2 * 2 * 48 + (48 * 96 + 96) + (96 * 48 + 48);
    expect(info.parameters).toBe(3 * 64 * 48 + 48 + 48 + 17 * 48 + 2 * block + 2 * 48 + 48 * 3 + 3);
    expect(info.loadReport).toEqual({ newKeys: [], unusedKeys: [], reshapedKeys: [] });
  });

  it('counts ResNet parameters without BatchNorm running statistics; a base checkpoint reports its new head', () => {
    const r = tessellaJson<Record<string, any>>(['model', 'info', ORACLE.resnet!], env);
    expect(r.arch).toBe('resnet');
    expect(r.inputSize).toBe(64);
    expect(r.dtypes.I64).toBeGreaterThan(0); // num_batches_tracked
    const in21k = ORACLE.vit!.replace(/vit_tiny$/, 'vit_tiny_in21k_style');
    if (existsSync(in21k)) {
      const base = tessellaJson<Record<string, any>>(['model', 'info', in21k], env);
      expect(base.loadReport.newKeys).toEqual(['classifier.weight', 'classifier.bias']);
      expect(base.loadReport.unusedKeys.some((k: string) => k.startsWith('pooler.'))).toBe(true);
    }
  });
});

describe('model export', needs(ORACLE.vit, ORACLE.resnet), () => {
  for (const arch of ['vit', 'resnet'] as const) {
    it(`${arch} --format hf: reloads with identical keys, shapes, dtypes and values`, async () => {
      const dir = ORACLE[arch]!;
      const out = join(home.dir, `hf-${arch}`);
      const r = tessellaJson<{ files: string[]; hash: string }>(['model', 'export', dir, '--format', 'hf', '--out', out], env);
      expect(r.files.map((f) => f.split('/').pop()).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
      expect(headerSummary(await readSafetensorsHeader(join(out, 'model.safetensors')))).toEqual(headerSummary(await readSafetensorsHeader(join(dir, 'model.safetensors'))));
      const [a, b] = [await loadCheckpoint(dir), await loadCheckpoint(out)];
      expect(b.id2label).toEqual(a.id2label);
      for (const [k, t] of a.weights) expect(Array.from(b.weights.get(k)!.data as ArrayLike<number | bigint>), k).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
      // and it predicts the oracle's logits from the exported folder
      const [p] = tessellaJson<{ logits: number[] }[]>(['predict', '--model', out, join(dir, 'image_0.png')], env);
      expect(maxAbsDiff(p!.logits, expected(dir).logits[0]!)).toBeLessThan(TOL);
    });

    it(`${arch} --format onnx: bare onnxruntime gives the oracle's logits; config and preprocessor travel alongside`, async () => {
      const dir = ORACLE[arch]!;
      const out = join(home.dir, `onnx-${arch}`);
      const r = tessellaJson<{ out: string; files: string[] }>(['model', 'export', dir, '--format', 'onnx', '--out', out], env);
      expect(r.out).toBe(join(out, 'model.onnx'));
      expect(r.files.map((f) => f.split('/').pop()).sort()).toEqual(['config.json', 'model.onnx', 'preprocessor_config.json']);
      const session = await ort.InferenceSession.create(r.out);
      try {
        const input = readF32(dir, 'input.f32');
        const s = Math.round(Math.sqrt(input.length / 6));
        const out2 = await session.run({ pixel_values: new ort.Tensor('float32', input, [2, 3, s, s]) });
        const logits = out2['logits']!.data as Float32Array;
        const want = expected(dir).logits.flat();
        expect(maxAbsDiff(logits, want)).toBeLessThan(TOL);
        expect(out2['features']!.dims[0]).toBe(2);
        const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
        expect(config.id2label).toEqual({ 0: 'cat', 1: 'dog', 2: 'bird' });
        expect(JSON.parse(readFileSync(join(out, 'preprocessor_config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')));
      } finally {
        await session.release();
      }
    });
  }

  it('usage errors: no --format, --dtype with onnx, --explain on a ResNet', () => {
    expectOneLineError(tessella(['model', 'export', ORACLE.vit!, '--out', join(home.dir, 'x')], env), 2, /--format must be hf or onnx/);
    expectOneLineError(tessella(['model', 'export', ORACLE.vit!, '--format', 'onnx', '--dtype', 'F16', '--out', join(home.dir, 'x')], env), 2, /--dtype applies to --format hf only/);
    expectOneLineError(tessella(['model', 'export', ORACLE.resnet!, '--format', 'onnx', '--explain', '--out', join(home.dir, 'x')], env), 2, /ViT checkpoints only/);
  }, MULTI_RUN_TIMEOUT);
});

describe('model import, list, remove', needs(ORACLE.vit), () => {
  it('registers a folder under a name usable as --model, lists it with the built-ins, removes it', () => {
    const m = tessellaJson<Record<string, any>>(['model', 'import', ORACLE.vit!, '--name', 'tiny-vit'], env);
    expect(m).toMatchObject({ name: 'tiny-vit', arch: 'vit', dir: ORACLE.vit, labels: ['cat', 'dog', 'bird'], inputSize: 32, available: true });

    const list = tessellaJson<{ models: { name: string }[]; builtins: { name: string; inputSize: number }[] }>(['model', 'list'], env);
    expect(list.models.map((x) => x.name)).toContain('tiny-vit');
    expect(list.builtins.map((b) => b.name)).toEqual(['vit-b16', 'vit-s16', 'vit-ti16', 'resnet-50', 'resnet-18']);
    expect(list.builtins.every((b) => b.inputSize === 224)).toBe(true);

    const [p] = tessellaJson<{ label: string; logits: number[] }[]>(['predict', '--model', 'tiny-vit', join(ORACLE.vit!, 'image_0.png')], env);
    expect(maxAbsDiff(p!.logits, expected(ORACLE.vit!).logits[0]!)).toBeLessThan(TOL);

    const removed = tessellaJson<{ removed: boolean }>(['model', 'remove', 'tiny-vit'], env);
    expect(removed.removed).toBe(true);
    expect(tessellaJson<{ models: unknown[] }>(['model', 'list'], env).models).toHaveLength(0);
    expectOneLineError(tessella(['predict', '--model', 'tiny-vit', join(ORACLE.vit!, 'image_0.png')], env), 1, /tiny-vit: no such checkpoint folder, built-in architecture \(vit-b16/);
  }, MULTI_RUN_TIMEOUT);

  it('refuses a folder that is not a checkpoint, naming what is missing', () => {
    const empty = join(home.dir, 'not-a-model');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'readme.txt'), 'hello');
    expectOneLineError(tessella(['model', 'import', empty], env), 1, /no config\.json/);
  });
});

describe('tessella engine', () => {
  it('says which tfjs backend runs and why, and which onnxruntime providers exist', () => {
    const r = tessellaJson<Record<string, any>>(['engine'], env);
    expect(typeof r.tfjs.backend).toBe('string');
    expect(r.tfjs.reason.length).toBeGreaterThan(3);
    expect(r.tfjs.tried.some((t: { ok: boolean }) => t.ok)).toBe(true);
    expect(r.onnx.providers.map((p: { name: string }) => p.name)).toContain('cpu');
    expect(r.onnx.provider).toBe('cpu');
    expect(r.defaultEngine).toBe('onnx');
  });
});
