/**
 * Writing PyTorch checkpoints byte by byte, without Python: a pickle assembler and the zip layout
 * torch.save uses (`<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`), plus the
 * legacy (pre-1.6) layout. Tests use it to make safe checkpoints with any dtype, stride or
 * nesting, and hostile ones (a GLOBAL that would run a command).
 */
import { crc32, deflateRawSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// Pickle assembly: each helper returns the opcodes for one value
// ---------------------------------------------------------------------------------------------
export type Bytes = number[];
const u32 = (n: number): Bytes => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (s: string): Bytes => Array.from(new TextEncoder().encode(s));

export const op = {
  proto: (v: number): Bytes => [0x80, v],
  stop: [0x2e],
  mark: [0x28],
  tuple: [0x74],
  emptyTuple: [0x29],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  setitems: [0x75],
  setitem: [0x73],
  appends: [0x65],
  reduce: [0x52],
  build: [0x62],
  binpersid: [0x51],
  newfalse: [0x89],
  none: [0x4e],
  stackGlobal: [0x93],
  /** GLOBAL "module\nname\n" (protocol 2, what torch.save writes). */
  global: (module: string, name: string): Bytes => [0x63, ...ascii(`${module}\n${name}\n`)],
  str: (s: string): Bytes => {
    const b = ascii(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n: number): Bytes => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]),
  /** LONG1 of the little-endian two's-complement bytes of `v`. */
  long1: (v: bigint, n: number): Bytes => {
    const out: Bytes = [];
    let x = BigInt.asUintN(8 * n, v);
    for (let i = 0; i < n; i++, x >>= 8n) out.push(Number(x & 0xffn));
    return [0x8a, n, ...out];
  },
};

export const tupleOf = (...items: Bytes[]): Bytes => [...op.mark, ...items.flat(), ...op.tuple];

export interface TensorSpec {
  /** Storage class name: FloatStorage, HalfStorage, BFloat16Storage, LongStorage, ... */
  storageType: string;
  key: string;
  /** Elements in the storage. */
  numel: number;
  offset?: number;
  size: number[];
  /** Defaults to C-contiguous. */
  stride?: number[];
  /** Legacy files carry a sixth persistent-id field (view metadata, None). */
  legacy?: boolean;
}

export function contiguousStride(size: number[]): number[] {
  const s = new Array<number>(size.length);
  for (let d = size.length - 1, acc = 1; d >= 0; acc *= size[d], d--) s[d] = acc;
  return s;
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`, as torch pickles it. */
export function tensorPickle(t: TensorSpec): Bytes {
  const pid = tupleOf(op.str('storage'), op.global('torch', t.storageType), op.str(t.key), op.str('cpu'), op.int(t.numel), ...(t.legacy ? [op.none] : []));
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...tupleOf(
      [...pid, ...op.binpersid],
      op.int(t.offset ?? 0),
      tupleOf(...t.size.map(op.int)),
      tupleOf(...(t.stride ?? contiguousStride(t.size)).map(op.int)),
      op.newfalse,
      [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce],
    ),
    ...op.reduce,
  ];
}

/** An OrderedDict of `entries` (values already assembled). */
export function orderedDictPickle(entries: [string, Bytes][]): Bytes {
  return [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce, ...op.mark, ...entries.flatMap(([k, v]) => [...op.str(k), ...v]), ...op.setitems];
}

/** A plain dict of `entries`. */
export function dictPickle(entries: [string, Bytes][]): Bytes {
  return [...op.emptyDict, ...op.mark, ...entries.flatMap(([k, v]) => [...op.str(k), ...v]), ...op.setitems];
}

/** A whole protocol-2 pickle of `value`. */
export const pickle = (value: Bytes): Uint8Array => Uint8Array.from([...op.proto(2), ...value, ...op.stop]);

// ---------------------------------------------------------------------------------------------
// Zip layout
// ---------------------------------------------------------------------------------------------
export interface ZipOptions {
  /** Deflate every entry (torch stores them; a re-zipped checkpoint may not). */
  deflate?: boolean;
  /** Write zip64 end records and zip64 extra fields, as for an archive over 4 GB. */
  zip64?: boolean;
}

/** A zip archive of `files` (name -> bytes), in order. */
export function zipBytes(files: [string, Uint8Array][], opts: ZipOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = new TextEncoder().encode(name);
    const body = opts.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const method = opts.deflate ? 8 : 0;
    const crc = crc32(data) >>> 0;
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, opts.zip64 ? 45 : 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    // Central record; with zip64 the sizes and offset move to a zip64 extra field.
    const extra = opts.zip64 ? new Uint8Array(4 + 24) : new Uint8Array(0);
    if (opts.zip64) {
      const xv = new DataView(extra.buffer);
      xv.setUint16(0, 1, true);
      xv.setUint16(2, 24, true);
      xv.setBigUint64(4, BigInt(data.length), true);
      xv.setBigUint64(12, BigInt(body.length), true);
      xv.setBigUint64(20, BigInt(offset), true);
    }
    const c = new Uint8Array(46 + nameBytes.length + extra.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, opts.zip64 ? 45 : 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, opts.zip64 ? 0xffffffff : body.length, true);
    cv.setUint32(24, opts.zip64 ? 0xffffffff : data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, opts.zip64 ? 0xffffffff : offset, true);
    c.set(nameBytes, 46);
    c.set(extra, 46 + nameBytes.length);
    parts.push(local, body);
    central.push(c);
    offset += local.length + body.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const tail: Uint8Array[] = [];
  if (opts.zip64) {
    const rec = new Uint8Array(56);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(files.length), true);
    rv.setBigUint64(32, BigInt(files.length), true);
    rv.setBigUint64(40, BigInt(cdSize), true);
    rv.setBigUint64(48, BigInt(cdOffset), true);
    const loc = new Uint8Array(20);
    const locv = new DataView(loc.buffer);
    locv.setUint32(0, 0x07064b50, true);
    locv.setBigUint64(8, BigInt(cdOffset + cdSize), true);
    locv.setUint32(16, 1, true);
    tail.push(rec, loc);
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, opts.zip64 ? 0xffff : files.length, true);
  ev.setUint16(10, opts.zip64 ? 0xffff : files.length, true);
  ev.setUint32(12, opts.zip64 ? 0xffffffff : cdSize, true);
  ev.setUint32(16, opts.zip64 ? 0xffffffff : cdOffset, true);
  const all = [...parts, ...central, ...tail, eocd];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** torch.save's zip layout around a pickle and its storages (key -> raw little-endian bytes). */
export function torchZip(dataPkl: Uint8Array, storages: Record<string, Uint8Array>, opts: ZipOptions & { prefix?: string } = {}): Uint8Array {
  const prefix = opts.prefix ?? 'archive';
  return zipBytes(
    [
      [`${prefix}/data.pkl`, dataPkl],
      ...Object.entries(storages).map(([k, b]): [string, Uint8Array] => [`${prefix}/data/${k}`, b]),
      [`${prefix}/version`, new TextEncoder().encode('3\n')],
    ],
    opts,
  );
}

/**
 * The legacy layout (torch < 1.6): pickles of the magic number, protocol 1001, sys info, the
 * object and the storage keys, then each storage as an int64 element count and its bytes.
 * `itemSize` gives each key's element size.
 */
export function torchLegacy(objectPickle: Uint8Array, storages: { key: string; itemSize: number; bytes: Uint8Array }[]): Uint8Array {
  const sysInfo = pickle(dictPickle([['protocol_version', op.int(1001)], ['little_endian', [0x88]]]));
  const keys = pickle([...op.emptyList, ...op.mark, ...storages.flatMap((s) => op.str(s.key)), ...op.appends]);
  const parts: Uint8Array[] = [pickle(op.long1(0x1950a86a20f9469cfc6cn, 10)), pickle([0x4d, 0xe9, 0x03]), sysInfo, objectPickle, keys];
  for (const s of storages) {
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigInt64(0, BigInt(s.bytes.length / s.itemSize), true);
    parts.push(n, s.bytes);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Raw little-endian bytes of typed values. */
export const f32Bytes = (v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
export const u16Bytes = (v: number[]): Uint8Array => new Uint8Array(Uint16Array.from(v).buffer);
export const i64Bytes = (v: bigint[]): Uint8Array => new Uint8Array(BigInt64Array.from(v).buffer);
