/**
 * The restricted PyTorch checkpoint reader: the oracle's .bin files load bit-for-bit as their
 * safetensors twin and their weights manifest; dtypes, strides, shared storages and nesting; and
 * every hostile or broken file is refused with one line, without running anything.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/main/errors.js';
import { mulberry32, tensorRng } from '../../../src/main/ml/models/init.js';
import { readSafetensors, type TensorEntry } from '../../../src/main/ml/models/safetensors.js';
import { readTorchPickle } from '../../../src/main/ml/weights/torch-pickle.js';
import { ZipArchive } from '../../../src/main/ml/weights/zip.js';
import {
  dictPickle,
  f32Bytes,
  i64Bytes,
  op,
  orderedDictPickle,
  pickle,
  tensorPickle,
  torchLegacy,
  torchZip,
  tupleOf,
  u16Bytes,
  zipBytes,
  type Bytes,
} from '../../helpers/torch-checkpoint.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { needs } from '../../helpers/needs.js';

const tmp = mkdtempSync(join(tmpdir(), 'tessella-pickle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const write = (bytes: Uint8Array, name = `ckpt${fileNo++}.bin`): string => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

const bytesOf = (e: TensorEntry): Buffer => Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);

/** The DomainError `readTorchPickle(path)` throws (fails the test when it resolves). */
async function refusal(path: string): Promise<DomainError> {
  const err = await readTorchPickle(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  const e = err as DomainError;
  expect(e.message).not.toMatch(/\n/);
  expect(e.message.startsWith(path)).toBe(true);
  return e;
}

describe('oracle checkpoints', () => {
  const swiglu = sharedPath('oracle/fm/timm_vit_swiglu_reg');
  it('timm_vit_swiglu_reg: pytorch_model.bin equals model.safetensors, every tensor bit for bit', needs(swiglu), async () => {
    const bin = await readTorchPickle(join(swiglu!, 'pytorch_model.bin'));
    const st = await readSafetensors(join(swiglu!, 'model.safetensors'));
    expect([...bin.keys()].sort()).toEqual([...st.keys()].sort());
    expect(bin.size).toBe(35);
    for (const [name, want] of st) {
      const got = bin.get(name)!;
      expect(got.dtype, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      expect(bytesOf(got).equals(bytesOf(want)), name).toBe(true);
    }
  });

  for (const name of ['timm_vit_plain', 'timm_vit_layerscale']) {
    const dir = sharedPath(`oracle/fm/${name}`);
    it(`${name}: names and shapes as golden.json, values as the weights manifest regenerates them`, needs(dir), async () => {
      const t = await readTorchPickle(join(dir!, 'pytorch_model.bin'));
      const golden = JSON.parse(readFileSync(join(dir!, 'golden.json'), 'utf8')) as { keys: string[] };
      expect([...t.keys()]).toEqual(golden.keys); // the OrderedDict's order
      const manifest = JSON.parse(readFileSync(join(dir!, 'weights_manifest.json'), 'utf8')) as {
        global_seed: number;
        tensors: { name: string; shape: number[]; low: number; high: number }[];
      };
      expect(manifest.tensors.length).toBe(t.size);
      for (const m of manifest.tensors) {
        const e = t.get(m.name)!;
        expect(e.dtype, m.name).toBe('F32');
        expect(e.shape, m.name).toEqual(m.shape);
        // oracle_io.det_uniform: fround(low + (high - low) * u), u the i-th mulberry32 draw.
        const rand = tensorRng(manifest.global_seed, m.name);
        const want = Float32Array.from({ length: e.data.length }, () => m.low + (m.high - m.low) * rand());
        expect(bytesOf(e).equals(Buffer.from(want.buffer)), m.name).toBe(true);
      }
    });
  }

  it('filter reads only the tensors asked for', needs(swiglu), async () => {
    const t = await readTorchPickle(join(swiglu!, 'pytorch_model.bin'), { filter: (n) => n.startsWith('blocks.1.') });
    expect(t.size).toBeGreaterThan(0);
    expect([...t.keys()].every((n) => n.startsWith('blocks.1.'))).toBe(true);
  });
});

describe('dtypes, strides and layouts', () => {
  // half 1, -2, 0.5, 65504, 2^-24 (smallest subnormal), -0 / bf16 1, -2, 3.140625, ~1e38, -0, 0.5
  const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000];
  const bf16s = [0x3f80, 0xc000, 0x4049, 0x7e96, 0x8000, 0x3f00];
  const floats = Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);

  function mixedCheckpoint(): { pkl: Uint8Array; storages: Record<string, Uint8Array> } {
    const pkl = pickle(
      orderedDictPickle([
        ['h', tensorPickle({ storageType: 'HalfStorage', key: '0', numel: 6, size: [2, 3] })],
        ['b', tensorPickle({ storageType: 'BFloat16Storage', key: '1', numel: 6, size: [3, 2] })],
        // One storage of 24 floats seen as a [4,6] matrix, its transpose and a strided slice.
        ['m', tensorPickle({ storageType: 'FloatStorage', key: '2', numel: 24, size: [4, 6] })],
        ['mT', tensorPickle({ storageType: 'FloatStorage', key: '2', numel: 24, size: [6, 4], stride: [1, 6] })],
        ['slice', tensorPickle({ storageType: 'FloatStorage', key: '2', numel: 24, offset: 7, size: [2, 3], stride: [12, 2] })],
        ['tail', tensorPickle({ storageType: 'FloatStorage', key: '2', numel: 24, offset: 20, size: [4] })],
        // An expanded tensor (stride 0) repeats its row.
        ['bcast', tensorPickle({ storageType: 'FloatStorage', key: '2', numel: 24, offset: 1, size: [2, 3], stride: [0, 1] })],
        ['steps', tensorPickle({ storageType: 'LongStorage', key: '3', numel: 1, size: [] })],
      ]),
    );
    return { pkl, storages: { '0': u16Bytes(halves), '1': u16Bytes(bf16s), '2': f32Bytes(floats), '3': i64Bytes([123n]) } };
  }

  function expectMixed(t: Map<string, TensorEntry>): void {
    expect([...t.keys()]).toEqual(['h', 'b', 'm', 'mT', 'slice', 'tail', 'bcast', 'steps']);
    expect(t.get('h')).toEqual({ dtype: 'F16', shape: [2, 3], data: Float32Array.of(1, -2, 0.5, 65504, 2 ** -24, -0) });
    expect(t.get('b')!.dtype).toBe('BF16');
    expect(Array.from(t.get('b')!.data as Float32Array)).toEqual(bf16s.map((b) => new Float32Array(Uint32Array.of(b << 16).buffer)[0]));
    expect(Array.from(t.get('b')!.data as Float32Array).slice(0, 3)).toEqual([1, -2, 3.140625]);
    expect(Array.from(t.get('m')!.data as Float32Array)).toEqual(floats);
    const mT = Array.from(t.get('mT')!.data as Float32Array);
    expect(t.get('mT')!.shape).toEqual([6, 4]);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(mT[i * 4 + j]).toBe(floats[j * 6 + i]);
    // offset 7, strides [12, 2]: elements 7, 9, 11 and 19, 21, 23
    expect(Array.from(t.get('slice')!.data as Float32Array)).toEqual([7, 9, 11, 19, 21, 23].map((k) => floats[k]));
    expect(Array.from(t.get('tail')!.data as Float32Array)).toEqual(floats.slice(20));
    expect(Array.from(t.get('bcast')!.data as Float32Array)).toEqual([...floats.slice(1, 4), ...floats.slice(1, 4)]);
    expect(t.get('steps')).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(123n) });
  }

  it('half and bfloat16 storages widen exactly; non-contiguous views are materialised; storage offsets honoured; eagerly and lazily', async () => {
    const { pkl, storages } = mixedCheckpoint();
    const path = write(torchZip(pkl, storages));
    expectMixed(await readTorchPickle(path));
    expectMixed(await readTorchPickle(path, { lazy: true }));
  });

  it('deflated entries and zip64 records read the same, eagerly and lazily', async () => {
    const { pkl, storages } = mixedCheckpoint();
    for (const path of [write(torchZip(pkl, storages, { deflate: true })), write(torchZip(pkl, storages, { zip64: true, prefix: 'pytorch_model' }))]) {
      expectMixed(await readTorchPickle(path));
      expectMixed(await readTorchPickle(path, { lazy: true }));
    }
  });

  it('the legacy (pre-1.6) format reads the same', async () => {
    const legacyPkl = pickle(
      orderedDictPickle([
        ['m', tensorPickle({ storageType: 'FloatStorage', key: '94', numel: 24, size: [4, 6], legacy: true })],
        ['mT', tensorPickle({ storageType: 'FloatStorage', key: '94', numel: 24, size: [6, 4], stride: [1, 6], legacy: true })],
        ['h', tensorPickle({ storageType: 'HalfStorage', key: '17', numel: 6, size: [2, 3], legacy: true })],
      ]),
    );
    const legacyPath = write(
      torchLegacy(legacyPkl, [
        { key: '94', itemSize: 4, bytes: f32Bytes(floats) },
        { key: '17', itemSize: 2, bytes: u16Bytes(halves) },
      ]),
    );
    const t = await readTorchPickle(legacyPath);
    expect([...t.keys()]).toEqual(['m', 'mT', 'h']);
    const lazy = await readTorchPickle(legacyPath, { lazy: true });
    for (const [name, e] of t) expect(lazy.get(name), name).toEqual(e);
    expect(Array.from(t.get('m')!.data as Float32Array)).toEqual(floats);
    // Pickles larger than the first read window (1 MiB) are read in a wider one.
    const long = pickle(dictPickle([['notes', op.str('x'.repeat(1_100_000))], ['state_dict', orderedDictPickle([['m', tensorPickle({ storageType: 'FloatStorage', key: '94', numel: 24, size: [24], legacy: true })]])]]));
    const big = await readTorchPickle(write(torchLegacy(long, [{ key: '94', itemSize: 4, bytes: f32Bytes(floats) }])));
    expect(Array.from(big.get('m')!.data as Float32Array)).toEqual(floats);
    expect(Array.from(t.get('mT')!.data as Float32Array).slice(0, 4)).toEqual([0, 6, 12, 18].map((k) => floats[k]));
    expect(Array.from(t.get('h')!.data as Float32Array)).toEqual([1, -2, 0.5, 65504, 2 ** -24, -0]);
  });

  // pickle.dumps({'state_dict': OrderedDict(a.weight [2,3], a.weightT [3,2] (its transpose), b [2]),
  //   'epoch': 7, 'lr': 0.5, 'big': 2**70, 'blob': b'\x00\xff', 'cfg': {'a': [1, 2, (3, 4)], 's': {1, 2},
  //   'f': frozenset([3])}}, protocol=P), from CPython with stand-ins for torch's globals. Protocol 2
  //   spells bytes as _codecs.encode and sets as __builtin__.set; 4 adds FRAME, MEMOIZE, STACK_GLOBAL.
  const fromCPython: [number, string][] = [
    [
      2,
      '80027d710028580a00000073746174655f64696374710163636f6c6c656374696f6e730a4f726465726564446963740a7102' +
      '29527103285808000000612e776569676874710463746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f' +
      '76320a71052828580700000073746f72616765710663746f7263680a466c6f617453746f726167650a710758010000003071' +
      '08580300000063707571094b0674710a514b004b024b0386710b4b034b0186710c8968022952710d74710e52710f58090000' +
      '00612e7765696768745471106805282868066807680868094b06747111514b004b034b028671124b014b0386711389680229' +
      '52711474711552711658010000006271176805282868066807580100000031711868094b02747119514b004b0285711a4b01' +
      '85711b8968022952711c74711d52711e75580500000065706f6368711f4b0758020000006c727120473fe000000000000058' +
      '0300000062696771218a090000000000000000405804000000626c6f627122635f636f646563730a656e636f64650a712358' +
      '0300000000c3bf712458060000006c6174696e317125867126527127580300000063666771287d712928580100000061712a' +
      '5d712b284b014b024b034b0486712c65580100000073712d635f5f6275696c74696e5f5f0a7365740a712e5d712f284b014b' +
      '02658571305271315801000000667132635f5f6275696c74696e5f5f0a66726f7a656e7365740a71335d71344b0361857135' +
      '52713675752e',
    ],
    [
      4,
      '80049578010000000000007d94288c0a73746174655f64696374948c0b636f6c6c656374696f6e73948c0b4f726465726564' +
      '44696374949394295294288c08612e776569676874948c0c746f7263682e5f7574696c73948c125f72656275696c645f7465' +
      '6e736f725f763294939428288c0773746f72616765948c05746f726368948c0c466c6f617453746f726167659493948c0130' +
      '948c03637075944b067494514b004b024b0386944b034b018694896804295294749452948c09612e77656967687454946809' +
      '2828680a680d680e680f4b067494514b004b034b0286944b014b038694896804295294749452948c01629468092828680a68' +
      '0d8c013194680f4b027494514b004b0285944b01859489680429529474945294758c0565706f6368944b078c026c7294473f' +
      'e00000000000008c03626967948a090000000000000000408c04626c6f6294430200ff948c03636667947d94288c0161945d' +
      '94284b014b024b034b048694658c0173948f94284b014b02908c016694284b03919475752e',
    ],
  ];
  for (const [protocol, hex] of fromCPython) {
    it(`Python's own pickler at protocol ${protocol}`, async () => {
      const storages = { '0': f32Bytes([1, 2, 3, 4, 5, 6]), '1': f32Bytes([-1, -2]) };
      const t = await readTorchPickle(write(torchZip(Uint8Array.from(Buffer.from(hex, 'hex')), storages)));
      expect([...t.keys()]).toEqual(['a.weight', 'a.weightT', 'b']);
      expect(Array.from(t.get('a.weightT')!.data as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
      expect(Array.from(t.get('b')!.data as Float32Array)).toEqual([-1, -2]);
    });
  }

  it('a training checkpoint: the state dict under "state_dict" is picked, with a note', async () => {
    const sd = orderedDictPickle([['w', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 2, size: [2] })]]);
    const opt = dictPickle([['state', dictPickle([['exp_avg', tensorPickle({ storageType: 'FloatStorage', key: '1', numel: 2, size: [2] })]])]]);
    const pkl = pickle(dictPickle([['epoch', op.int(3)], ['state_dict', sd], ['optimizer', opt]]));
    const notes: string[] = [];
    const path = write(torchZip(pkl, { '0': f32Bytes([1, 2]), '1': f32Bytes([3, 4]) }));
    const t = await readTorchPickle(path, { onNote: (n) => notes.push(n) });
    expect([...t.keys()]).toEqual(['w']);
    expect(Array.from(t.get('w')!.data as Float32Array)).toEqual([1, 2]);
    expect(notes).toHaveLength(1);
    expect(notes).toEqual([`${path}: read the state dict under "state_dict"; skipped 2 other entries of the checkpoint`]);
    // Without a known wrapper key, nested tensors are flattened with dotted names.
    const flat = pickle(dictPickle([['encoder', sd], ['extra', dictPickle([['x', tensorPickle({ storageType: 'FloatStorage', key: '1', numel: 2, size: [2] })]])]]));
    const f = await readTorchPickle(write(torchZip(flat, { '0': f32Bytes([1, 2]), '1': f32Bytes([3, 4]) })));
    expect([...f.keys()]).toEqual(['encoder.w', 'extra.x']);
  });
});

describe('sharded checkpoints and wrapped tensors', () => {
  it('a pytorch_model.bin.index.json reads each shard for the tensors the index gives it', async () => {
    const shard = (names: string[], values: number[][]): Uint8Array =>
      torchZip(
        pickle(orderedDictPickle(names.map((n, i) => [n, tensorPickle({ storageType: 'FloatStorage', key: String(i), numel: values[i].length, size: [values[i].length] })]))),
        Object.fromEntries(values.map((v, i) => [String(i), f32Bytes(v)])),
      );
    const dir = mkdtempSync(join(tmp, 'shards-'));
    writeFileSync(join(dir, 'pytorch_model-00001-of-00002.bin'), shard(['a', 'stray'], [[1, 2], [9]]));
    writeFileSync(join(dir, 'pytorch_model-00002-of-00002.bin'), shard(['b', 'stray'], [[3], [4, 5]]));
    const index = { metadata: { total_size: 20 }, weight_map: { a: 'pytorch_model-00001-of-00002.bin', b: 'pytorch_model-00002-of-00002.bin', stray: 'pytorch_model-00002-of-00002.bin' } };
    const indexPath = join(dir, 'pytorch_model.bin.index.json');
    writeFileSync(indexPath, JSON.stringify(index));
    const t = await readTorchPickle(indexPath);
    expect(Object.fromEntries([...t].map(([k, v]) => [k, Array.from(v.data as Float32Array)]))).toEqual({ a: [1, 2], b: [3], stray: [4, 5] });
    expect([...(await readTorchPickle(indexPath, { filter: (n) => n === 'b' })).keys()]).toEqual(['b']);
    writeFileSync(indexPath, JSON.stringify({ weight_map: { a: '../../etc/passwd' } }));
    expect((await refusal(indexPath)).kind).toBe('corrupt');
    writeFileSync(indexPath, JSON.stringify({ weight_map: { gone: 'pytorch_model-00001-of-00002.bin' } }));
    expect((await refusal(indexPath)).message).toMatch(/absent from their shard/);
  });

  it('tensors wrapped by _rebuild_from_type_v2 and _rebuild_parameter unwrap; quantized tensors are named and refused', async () => {
    const inner = (key: string): Bytes => tupleOf([...tupleOf(op.str('storage'), op.global('torch', 'FloatStorage'), op.str(key), op.str('cpu'), op.int(2)), ...op.binpersid], op.int(0), tupleOf(op.int(2)), tupleOf(op.int(1)), op.newfalse, [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce]);
    const wrapped = [...op.global('torch._tensor', '_rebuild_from_type_v2'), ...tupleOf(op.global('torch._utils', '_rebuild_tensor_v2'), op.global('torch', 'Tensor'), inner('0'), dictPickle([])), ...op.reduce];
    const param = [...op.global('torch._utils', '_rebuild_parameter'), ...tupleOf(tensorPickle({ storageType: 'FloatStorage', key: '1', numel: 2, size: [2] }), op.newfalse, [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce]), ...op.reduce];
    const path = write(torchZip(pickle(orderedDictPickle([['w', wrapped], ['p', param]])), { '0': f32Bytes([1, 2]), '1': f32Bytes([3, 4]) }));
    const t = await readTorchPickle(path);
    expect(Array.from(t.get('w')!.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(t.get('p')!.data as Float32Array)).toEqual([3, 4]);
    const q = await refusal(write(torchZip(pickle([...op.global('torch._utils', '_rebuild_qtensor'), ...op.emptyTuple, ...op.reduce]), {})));
    expect(q.kind).toBe('unsupported');
    expect(q.message).toMatch(/torch\._utils\._rebuild_qtensor\); only dense tensors are read$/);
    // A subclass type is not a plain tensor.
    const sub = [...op.global('torch._tensor', '_rebuild_from_type_v2'), ...tupleOf(op.global('torch._utils', '_rebuild_tensor_v2'), op.global('mylib', 'Evil'), inner('0'), dictPickle([])), ...op.reduce];
    expect((await refusal(write(torchZip(pickle(sub), { '0': f32Bytes([1, 2]) })))).message).toMatch(/asks for mylib\.Evil/);
  });
});

describe('hostile pickles are refused and run nothing', () => {
  const canary = join(tmp, 'canary');
  const command = `touch ${canary}`;
  const w = tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 2, size: [2] });
  const storages = { '0': f32Bytes([1, 2]) };

  const cases: [string, string, Bytes][] = [
    ['a GLOBAL posix.system called by REDUCE as the whole pickle', 'posix.system', [...op.global('posix', 'system'), ...tupleOf(op.str(command)), ...op.reduce]],
    ['os.system hidden as a value after a real tensor', 'os.system', orderedDictPickle([['w', w], ['evil', [...op.global('os', 'system'), ...tupleOf(op.str(command)), ...op.reduce]]])],
    ['builtins.eval through STACK_GLOBAL (protocol 4)', 'builtins.eval', [...op.str('builtins'), ...op.str('eval'), ...op.stackGlobal, ...tupleOf(op.str(`__import__('os').system('${command}')`)), ...op.reduce]],
    ['__builtin__.getattr (protocol 2 style)', '__builtin__.getattr', [...op.global('__builtin__', 'getattr'), ...tupleOf(op.str('x'), op.str('y')), ...op.reduce]],
    ['subprocess.Popen as a storage type in a persistent id', 'subprocess.Popen', orderedDictPickle([['w', w], ['x', [...op.global('torch._utils', '_rebuild_tensor_v2'), ...tupleOf([...tupleOf(op.str('storage'), op.global('subprocess', 'Popen'), op.str('1'), op.str('cpu'), op.int(2)), ...op.binpersid], op.int(0), tupleOf(op.int(2)), tupleOf(op.int(1)), op.newfalse, op.none), ...op.reduce]]])],
    ['nt.system pushed as BUILD state', 'nt.system', orderedDictPickle([['w', w], ['v', [...op.global('nt', 'system'), ...op.emptyTuple, ...op.build]]])],
  ];

  for (const [what, global, body] of cases) {
    it(what, async () => {
      const path = write(torchZip(pickle(body), storages));
      const e = await refusal(path);
      expect(e.kind).toBe('unsupported');
      expect(e.code).toBe('unsafe-pickle');
      expect(e.message).toBe(`${path}: refuses to load: the pickle asks for ${global}, which is not a tensor; only tensors and plain containers are read`);
      expect(e.message).not.toContain(canary); // the file's bytes are never echoed
      expect(existsSync(canary)).toBe(false);
    });
  }

  it('a refused name is printed with identifier characters only', async () => {
    const e = await refusal(write(torchZip(pickle([...op.global('os', 'system\u001b[31m'), ...op.emptyTuple, ...op.reduce]), storages)));
    expect(e.message).toContain('os.system??31m');
    expect(e.message).not.toContain('\u001b');
  });
});

describe('broken or foreign files get one clear line', () => {
  const okPkl = pickle(orderedDictPickle([['w', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 4, size: [4] })]]));
  const okStorages = { '0': f32Bytes([1, 2, 3, 4]) };

  it('a truncated zip', async () => {
    const swiglu = sharedPath('oracle/fm/timm_vit_swiglu_reg/pytorch_model.bin');
    const full = swiglu ? readFileSync(swiglu) : Buffer.from(torchZip(okPkl, okStorages));
    for (const keep of [0.5, 0.999]) {
      const path = write(full.subarray(0, Math.floor(full.length * keep)));
      const e = await refusal(path);
      expect(e.kind).toBe('corrupt');
    }
    const cut = write(torchZip(okPkl, okStorages));
    truncateSync(cut, 40);
    expect((await refusal(cut)).kind).toBe('corrupt');
  });

  it('a zip that is not a torch checkpoint', async () => {
    const e = await refusal(write(zipBytes([['hello.txt', new TextEncoder().encode('hello')]])));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/not a PyTorch checkpoint/);
    const ts = await refusal(write(zipBytes([['m/data.pkl', okPkl], ['m/constants.pkl', okPkl], ['m/code/m.py', new Uint8Array(3)]])));
    expect(ts.message).toMatch(/TorchScript/);
  });

  it('a file that is neither zip nor torch, and an empty one', async () => {
    const e = await refusal(write(new TextEncoder().encode('{"not": "a checkpoint"}')));
    expect(e.kind).toBe('unsupported');
    expect(e.message).not.toContain('checkpoint"}');
    expect((await refusal(write(new Uint8Array(0)))).kind).toBe('corrupt');
  });

  it('an unknown opcode, a refused opcode, a truncated pickle', async () => {
    const unknown = await refusal(write(torchZip(Uint8Array.from([0x80, 2, 0xff, 0x2e]), okStorages)));
    expect(unknown.kind).toBe('corrupt');
    expect(unknown.message).toMatch(/byte 0xff at offset 2 is not a pickle opcode/);
    const ext = await refusal(write(torchZip(Uint8Array.from([0x80, 2, 0x82, 1, 0x2e]), okStorages)));
    expect(ext.kind).toBe('unsupported');
    expect(ext.message).toMatch(/EXT1/);
    const cut = await refusal(write(torchZip(okPkl.subarray(0, okPkl.length - 9), okStorages)));
    expect(cut.kind).toBe('corrupt');
    expect(cut.message).toMatch(/ends early/);
  });

  it('a storage of the wrong size, a tensor past its storage, a missing storage, a failed CRC', async () => {
    expect((await refusal(write(torchZip(okPkl, { '0': f32Bytes([1, 2, 3]) })))).message).toMatch(/another size/);
    const past = pickle(orderedDictPickle([['w', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 4, offset: 2, size: [3] })]]));
    expect((await refusal(write(torchZip(past, okStorages)))).message).toMatch(/past the end of its storage/);
    expect((await refusal(write(torchZip(okPkl, {})))).message).toMatch(/missing/);
    const bytes = torchZip(okPkl, okStorages);
    const at = Buffer.from(bytes).indexOf(Buffer.from(f32Bytes([1, 2, 3, 4])));
    bytes[at + 1] ^= 0xff;
    const crc = await refusal(write(bytes));
    expect(crc.kind).toBe('corrupt');
    expect(crc.message).toMatch(/CRC/);
  });

  it('a big-endian checkpoint and an unsupported storage type', async () => {
    const be = zipBytes([
      ['a/data.pkl', okPkl],
      ['a/byteorder', new TextEncoder().encode('big')],
      ['a/data/0', f32Bytes([1, 2, 3, 4])],
    ]);
    expect((await refusal(write(be))).message).toMatch(/big-endian/);
    const cplx = pickle(orderedDictPickle([['w', tensorPickle({ storageType: 'ComplexFloatStorage', key: '0', numel: 2, size: [2] })]]));
    const e = await refusal(write(torchZip(cplx, okStorages)));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/storage type torch\.ComplexFloatStorage is not supported/);
  });

  it('random damage to a zip, a zip64 and a legacy checkpoint: each read loads or fails with one DomainError line', async () => {
    const pkl = pickle(orderedDictPickle([
      ['a', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 6, size: [2, 3] })],
      ['b', tensorPickle({ storageType: 'HalfStorage', key: '1', numel: 4, size: [2, 2], stride: [1, 2] })],
    ]));
    const storages = { '0': f32Bytes([1, 2, 3, 4, 5, 6]), '1': u16Bytes([1, 2, 3, 4]) };
    const legacy = pickle(orderedDictPickle([['a', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 6, size: [2, 3], legacy: true })]]));
    const bases = [torchZip(pkl, storages), torchZip(pkl, storages, { zip64: true, deflate: true }), torchLegacy(legacy, [{ key: '0', itemSize: 4, bytes: storages['0'] }])];
    const rand = mulberry32(12);
    const path = join(tmp, 'fuzz.bin');
    const kinds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const base = bases[i % bases.length];
      let b = Uint8Array.from(base);
      if (rand() < 0.2) b = b.subarray(0, Math.floor(rand() * b.length));
      else for (let f = 0, flips = 1 + Math.floor(rand() * 4); f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      writeFileSync(path, b);
      const eagerErr = await readTorchPickle(path).then(() => null, (e: unknown) => e);
      // Lazily, the damage may show only when a tensor is read; it must be the same kind of line.
      const lazyErr = await (async (): Promise<unknown> => {
        try {
          for (const e of (await readTorchPickle(path, { lazy: true })).values()) void e.data;
          return null;
        } catch (e) {
          return e;
        }
      })();
      for (const err of [eagerErr, lazyErr]) {
        if (err === null) continue;
        expect(err, `mutation ${i}`).toBeInstanceOf(DomainError);
        expect((err as DomainError).message).not.toMatch(/\n/);
        kinds.add((err as DomainError).kind);
      }
    }
    expect([...kinds].sort()).toEqual(['corrupt', 'unsupported']);
  });

  it('a self-referencing container does not hang', async () => {
    // L = []; L.append(L): BINPUT 0, BINGET 0, APPEND.
    const loop = pickle([...op.emptyList, 0x71, 0, 0x68, 0, 0x61]);
    const e = await refusal(write(torchZip(loop, {})));
    expect(e.message).toMatch(/no tensors/);
  });
});

describe('lazy reading (the index now, each tensor from the file when asked for)', () => {
  type Range = [number, number];
  /** [start, end) of every storage's bytes in a torch zip, by storage key. */
  async function storageRanges(path: string): Promise<Map<string, Range>> {
    const zip = await ZipArchive.open(path);
    try {
      const out = new Map<string, Range>();
      for (const e of zip.entries.values()) {
        const m = /\/data\/(\w+)$/.exec(e.name);
        if (!m) continue;
        const start = await zip.dataStart(e);
        out.set(m[1], [start, start + e.compressedSize]);
      }
      return out;
    } finally {
      await zip.close();
    }
  }
  const overlaps = ([p, n]: Range, [a, b]: Range): boolean => p < b && a < p + n;
  const sum = (reads: Range[]): number => reads.reduce((s, [, n]) => s + n, 0);

  function lazyCheckpoint(): { path: string; storages: Record<string, Uint8Array> } {
    const pkl = pickle(
      orderedDictPickle([
        ...(Object.entries({
          // Tied weights: one storage, the same view twice, and a transposed view of it.
          'embed.weight': tensorPickle({ storageType: 'FloatStorage', key: 'tied', numel: 12, size: [3, 4] }),
          'head.weight': tensorPickle({ storageType: 'FloatStorage', key: 'tied', numel: 12, size: [3, 4] }),
          'head.weightT': tensorPickle({ storageType: 'FloatStorage', key: 'tied', numel: 12, size: [4, 3], stride: [1, 4] }),
          // q, k, v cut from a fused qkv storage, k and v with storage offsets, v strided.
          q: tensorPickle({ storageType: 'FloatStorage', key: 'qkv', numel: 3000, size: [10, 100] }),
          k: tensorPickle({ storageType: 'FloatStorage', key: 'qkv', numel: 3000, offset: 1000, size: [10, 100] }),
          v: tensorPickle({ storageType: 'FloatStorage', key: 'qkv', numel: 3000, offset: 2001, size: [10, 50], stride: [100, 2] }),
          bias: tensorPickle({ storageType: 'HalfStorage', key: 'b', numel: 4, size: [4] }),
          empty: tensorPickle({ storageType: 'FloatStorage', key: 'e', numel: 0, size: [0, 3] }),
        }) as [string, Bytes][]),
      ]),
    );
    const storages = {
      tied: f32Bytes(Array.from({ length: 12 }, (_, i) => i + 0.25)),
      qkv: f32Bytes(Array.from({ length: 3000 }, (_, i) => i * 0.5 - 700)),
      b: u16Bytes([0x3c00, 0xc000, 0x3800, 0x8000]),
      e: new Uint8Array(0),
    };
    return { path: write(torchZip(pkl, storages)), storages };
  }

  it('loading reads no storage byte; each tensor then reads only the bytes its view spans, on every access', async () => {
    const { path } = lazyCheckpoint();
    const ranges = await storageRanges(path);
    const reads: Range[] = [];
    const t = await readTorchPickle(path, { lazy: true, onRead: (p, n) => reads.push([p, n]) });
    expect([...t.keys()]).toEqual(['embed.weight', 'head.weight', 'head.weightT', 'q', 'k', 'v', 'bias', 'empty']);
    expect(t.get('v')).toMatchObject({ dtype: 'F32', shape: [10, 50] }); // shapes and dtypes without reading
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) for (const s of ranges.values()) expect(overlaps(r, s), `read ${r} during the load`).toBe(false);
    expect(sum(reads)).toBeLessThan(2000); // the 12 KB qkv storage alone is bigger than the whole index read

    const qkv = ranges.get('qkv')!;
    const readOf = (name: string): { data: Float32Array; reads: Range[] } => {
      reads.length = 0;
      const data = t.get(name)!.data as Float32Array;
      return { data, reads: [...reads] };
    };
    // k: elements 1000..1999 of qkv, one read of exactly those 4000 bytes.
    const k = readOf('k');
    expect(k.reads).toEqual([[qkv[0] + 4000, 4000]]);
    expect(Array.from(k.data)).toEqual(Array.from({ length: 1000 }, (_, i) => (1000 + i) * 0.5 - 700));
    // v: offset 2001, strides [100, 2]: it spans elements 2001..2999 and gathers every other one.
    const v = readOf('v');
    expect(v.reads).toEqual([[qkv[0] + 2001 * 4, 999 * 4]]);
    for (let r = 0; r < 10; r++) for (let c = 0; c < 50; c++) expect(v.data[r * 50 + c]).toBe((2001 + r * 100 + c * 2) * 0.5 - 700);
    // Nothing is held: a second access reads again and gives a new array.
    const again = readOf('k');
    expect(again.reads).toEqual(k.reads);
    expect(again.data).not.toBe(k.data);
    expect(again.data).toEqual(k.data);

    // Tied weights: each name reads the shared storage (whole, so its CRC-32 is checked) on its own.
    const tied = ranges.get('tied')!;
    const tiedValues = Array.from({ length: 12 }, (_, i) => i + 0.25);
    for (const name of ['embed.weight', 'head.weight']) {
      const w = readOf(name);
      expect(w.reads).toEqual([[tied[0], 48]]);
      expect(Array.from(w.data)).toEqual(tiedValues);
    }
    const wT = readOf('head.weightT').data;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(wT[i * 3 + j]).toBe(tiedValues[j * 4 + i]);
    expect(t.get('bias')).toEqual({ dtype: 'F16', shape: [4], data: Float32Array.of(1, -2, 0.5, -0) });
    const empty = readOf('empty');
    expect(empty.reads).toEqual([]);
    expect(empty.data.length).toBe(0);
  });

  it('lazy entries equal eager ones, deflated storages included (each inflated alone, whole, on access)', async () => {
    const { path } = lazyCheckpoint();
    const eager = await readTorchPickle(path);
    const lazy = await readTorchPickle(path, { lazy: true });
    for (const [name, e] of eager) expect(lazy.get(name), name).toEqual(e);
    const deflated = write(torchZip(pickle(orderedDictPickle([['v', tensorPickle({ storageType: 'FloatStorage', key: '0', numel: 3000, offset: 2001, size: [10, 50], stride: [100, 2] })]])), { '0': f32Bytes(Array.from({ length: 3000 }, (_, i) => i)) }, { deflate: true }));
    const range = (await storageRanges(deflated)).get('0')!;
    const reads: Range[] = [];
    const v = (await readTorchPickle(deflated, { lazy: true, onRead: (p, n) => reads.push([p, n]) })).get('v')!;
    reads.length = 0;
    const data = v.data as Float32Array;
    expect(reads).toEqual([[range[0], range[1] - range[0]]]);
    for (let r = 0; r < 10; r++) for (let c = 0; c < 50; c++) expect(data[r * 50 + c]).toBe(2001 + r * 100 + c * 2);
  });

  it('a storage damaged or cut after the load is refused when its tensor is read', async () => {
    const { path, storages } = lazyCheckpoint();
    const t = await readTorchPickle(path, { lazy: true });
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from(storages.tied));
    bytes[at + 5] ^= 0xff;
    writeFileSync(path, bytes);
    const err = (name: string): DomainError => {
      try {
        void t.get(name)!.data;
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        return e as DomainError;
      }
      throw new Error(`${name} read without an error`);
    };
    expect(err('head.weight').message).toBe(`${path}: a zip entry fails its CRC-32 check`);
    truncateSync(path, bytes.indexOf(Buffer.from(storages.qkv)) + 100);
    expect(err('k').kind).toBe('corrupt');
    expect(err('k').message).toMatch(/ends early/);
  });

  it('the oracle .bin (written by torch): the lazy load reads none of its storages, and every tensor equals the eager read', needs(sharedPath('oracle/fm/timm_vit_plain')), async () => {
    const path = join(sharedPath('oracle/fm/timm_vit_plain')!, 'pytorch_model.bin');
    const ranges = await storageRanges(path);
    const reads: Range[] = [];
    const lazy = await readTorchPickle(path, { lazy: true, onRead: (p, n) => reads.push([p, n]) });
    expect(ranges.size).toBe(lazy.size);
    for (const r of reads) for (const s of ranges.values()) expect(overlaps(r, s)).toBe(false);
    const total = [...ranges.values()].reduce((s, [a, b]) => s + b - a, 0);
    expect(sum(reads)).toBeLessThan(total / 10);
    const eager = await readTorchPickle(path);
    reads.length = 0;
    for (const [name, e] of eager) {
      const { data } = lazy.get(name)!; // one access, one read
      expect(bytesOf({ ...e, data }).equals(bytesOf(e)), name).toBe(true);
    }
    expect(sum(reads)).toBe(total); // each storage read once, whole
  });
});
