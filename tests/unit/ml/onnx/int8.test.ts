/**
 * int8 graphs (issue 15): per-output-channel weight quantisation, the int8 graph's agreement with
 * fp32 on the oracle checkpoints (ViT and ResNet) and real lung patches, and its own cache file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quantizeColumns, quantizeRows } from '../../../../src/main/ml/emit/quantize';
import { compareOutputs, cosine, type ImageOutputs } from '../../../../src/main/ml/infer/agreement';
import { readBatch } from '../../../../src/main/ml/infer/image-batches';
import { loadCheckpoint, type Checkpoint } from '../../../../src/main/ml/models/checkpoint';
import { buildOnnxModel } from '../../../../src/main/ml/onnx/export';
import { OnnxEngine } from '../../../../src/main/ml/onnx/session';
import { graphCacheEntries } from '../../../../src/main/ml/graph-cache-limit';
import { classifierPlan, planOf } from '../../../../src/main/ml/arch/index';
import { emitOnnx } from '../../../../src/main/ml/emit/onnx';
import { BUILTIN_CONFIGS, parseConfig } from '../../../../src/main/ml/models/configs';
import { DataType } from '../../../../src/main/ml/onnx/onnx-model';
import { readTopLevelFields } from '../../../../src/main/ml/onnx/protobuf';
import { sharedPath } from '../../../helpers/shared-data';
import { needs } from '../../../helpers/needs.js';
import { readF32 } from './oracle';

const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-int8-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const vitTiny = sharedPath('oracle/vit_tiny');
const resnetTiny = sharedPath('oracle/resnet_tiny');
const fmRoot = sharedPath('oracle/fm');
const lung = sharedPath('data/patches/lc25000_lung');
const FM_CASES = ['timm_vit_plain', 'timm_vit_layerscale', 'timm_vit_swiglu_reg', 'timm_vit_virchow2_style', 'hf_dinov2', 'hf_dinov2_reg_swiglu'] as const;

/** Up to `per` patches of each class folder, in name order. */
function lungPatches(per: number): string[] {
  return readdirSync(lung!, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((c) => readdirSync(join(lung!, c)).filter((f) => f.endsWith('.jpeg')).sort().slice(0, per).map((f) => join(lung!, c, f)));
}

function perImage(r: { logits: Float32Array[]; features: Float32Array[] }): ImageOutputs[] {
  return r.features.map((features, i) => ({ features, logits: r.logits[i]! }));
}

describe('quantizeColumns', () => {
  it('one scale per output column, each column using its full int8 range, error at most half a step', () => {
    // [in=3, out=4]: columns of very different magnitudes, one all zero
    const w = Float32Array.from([0.5, -100, 0, 1e-3, -0.25, 50, 0, -2e-3, 0.125, 25, 0, 5e-4]);
    const { q, scale } = quantizeColumns(w, 3, 4);
    expect(Array.from(scale)).toEqual([0.5 / 127, 100 / 127, 1, 2e-3 / 127].map(Math.fround));
    expect(Array.from(q.filter((_, i) => i % 4 === 1))).toEqual([-127, 64, 32]); // 50/100·127 = 63.5 → 64, 25 → 31.75 → 32
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i]! * scale[i % 4]! - w[i]!)).toBeLessThanOrEqual(scale[i % 4]! / 2 + 1e-9);
    expect(Array.from(q.filter((_, i) => i % 4 === 2))).toEqual([0, 0, 0]);
  });
});

describe('compareOutputs', () => {
  it('top-1 agreement, max probability difference and embedding cosine', () => {
    const a: ImageOutputs[] = [
      { logits: Float32Array.of(2, 0), features: Float32Array.of(1, 0) },
      { logits: Float32Array.of(0, 1), features: Float32Array.of(1, 1) },
    ];
    const b: ImageOutputs[] = [
      { logits: Float32Array.of(2, 0), features: Float32Array.of(1, 0) },
      { logits: Float32Array.of(1, 0), features: Float32Array.of(0, 1) },
    ];
    const r = compareOutputs(a, b);
    expect(r.classifier!.top1Agreement).toBe(0.5);
    expect(r.classifier!.disagreements).toBe(1);
    const p = 1 / (1 + Math.E); // softmax of (0, 1) vs (1, 0): |p0 − (1 − p0)|
    expect(r.classifier!.maxProbabilityDifference).toBeCloseTo(1 - 2 * p, 12);
    expect(r.embedding.cosineMin).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.embedding.cosineMean).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(compareOutputs([{ logits: new Float32Array(0), features: Float32Array.of(3) }], [{ logits: new Float32Array(0), features: Float32Array.of(3) }]).classifier).toBeNull();
    expect(cosine([0, 0], [0, 0])).toBe(1);
  });
});

/** The int8 graph against the fp32 one on 10 lung patches: named apart, same top-1, close probabilities and features, yet not the same computation. */
async function agreesOnLung(name: string, ck: Checkpoint, fp32: OnnxEngine, int8: OnnxEngine): Promise<void> {
  expect(int8.modelPath.endsWith(`${ck.hash}-int8.onnx`)).toBe(true);
  expect(int8.info.precision).toBe('int8');
  const files = lungPatches(10);
  const pixels = await readBatch(files, { preprocessor: ck.preprocessor, stain: null });
  const a = perImage(await fp32.run(pixels, files.length));
  const b = perImage(await int8.run(pixels, files.length));
  const r = compareOutputs(a, b);
  console.info(`[int8] ${name} on ${files.length} lung patches: ${JSON.stringify(r)}`);
  expect(r.classifier!.top1Agreement).toBe(1);
  expect(r.classifier!.maxProbabilityDifference).toBeLessThan(0.05);
  expect(r.embedding.cosineMin).toBeGreaterThanOrEqual(0.99);
  // the int8 graph really is another computation, not the fp32 one under a new name
  expect(a.some((x, i) => x.features.some((v, k) => v !== b[i]!.features[k]))).toBe(true);
}

describe('int8 ViT classifier (oracle vit_tiny) against fp32 on real lung patches', { ...needs(vitTiny, lung), timeout: 120_000 }, () => {
  it('same top-1 class on every image, probabilities within 0.05, features at cosine >= 0.99; int8 graph cached apart', async () => {
    const ck = await loadCheckpoint(vitTiny!);
    const fp32 = await OnnxEngine.load(ck, { cacheDir });
    const int8 = await OnnxEngine.load(ck, { cacheDir, precision: 'int8' });
    try {
      expect(int8.modelPath).not.toBe(fp32.modelPath);
      await agreesOnLung('vit_tiny', ck, fp32, int8);
    } finally {
      await fp32.dispose();
      await int8.dispose();
    }
    // one cache entry per checkpoint, holding both graphs and onnxruntime's optimised copy of each (trimmed together)
    const entry = (await graphCacheEntries(cacheDir)).find((e) => e.key === ck.hash)!;
    const names = entry.paths.map((p) => p.slice(cacheDir.length + 1)).sort();
    expect(names.filter((n) => !n.includes('.opt-'))).toEqual([`${ck.hash}-int8.onnx`, `${ck.hash}.onnx`]);
    expect(names.filter((n) => n.includes('.opt-')).map((n) => n.replace(/\.opt-[0-9a-f]{16}\.onnx$/, '.onnx'))).toEqual([`${ck.hash}-int8.onnx`, `${ck.hash}.onnx`]);
  });

  it('the int8 model holds int8 weights and DynamicQuantizeMatMul nodes: about a quarter of the fp32 Linear bytes', async () => {
    const ck = await loadCheckpoint(vitTiny!);
    const fp32 = buildOnnxModel(ck).toBytes();
    const int8 = buildOnnxModel(ck, { precision: 'int8' }).toBytes();
    const text = new TextDecoder('latin1').decode(int8);
    expect(text).toContain('DynamicQuantizeMatMul');
    expect(text).toContain('com.microsoft');
    expect(new TextDecoder('latin1').decode(fp32)).not.toContain('DynamicQuantizeMatMul');
    // every Linear weight of every block goes from 4 bytes to 1 (plus a scale per column)
    const { hidden_size: d, intermediate_size: m, num_hidden_layers: layers } = ck.config as Record<string, number>;
    const linearWeights = layers! * (4 * d! * d! + 2 * d! * m!);
    expect(fp32.byteLength - int8.byteLength).toBeGreaterThan(0.9 * 3 * linearWeights);
  });
});

describe('int8 foundation-model backbones (../shared/oracle/fm): embedding cosine >= 0.99 to the fp32 golden', { ...needs(fmRoot), timeout: 120_000 }, () => {
  for (const c of FM_CASES) {
    it(c, async () => {
      const dir = join(fmRoot!, c);
      const ck = await loadCheckpoint(dir);
      const engine = await OnnxEngine.load(ck, { cacheDir, precision: 'int8' });
      try {
        const { features } = await engine.run(readF32(dir, 'input.f32'), 2);
        const hint = JSON.parse(readFileSync(join(dir, 'tessella_model.json'), 'utf8')) as { embedding_file: string };
        const want = readF32(dir, hint.embedding_file);
        const dim = want.length / 2;
        const cos = [0, 1].map((i) => cosine(features[i]!, want.subarray(i * dim, (i + 1) * dim)));
        console.info(`[int8] ${c}: cosine to the fp32 golden ${cos.map((x) => x.toFixed(5)).join(', ')}`);
        for (const x of cos) expect(x).toBeGreaterThanOrEqual(0.99);
      } finally {
        await engine.dispose();
      }
    });
  }
});

/** op_type of every node of a serialised model (ModelProto.graph = 7, GraphProto.node = 1, NodeProto.op_type = 4). */
function opTypes(model: Uint8Array): string[] {
  const graph = readTopLevelFields(model).find((f) => f.field === 7)!.value as Uint8Array;
  return readTopLevelFields(graph)
    .filter((f) => f.field === 1)
    .map((n) => new TextDecoder().decode(readTopLevelFields(n.value as Uint8Array).find((f) => f.field === 4)!.value as Uint8Array));
}

/** Element type of each initializer by name (GraphProto.initializer = 5; TensorProto.data_type = 2, name = 8). */
function initializerTypes(model: Uint8Array): Map<string, number> {
  const graph = readTopLevelFields(model).find((f) => f.field === 7)!.value as Uint8Array;
  return new Map(
    readTopLevelFields(graph)
      .filter((f) => f.field === 5)
      .map((t) => {
        const fields = readTopLevelFields(t.value as Uint8Array);
        return [new TextDecoder().decode(fields.find((f) => f.field === 8)!.value as Uint8Array), Number(fields.find((f) => f.field === 2)!.value)] as const;
      }),
  );
}

describe('quantizeRows', () => {
  it('one scale per output channel (the first axis), each channel using its full int8 range', () => {
    // [out=3, in·k·k=2]: channels of very different magnitudes, one all zero
    const w = Float32Array.from([0.5, -0.25, 100, 63.5, 0, 0]);
    const { q, scale } = quantizeRows(w, 3, 2);
    expect(Array.from(scale)).toEqual([0.5 / 127, 100 / 127, 1].map(Math.fround));
    expect(Array.from(q)).toEqual([127, -64, 127, 81, 0, 0]); // -63.5 → -64 (half away from zero); 63.5/100·127 = 80.6 → 81
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i]! * scale[Math.floor(i / 2)]! - w[i]!)).toBeLessThanOrEqual(scale[Math.floor(i / 2)]! / 2 + 1e-9);
  });
});

describe('int8 ResNet (oracle resnet_tiny) against fp32 on real lung patches', { ...needs(resnetTiny, lung), timeout: 120_000 }, () => {
  it('same top-1 class on every image, probabilities within 0.05, features at cosine >= 0.99; int8 graph cached apart', async () => {
    const ck = await loadCheckpoint(resnetTiny!);
    const fp32 = await OnnxEngine.load(ck, { cacheDir });
    const int8 = await OnnxEngine.load(ck, { cacheDir, precision: 'int8' });
    try {
      await agreesOnLung('resnet_tiny', ck, fp32, int8);

      // and against the independent PyTorch implementation's fp32 outputs
      const golden = await int8.run(readF32(resnetTiny!, 'input.f32'), 2);
      const want = readF32(resnetTiny!, 'features.f32');
      const dim = want.length / 2;
      golden.features.forEach((f, i) => expect(cosine(f, want.subarray(i * dim, (i + 1) * dim))).toBeGreaterThanOrEqual(0.99));
    } finally {
      await fp32.dispose();
      await int8.dispose();
    }
  });

  it('every conv but the stem is a ConvInteger on uint8 weights after one DynamicQuantizeLinear per input; the classifier stays fp32', async () => {
    const ck = await loadCheckpoint(resnetTiny!);
    const plan = planOf(ck);
    if (plan.kind !== 'resnet') throw new Error('resnet_tiny is a ResNet');
    const blocks = plan.stages.flat();
    const convs = blocks.reduce((n, r) => n + r.body.length + (r.shortcut ? 1 : 0), 0);
    const int8 = buildOnnxModel(ck, { precision: 'int8' }).toBytes();
    const ops = opTypes(int8);
    expect(ops.filter((o) => o === 'ConvInteger')).toHaveLength(convs);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(1); // the stem
    expect(ops.filter((o) => o === 'Gemm')).toHaveLength(1); // the classifier
    // a block's shortcut and first conv read the same tensor: it is quantised once
    expect(ops.filter((o) => o === 'DynamicQuantizeLinear')).toHaveLength(convs - blocks.filter((r) => r.shortcut).length);
    expect(opTypes(buildOnnxModel(ck).toBytes())).not.toContain('ConvInteger');
    const types = initializerTypes(int8);
    for (const c of blocks.flatMap((r) => [...r.body, ...(r.shortcut ? [r.shortcut] : [])])) expect(types.get(`${c.conv}_q`)).toBe(DataType.UINT8);
    expect(types.get(`${plan.stem.conv}_folded`)).toBe(DataType.FLOAT);
  });

  it('ResNet-50 (bottleneck) and ResNet-18 (basic blocks) shapes: every conv but the stem quantised', () => {
    // the built-in shapes with constant weights: the graph's structure, without 25M random draws
    const get = (_: string, shape?: readonly number[]): Float32Array => new Float32Array(shape!.reduce((a, b) => a * b, 1)).fill(0.01);
    for (const [name, convs] of [['resnet-50', 16 * 3 + 4], ['resnet-18', 8 * 2 + 3]] as const) {
      const ops = opTypes(emitOnnx(classifierPlan(parseConfig(BUILTIN_CONFIGS[name]), 3), get, { precision: 'int8' }).toModel('test').toBytes());
      expect(ops.filter((o) => o === 'ConvInteger')).toHaveLength(convs);
      expect(ops.filter((o) => o === 'Conv')).toHaveLength(1);
    }
  });
});

describe('embedding a dataset at int8 for head training (embedFiles)', { ...needs(fmRoot, lung), timeout: 120_000 }, () => {
  it('int8 embeddings follow fp32 (cosine >= 0.99) and are stored under their own key', async () => {
    const { embedFiles } = await import('../../../../src/main/ml/infer/embed-files');
    const storeRoot = join(cacheDir, 'embeddings');
    const backbone = join(fmRoot!, 'timm_vit_plain');
    const files = lungPatches(3);
    const opts = { storeRoot, engineCacheDir: join(cacheDir, 'embed-graphs') };
    const fp32 = await embedFiles(backbone, files, opts);
    const int8 = await embedFiles(backbone, files, { ...opts, precision: 'int8' });
    expect(int8.embedder).not.toBe(fp32.embedder);
    expect(int8.computed).toBe(files.length); // not the fp32 ones from the store
    fp32.embeddings.forEach((e, i) => expect(cosine(e!, int8.embeddings[i]!)).toBeGreaterThanOrEqual(0.99));
    const again = await embedFiles(backbone, files, { ...opts, precision: 'int8' });
    expect(again.computed).toBe(0);
    expect(again.embeddings).toEqual(int8.embeddings);
  });
});
