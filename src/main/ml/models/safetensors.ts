/**
 * Reading and writing HuggingFace safetensors files, single or sharded.
 *
 * Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`
 * (padded with spaces to a multiple of 8), then the raw little-endian tensor bytes; offsets are
 * relative to the end of the header. A sharded checkpoint is `model.safetensors.index.json`
 * (`{metadata: {total_size}, weight_map: {name: shard file}}`) next to
 * `model-00001-of-0000N.safetensors` shards.
 *
 * In memory every floating tensor is a Float32Array (what tfjs and onnxruntime compute in) and
 * every integer tensor a BigInt64Array (exact); `dtype` remembers how it was stored, so writing
 * an entry back without asking for a dtype keeps the file's dtype.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseJsonFile } from '../../errors.js';

export type DType = 'F32' | 'F16' | 'BF16' | 'I64' | 'F64' | 'I32' | 'U8';

export interface TensorEntry {
  dtype: DType;
  shape: number[];
  data: Float32Array | BigInt64Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  /** Byte position in the file where tensor data begins (8 + header length). */
  dataStart: number;
  tensors: Map<string, HeaderEntry>;
  metadata: Record<string, string> | null;
}

export const ITEM_SIZE: Record<DType, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1 };
const FLOAT_DTYPES = new Set<DType>(['F32', 'F16', 'BF16', 'F64']);
/** The Rust writer refuses headers above 100 MB; so do we, which also catches garbage files. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const isFloatDType = (d: DType): boolean => FLOAT_DTYPES.has(d);

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function asDType(s: string, where: string): DType {
  if (s in ITEM_SIZE) return s as DType;
  throw new Error(`${where}: unsupported safetensors dtype ${s}`);
}

// ---------------------------------------------------------------------------------------------
// Half-precision conversions (Node 20 has no Float16Array)
// ---------------------------------------------------------------------------------------------
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Every float16 bit pattern widened (256 KiB, built on first use): a big fp16 checkpoint widens at memory speed. */
let halfTableCache: Float32Array | null = null;
function halfTable(): Float32Array {
  if (!halfTableCache) {
    halfTableCache = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTableCache[h] = halfToFloat(h);
  }
  return halfTableCache;
}

/** float32 -> float16 bits, round to nearest even (what torch's .half() does). */
function floatToHalf(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000; // implicit leading 1
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m += 1;
    return sign | m; // may carry into the smallest normal, which is the right answer
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** float32 -> bfloat16 bits, round to nearest even (torch's .bfloat16()). */
function floatToBf16(x: number): number {
  f32Scratch[0] = x;
  const b = u32Scratch[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) | 0x40) & 0xffff; // quiet nan
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * The stored bytes of one tensor -> its in-memory array. F32 and I64 come back as views of
 * `raw` when it is aligned (no copy); every other dtype is converted into a new array.
 * Exported for the PyTorch checkpoint reader (ml/weights/torch-pickle.ts).
 */
export function decode(raw: Uint8Array, dtype: DType, n: number): Float32Array | BigInt64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN && raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, n);
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true));
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      const table = halfTable();
      if (LITTLE_ENDIAN && raw.byteOffset % 2 === 0) {
        const h = new Uint16Array(raw.buffer, raw.byteOffset, n);
        for (let i = 0; i < n; i++) out[i] = table[h[i]];
      } else {
        for (let i = 0; i < n; i++) out[i] = table[dv.getUint16(i * 2, true)];
      }
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      if (LITTLE_ENDIAN && raw.byteOffset % 2 === 0) {
        const h = new Uint16Array(raw.buffer, raw.byteOffset, n);
        for (let i = 0; i < n; i++) bits[i] = h[i] << 16;
      } else {
        for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      }
      return out;
    }
    case 'I64':
      if (LITTLE_ENDIAN && raw.byteOffset % 8 === 0) return new BigInt64Array(raw.buffer, raw.byteOffset, n);
      return BigInt64Array.from({ length: n }, (_, i) => dv.getBigInt64(i * 8, true));
    case 'I32':
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(dv.getInt32(i * 4, true)));
    case 'U8':
      return BigInt64Array.from(raw.subarray(0, n), (v) => BigInt(v));
  }
}

/** In-memory array -> stored bytes as `dtype`. */
function encode(data: Float32Array | BigInt64Array, dtype: DType): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n * ITEM_SIZE[dtype]);
  const dv = new DataView(out.buffer);
  const num = (i: number): number => Number(data[i]);
  const big = (i: number): bigint => (typeof data[i] === 'bigint' ? (data[i] as bigint) : BigInt(Math.round(data[i] as number)));
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN && data instanceof Float32Array) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else for (let i = 0; i < n; i++) dv.setFloat32(i * 4, num(i), true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) dv.setFloat64(i * 8, num(i), true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) dv.setUint16(i * 2, floatToHalf(num(i)), true);
      break;
    case 'BF16':
      for (let i = 0; i < n; i++) dv.setUint16(i * 2, floatToBf16(num(i)), true);
      break;
    case 'I64':
      for (let i = 0; i < n; i++) dv.setBigInt64(i * 8, big(i), true);
      break;
    case 'I32':
      for (let i = 0; i < n; i++) dv.setInt32(i * 4, Number(big(i)), true);
      break;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = Number(big(i));
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------
async function readExactly(fh: FileHandle, buf: Uint8Array, position: number, what: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error(`${what}: file ends early`);
    done += bytesRead;
  }
}

async function readHeaderFrom(fh: FileHandle, path: string): Promise<SafetensorsHeader> {
  const lenBuf = new Uint8Array(8);
  await readExactly(fh, lenBuf, 0, path);
  const n = Number(new DataView(lenBuf.buffer).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES) throw new Error(`${path}: header length ${n} is not plausible; not a safetensors file?`);
  const hb = new Uint8Array(n);
  await readExactly(fh, hb, 8, path);
  const headerText = new TextDecoder().decode(hb);
  const json = parseJsonFile(headerText, `${path} (safetensors header)`) as Record<string, unknown>;
  const tensors = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> | null = null;
  const { size } = await fh.stat();
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as HeaderEntry;
    const dtype = asDType(e.dtype, `${path} ${name}`);
    const [b, end] = e.data_offsets;
    if (end - b !== numel(e.shape) * ITEM_SIZE[dtype] || 8 + n + end > size) {
      throw new Error(`${path}: tensor ${name} has inconsistent data_offsets [${b}, ${end}] for ${dtype}${JSON.stringify(e.shape)}`);
    }
    tensors.set(name, e);
  }
  return { dataStart: 8 + n, tensors, metadata };
}

/** Only the header of one .safetensors file (names, dtypes, shapes, metadata); no tensor data. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fh = await open(path, 'r');
  try {
    return await readHeaderFrom(fh, path);
  } finally {
    await fh.close();
  }
}

/** One tensor's stored bytes by a positioned read, converted (what a lazy entry does on each access). */
function readTensorSync(path: string, position: number, length: number, dtype: DType, n: number): Float32Array | BigInt64Array {
  const raw = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    for (let done = 0; done < length; ) {
      const got = readSync(fd, raw, done, length - done, position + done);
      if (got === 0) throw new Error(`${path}: file ends early (changed since it was opened?)`);
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  return decode(raw, dtype, n);
}

/**
 * A lazily read tensor: an entry whose `data` is `read()` afresh each time it is read, and held
 * by nobody. A 1 B-parameter checkpoint costs its index (names, shapes, where the bytes are) in
 * memory until a consumer (the ONNX build) takes its tensors one at a time. Assigning `data`
 * replaces the stored tensor for this entry. Every lazy weight format (safetensors here,
 * PyTorch pickles in weights/torch-pickle.ts) hands out these, so consumers see one interface.
 */
export function lazyTensorEntry(dtype: DType, shape: number[], read: () => Float32Array | BigInt64Array): TensorEntry {
  let replaced: Float32Array | BigInt64Array | null = null;
  return {
    dtype,
    shape,
    get data() {
      return replaced ?? read();
    },
    set data(v) {
      replaced = v;
    },
  };
}

function lazyEntry(path: string, dataStart: number, e: HeaderEntry): TensorEntry {
  const dtype = e.dtype as DType;
  const shape = [...e.shape];
  const [begin, end] = e.data_offsets;
  return lazyTensorEntry(dtype, shape, () => readTensorSync(path, dataStart + begin, end - begin, dtype, numel(shape)));
}

async function readOneFile(path: string, out: Map<string, TensorEntry>, want: (name: string) => boolean, lazy: boolean): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const header = await readHeaderFrom(fh, path);
    for (const [name, e] of header.tensors) {
      if (!want(name)) continue;
      if (lazy) {
        out.set(name, lazyEntry(path, header.dataStart, e));
        continue;
      }
      const dtype = e.dtype as DType;
      const raw = new Uint8Array(e.data_offsets[1] - e.data_offsets[0]);
      await readExactly(fh, raw, header.dataStart + e.data_offsets[0], `${path} ${name}`);
      out.set(name, { dtype, shape: [...e.shape], data: decode(raw, dtype, numel(e.shape)) });
    }
  } finally {
    await fh.close();
  }
}

export interface SafetensorsIndex {
  metadata?: { total_size?: number } & Record<string, unknown>;
  weight_map: Record<string, string>;
}

/** The shard files an index names, in first-mention order, as absolute paths. */
export async function shardFiles(indexPath: string): Promise<string[]> {
  const index = parseJsonFile(await readFile(indexPath, 'utf8'), indexPath) as SafetensorsIndex;
  if (!index.weight_map) throw new Error(`${indexPath}: no weight_map`);
  return [...new Set(Object.values(index.weight_map))].map((f) => join(dirname(indexPath), f));
}

/**
 * Every tensor (or those `filter` accepts) of `path`: a `.safetensors` file or a sharded
 * checkpoint's `.index.json`. Tensors are read one by one with positioned reads; with `lazy`,
 * only headers are read now and each entry's `data` is read from the file when asked for.
 */
export async function readSafetensors(
  path: string,
  opts: { filter?: (name: string) => boolean; lazy?: boolean } = {},
): Promise<Map<string, TensorEntry>> {
  const want = opts.filter ?? (() => true);
  const lazy = !!opts.lazy;
  const out = new Map<string, TensorEntry>();
  if (path.endsWith('.json')) {
    const index = parseJsonFile(await readFile(path, 'utf8'), path) as SafetensorsIndex;
    for (const file of await shardFiles(path)) {
      const shardName = basename(file);
      // Only the tensors the index assigns to this shard, so a stray duplicate cannot win.
      await readOneFile(file, out, (name) => index.weight_map[name] === shardName && want(name), lazy);
    }
    const missing = Object.keys(index.weight_map).filter((n) => want(n) && !out.has(n));
    if (missing.length) throw new Error(`${path}: tensors listed in the index but absent from their shard: ${missing.slice(0, 5).join(', ')}`);
  } else {
    await readOneFile(path, out, want, lazy);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------
/**
 * The Rust writer orders tensors by dtype (its enum order, descending: U64 I64 F64 F32 I32 BF16
 * F16 .. U8), then by name; with every size a multiple of the next one's item size, each tensor
 * starts aligned to its own item size.
 */
const RUST_DTYPE_RANK: Record<DType, number> = { U8: 1, F16: 7, BF16: 8, I32: 9, F32: 11, F64: 12, I64: 13 };

function storedDType(e: TensorEntry, floatAs: DType | undefined): DType {
  return isFloatDType(e.dtype) && floatAs ? floatAs : e.dtype;
}

async function writeOneFile(
  path: string,
  names: string[],
  tensors: Map<string, TensorEntry>,
  floatAs: DType | undefined,
  metadata: Record<string, string>,
): Promise<void> {
  const order = names
    .map((name) => ({ name, dtype: storedDType(tensors.get(name)!, floatAs) }))
    .sort((a, b) => RUST_DTYPE_RANK[b.dtype] - RUST_DTYPE_RANK[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const { name, dtype } of order) {
    const e = tensors.get(name)!;
    if (e.data.length !== numel(e.shape)) throw new Error(`tensor ${name}: ${e.data.length} values for shape ${JSON.stringify(e.shape)}`);
    const bytes = e.data.length * ITEM_SIZE[dtype];
    header[name] = { dtype, shape: e.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let hj = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (hj.length % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(hj.length + pad).fill(0x20);
    padded.set(hj);
    hj = padded;
  }
  const lenBuf = new Uint8Array(8);
  new DataView(lenBuf.buffer).setBigUint64(0, BigInt(hj.length), true);
  const fh = await open(path, 'w');
  try {
    await fh.write(lenBuf, 0, 8, 0);
    await fh.write(hj, 0, hj.length, 8);
    let pos = 8 + hj.length;
    for (const { name, dtype } of order) {
      const bytes = encode(tensors.get(name)!.data, dtype); // one tensor's bytes in memory at a time
      await fh.write(bytes, 0, bytes.length, pos);
      pos += bytes.length;
    }
  } finally {
    await fh.close();
  }
}

/** `model-00001-of-00003.safetensors` etc., as transformers names shards. */
function shardName(stem: string, i: number, n: number): string {
  const p = (k: number): string => String(k).padStart(5, '0');
  return `${stem}-${p(i)}-of-${p(n)}.safetensors`;
}

/** Removes what an earlier save with the other layout left, since transformers prefers a single file over an index. */
async function removeStale(dir: string, stem: string, keep: Set<string>): Promise<void> {
  const shardRe = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}-of-\\d{5}\\.safetensors$`);
  for (const f of await readdir(dir)) {
    const stale = f === `${stem}.safetensors` || f === `${stem}.safetensors.index.json` || shardRe.test(f);
    if (stale && !keep.has(f)) await rm(join(dir, f), { force: true });
  }
}

/**
 * Writes `tensors` to `path` (e.g. `dir/model.safetensors`). Floats are stored as `opts.dtype`
 * when given, else as each entry's own dtype; integers keep theirs. When the stored size exceeds
 * `maxShardBytes`, writes `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json` instead (greedy in insertion order, as transformers does).
 */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, TensorEntry>,
  opts: { dtype?: 'F32' | 'F16' | 'BF16'; metadata?: Record<string, string>; maxShardBytes?: number } = {},
): Promise<void> {
  const metadata = { format: 'pt', ...(opts.metadata ?? {}) };
  const dir = dirname(path);
  const stem = basename(path).replace(/\.safetensors(\.index\.json)?$/, '');
  const sizeOf = (name: string): number => {
    const e = tensors.get(name)!;
    return e.data.length * ITEM_SIZE[storedDType(e, opts.dtype)];
  };
  const names = [...tensors.keys()];
  const total = names.reduce((s, n) => s + sizeOf(n), 0);
  const max = opts.maxShardBytes ?? Infinity;

  if (total <= max) {
    const file = `${stem}.safetensors`;
    await writeOneFile(join(dir, file), names, tensors, opts.dtype, metadata);
    await removeStale(dir, stem, new Set([file]));
    return;
  }
  const shards: string[][] = [[]];
  let current = 0;
  for (const n of names) {
    const s = sizeOf(n);
    if (current > 0 && current + s > max) {
      shards.push([]);
      current = 0;
    }
    shards[shards.length - 1].push(n);
    current += s;
  }
  const weightMap: Record<string, string> = {};
  const files = shards.map((_, i) => shardName(stem, i + 1, shards.length));
  for (let i = 0; i < shards.length; i++) {
    await writeOneFile(join(dir, files[i]), shards[i], tensors, opts.dtype, metadata);
    for (const n of shards[i]) weightMap[n] = files[i];
  }
  const indexFile = `${stem}.safetensors.index.json`;
  const index: SafetensorsIndex = { metadata: { total_size: total }, weight_map: weightMap };
  await writeFile(join(dir, indexFile), JSON.stringify(index, null, 2) + '\n');
  await removeStale(dir, stem, new Set([...files, indexFile]));
}
