/**
 * Reading PyTorch checkpoints (`pytorch_model.bin`, `*.pth`, `*.pt`) without running anything
 * they contain.
 *
 * A checkpoint is a pickle: a small program for Python's pickle virtual machine. Its GLOBAL
 * opcode imports any callable by name and REDUCE calls it, so `torch.load` of an untrusted file
 * runs arbitrary code (`posix.system`, `builtins.eval`, ...). This reader interprets the pickle
 * itself with a fixed allow-list of globals: tensor rebuilds, the legacy typed storages,
 * `collections.OrderedDict` and plain containers. Any other global is refused the moment the
 * pickle names it, before any REDUCE, and nothing is ever executed: the allowed "callables" are
 * small TypeScript functions that build data (what torch's own `weights_only=True` unpickler
 * does in Python).
 *
 * Formats:
 * - torch >= 1.6 (`_use_new_zipfile_serialization`): a zip archive (zip.ts) holding
 *   `<prefix>/data.pkl` (the pickle), `<prefix>/data/<key>` (one raw little-endian storage per
 *   key), `<prefix>/version` and, from torch 2.1, `<prefix>/byteorder`. A tensor in the pickle is
 *   `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 *   backward_hooks[, metadata])`, the storage a persistent id
 *   `('storage', torch.FloatStorage, key, location, numel)` (BINPERSID).
 * - The legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`): five pickles in
 *   a row (magic number, protocol version, sys info, the object, the list of storage keys), then
 *   each storage as an int64 element count followed by its bytes. Persistent ids carry a sixth
 *   field, a storage view, which we refuse (torch stopped writing them long ago).
 *
 * Memory: storages are read with positioned reads, one at a time, and only those a wanted tensor
 * uses. A storage is read once and every tensor on it is cut from it; an F32 or I64 tensor that
 * is contiguous is a view of the storage (tensors sharing a storage, as in torch, share memory),
 * other dtypes are converted to Float32Array / BigInt64Array as safetensors.ts does.
 *
 * Lazy (`lazy: true`, what a big model's streaming ONNX build asks for): only the index is read
 * now (the zip's end records and central directory, data.pkl, and each used storage's 30-byte
 * local header), giving every tensor's storage, dtype, shape, strides and offset. Each entry's
 * `data` is then read when asked for and held by nobody (safetensors.ts lazyTensorEntry, the one
 * lazy interface): one positioned read of the bytes its view spans, CRC-checked when that is the
 * whole storage. A deflated storage (a re-zipped checkpoint; torch stores them) is inflated whole,
 * that entry only, on each access. Tensors sharing a storage (tied weights, views) each read
 * their own span.
 *
 * Error kinds: a refused global is `unsupported` (code `unsafe-pickle`), not `forbidden`: the
 * file is not off-limits to this user, it holds something Tessella will not interpret for
 * anyone, and `forbidden` means a permission problem to every host (HTTP 403, EACCES). Damaged
 * files are `corrupt`. Messages name the file and the problem, never the file's bytes; the one
 * thing taken from the file is a refused global's name, restricted to identifier characters.
 */
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DomainError } from '../../errors.js';
import { decode as decodeTensorBytes, type DType, lazyTensorEntry, type SafetensorsIndex, type TensorEntry } from '../models/safetensors.js';
import { ZipArchive, corrupt, decodeEntrySync, readAt, readAtSync, type ReadProbe, type ZipEntry } from './zip.js';

export type { TensorEntry };

export interface ReadTorchOptions {
  /** Only tensors whose (final) name this accepts are read; the others' storages are skipped. */
  filter?: (name: string) => boolean;
  /** Told when the reader picked a nested state dict (`{"state_dict": ...}`) or skipped entries. */
  onNote?: (note: string) => void;
  /** Read only the index now; each entry's `data` is read from the file when asked for (see above). */
  lazy?: boolean;
  /** Told of every positioned read of the checkpoint file, now or by a lazy entry later. */
  onRead?: ReadProbe;
}

const unsupported = (path: string, what: string, code?: string): DomainError =>
  new DomainError('unsupported', `${path}: ${what}`, code);

// ---------------------------------------------------------------------------------------------
// Values the unpickler builds
// ---------------------------------------------------------------------------------------------
/** Storage dtypes torch writes; the narrow integers and bool have no TensorEntry dtype of their own. */
type StorageDType = DType | 'I16' | 'I8' | 'BOOL';
const STORAGE_ITEM_SIZE: Record<StorageDType, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** The TensorEntry dtype of each storage dtype (toEntry widens the narrow integers and bool). */
const ENTRY_DTYPE: Record<StorageDType, DType> = { F64: 'F64', I64: 'I64', F32: 'F32', I32: 'I32', F16: 'F16', BF16: 'BF16', I16: 'I32', I8: 'I32', U8: 'U8', BOOL: 'U8' };

/** A Python tuple (JS arrays stand for lists). */
class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A dict or OrderedDict: insertion order kept, as Python does. */
class PyDict {
  readonly map = new Map<unknown, unknown>();
}

/** One of the allowed globals; `call` is what REDUCE does with it (absent: not callable). */
class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly call?: (args: unknown[], u: Unpickler) => unknown,
    readonly storageDType?: StorageDType,
  ) {}
}

class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: StorageDType,
    readonly numel: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

// ---------------------------------------------------------------------------------------------
// The allow-list
// ---------------------------------------------------------------------------------------------
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const tupleOfInts = (v: unknown): number[] | null => {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  return items && items.every(isInt) ? (items as number[]) : null;
};

function rebuildTensor(args: unknown[], u: Unpickler): TensorRef {
  const [storage, offset, size, stride] = args;
  const sz = tupleOfInts(size);
  const st = tupleOfInts(stride);
  if (!(storage instanceof StorageRef) || !isInt(offset) || !sz || !st || sz.length !== st.length || offset < 0 || sz.some((d) => d < 0) || st.some((d) => d < 0)) {
    throw u.corrupt('a tensor rebuild has malformed arguments');
  }
  // The furthest element the view touches must lie inside its storage.
  if (!sz.includes(0)) {
    const last = sz.reduce((acc, d, i) => acc + (d - 1) * st[i], offset);
    if (last >= storage.numel) throw u.corrupt('a tensor reaches past the end of its storage');
  }
  return new TensorRef(storage, offset, sz, st);
}

function rebuildParameter(args: unknown[], u: Unpickler): TensorRef {
  if (!(args[0] instanceof TensorRef)) throw u.corrupt('a parameter rebuild does not wrap a tensor');
  return args[0];
}

function orderedDict(args: unknown[], u: Unpickler): PyDict {
  const d = new PyDict();
  const init = args[0];
  if (init === undefined) return d;
  const pairs = Array.isArray(init) ? init : init instanceof PyTuple ? init.items : null;
  if (!pairs) throw u.corrupt('an OrderedDict is built from something other than pairs');
  for (const p of pairs) {
    if (!(p instanceof PyTuple) || p.items.length !== 2) throw u.corrupt('an OrderedDict is built from something other than pairs');
    d.map.set(p.items[0], p.items[1]);
  }
  return d;
}

const STORAGES: Record<string, StorageDType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** torch dtypes can sit in a checkpoint as plain values (`{"dtype": torch.float16}`); they do nothing. */
const DTYPE_NAMES = ['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16', 'short', 'int8', 'uint8', 'bool'];

const ALLOWED = new Map<string, PyGlobal>();
const allow = (qualname: string, call?: PyGlobal['call'], storageDType?: StorageDType): void => {
  ALLOWED.set(qualname, new PyGlobal(qualname, call, storageDType));
};
allow('collections.OrderedDict', orderedDict);
allow('torch._utils._rebuild_tensor_v2', rebuildTensor);
allow('torch._utils._rebuild_tensor', rebuildTensor);
allow('torch._utils._rebuild_parameter', rebuildParameter);
allow('torch._utils._rebuild_parameter_with_state', rebuildParameter);
// A tensor with Python state (a subclass, or attributes) is wrapped as
// _rebuild_from_type_v2(rebuild, type, args, state); only plain tensors and parameters qualify.
allow('torch.Tensor');
allow('torch.nn.parameter.Parameter');
allow('torch._tensor._rebuild_from_type_v2', (args, u) => {
  const [fn, type, inner] = args;
  const plain = type instanceof PyGlobal && (type.qualname === 'torch.Tensor' || type.qualname === 'torch.nn.parameter.Parameter');
  if (!plain || !(fn instanceof PyGlobal) || !fn.call || !(inner instanceof PyTuple)) throw u.corrupt('a tensor rebuild wraps something that is not a tensor');
  return fn.call(inner.items, u);
});
// Tuple-like and set-like containers; building them runs nothing.
allow('torch.Size', (args) => new PyTuple(tupleOfInts(args[0]) ?? []));
// Protocol 2 names Python 3's builtins `__builtin__` (pickle's fix_imports).
for (const mod of ['builtins', '__builtin__']) {
  allow(`${mod}.set`, (args) => new Set(Array.isArray(args[0]) ? args[0] : []));
  allow(`${mod}.frozenset`, (args) => new Set(Array.isArray(args[0]) ? args[0] : []));
}
// Protocol 2 has no bytes opcode: bytes are pickled as _codecs.encode(latin-1 text, 'latin1').
allow('_codecs.encode', (args, u) => {
  const [text, encoding] = args;
  if (typeof text !== 'string' || encoding !== 'latin1') throw u.corrupt('_codecs.encode is used for something other than bytes');
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
});
for (const [name, dtype] of Object.entries(STORAGES)) allow(`torch.${name}`, undefined, dtype);
allow('torch.UntypedStorage', undefined, 'U8');
allow('torch.storage.UntypedStorage', undefined, 'U8');
for (const name of DTYPE_NAMES) allow(`torch.${name}`);

/** A global's name fit for a message: identifier characters only, bounded length. */
function printable(qualname: string): string {
  const s = qualname.replace(/[^A-Za-z0-9_.]/g, '?');
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// The unpickler (protocols 0-5, the opcodes torch.save and plain containers use)
// ---------------------------------------------------------------------------------------------
/** Thrown when the bytes end mid-pickle; the legacy reader then reads a larger window. */
class OutOfBytes extends Error {}

const MAX_LONG_BYTES = 64;

// Pickle opcodes we recognise but refuse: no state dict needs them, and some (EXT*, PERSID text,
// out-of-band buffers) would need machinery we keep out on purpose.
const REFUSED_OPCODES: Record<number, string> = {
  0x50: 'PERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x53: 'STRING',
  0x56: 'UNICODE',
};

class Unpickler {
  private pos: number;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly dv: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly path: string,
    /** BINPERSID: a persistent id -> the object it stands for (a storage). */
    private readonly persistentLoad: (pid: unknown) => unknown,
    /** True when `bytes` is the whole input, so running out of bytes means a truncated pickle. */
    private readonly complete: boolean,
  ) {
    this.pos = start;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  corrupt(what: string): DomainError {
    return corrupt(this.path, `the checkpoint's pickle is damaged: ${what}`);
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.length) {
      if (this.complete) throw this.corrupt('it ends early (truncated?)');
      throw new OutOfBytes();
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8 = (): number => this.bytes[this.need(1)];
  private u16 = (): number => this.dv.getUint16(this.need(2), true);
  private i32 = (): number => this.dv.getInt32(this.need(4), true);
  private u32 = (): number => this.dv.getUint32(this.need(4), true);
  private u64(): number {
    const v = this.dv.getBigUint64(this.need(8), true);
    if (v > BigInt(this.bytes.length)) {
      if (this.complete) throw this.corrupt('a length runs past the end');
      throw new OutOfBytes();
    }
    return Number(v);
  }
  private take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  private line(): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) {
      if (this.complete) throw this.corrupt('it ends early (truncated?)');
      throw new OutOfBytes();
    }
    const s = new TextDecoder('latin1').decode(this.bytes.subarray(this.pos, nl));
    this.pos = nl + 1;
    return s;
  }
  private utf8 = (n: number): string => new TextDecoder('utf-8').decode(this.take(n));

  private pop(): unknown {
    if (this.stack.length === 0 || this.marks.length && this.stack.length <= this.marks[this.marks.length - 1]) {
      throw this.corrupt('the stack underflows');
    }
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) throw this.corrupt('the stack underflows');
    return this.stack[this.stack.length - 1];
  }
  /** Everything pushed since the last MARK, which is removed. */
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) throw this.corrupt('a MARK is missing');
    return this.stack.splice(m);
  }
  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) throw this.corrupt('it refers to a memo entry that was never stored');
    return this.memo.get(i);
  }

  /** GLOBAL / STACK_GLOBAL: the allow-list is the only source of globals. */
  private findGlobal(module: string, name: string): PyGlobal {
    const qualname = `${module}.${name}`;
    const g = ALLOWED.get(qualname);
    if (g) return g;
    if (module === 'torch._utils' && name.startsWith('_rebuild_')) {
      // Quantized, sparse, nested, meta or numpy-backed tensors: safe to name, not ours to build.
      throw unsupported(this.path, `the checkpoint holds a kind of tensor this reader does not build (${printable(qualname)}); only dense tensors are read`);
    }
    if (module === 'torch' && /Storage$/.test(name)) {
      throw unsupported(this.path, `storage type ${printable(qualname)} is not supported (only float, half, bfloat16, double and integer storages)`);
    }
    throw unsupported(
      this.path,
      `refuses to load: the pickle asks for ${printable(qualname)}, which is not a tensor; only tensors and plain containers are read`,
      'unsafe-pickle',
    );
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof PyGlobal) || !fn.call) throw this.corrupt('it calls something that is not callable');
    const list = args instanceof PyTuple ? args.items : null;
    if (!list) throw this.corrupt('call arguments are not a tuple');
    return fn.call(list, this);
  }

  private setItems(target: unknown, kv: unknown[]): void {
    if (!(target instanceof PyDict)) throw this.corrupt('SETITEM on something that is not a dict');
    if (kv.length % 2) throw this.corrupt('SETITEMS with an odd number of values');
    for (let i = 0; i < kv.length; i += 2) target.map.set(kv[i], kv[i + 1]);
  }

  private appendItems(target: unknown, items: unknown[]): void {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) for (const x of items) target.add(x);
    else throw this.corrupt('APPEND on something that is not a list');
  }

  private long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) throw unsupported(this.path, `the pickle holds an integer of ${n} bytes; not a checkpoint value`);
    const b = this.take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n); // two's complement
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** Runs the pickle at `start` to its STOP; returns the value and the position after STOP. */
  load(): { value: unknown; end: number } {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const v = this.u8();
          if (v > 5) throw unsupported(this.path, `pickle protocol ${v} is not supported (0 to 5)`);
          break;
        }
        case 0x95: // FRAME: a length hint only
          this.need(8);
          break;
        case 0x2e: // STOP
          return { value: this.pop(), end: this.pos };
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x30: // POP: at a MARK, pops the mark (how CPython unwinds a recursive tuple)
          if (this.marks.length && this.stack.length === this.marks[this.marks.length - 1]) this.marks.pop();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.stack.push(this.top());
          break;
        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.stack.push(false);
          break;
        case 0x4a: // BININT
          this.stack.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.stack.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.stack.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.stack.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          this.stack.push(this.long(this.u32()));
          break;
        case 0x49: { // INT (protocol 0 text; "00"/"01" are False/True)
          const s = this.line();
          if (s === '00' || s === '01') this.stack.push(s === '01');
          else if (/^-?\d{1,15}$/.test(s)) this.stack.push(Number(s));
          else throw this.corrupt('a malformed INT');
          break;
        }
        case 0x47: // BINFLOAT (big-endian double)
          this.stack.push(this.dv.getFloat64(this.need(8), false));
          break;
        case 0x58: // BINUNICODE
          this.stack.push(this.utf8(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(this.utf8(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(this.utf8(this.u64()));
          break;
        case 0x54: // BINSTRING (Python 2 str)
          this.stack.push(new TextDecoder('latin1').decode(this.take(this.u32())));
          break;
        case 0x55: // SHORT_BINSTRING
          this.stack.push(new TextDecoder('latin1').decode(this.take(this.u8())));
          break;
        case 0x42: // BINBYTES
          this.stack.push(this.take(this.u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.stack.push(this.take(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.stack.push(this.take(this.u64()).slice());
          break;
        case 0x7d: // EMPTY_DICT
          this.stack.push(new PyDict());
          break;
        case 0x5d: // EMPTY_LIST
          this.stack.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          this.stack.push(new PyTuple([]));
          break;
        case 0x8f: // EMPTY_SET
          this.stack.push(new Set());
          break;
        case 0x64: { // DICT
          const d = new PyDict();
          this.setItems(d, this.popMark());
          this.stack.push(d);
          break;
        }
        case 0x6c: // LIST
          this.stack.push(this.popMark());
          break;
        case 0x74: // TUPLE
          this.stack.push(new PyTuple(this.popMark()));
          break;
        case 0x91: // FROZENSET
          this.stack.push(new Set(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.stack.push(new PyTuple([this.pop()]));
          break;
        case 0x86: { // TUPLE2
          const b = this.pop();
          this.stack.push(new PyTuple([this.pop(), b]));
          break;
        }
        case 0x87: { // TUPLE3
          const c = this.pop();
          const b = this.pop();
          this.stack.push(new PyTuple([this.pop(), b, c]));
          break;
        }
        case 0x61: { // APPEND
          const v = this.pop();
          this.appendItems(this.top(), [v]);
          break;
        }
        case 0x65: // APPENDS
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case 0x73: { // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: { // SETITEMS
          const kv = this.popMark();
          this.setItems(this.top(), kv);
          break;
        }
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x70: { // PUT (text)
          const i = Number(this.line());
          if (!Number.isSafeInteger(i)) throw this.corrupt('a malformed PUT');
          this.memo.set(i, this.top());
          break;
        }
        case 0x68: // BINGET
          this.stack.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.stack.push(this.memoGet(this.u32()));
          break;
        case 0x67: // GET (text)
          this.stack.push(this.memoGet(Number(this.line())));
          break;
        case 0x63: { // GLOBAL "module\nname\n"
          const module = this.line();
          this.stack.push(this.findGlobal(module, this.line()));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw this.corrupt('STACK_GLOBAL without names');
          this.stack.push(this.findGlobal(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.stack.push(this.call(fn, args));
          break;
        }
        case 0x81: { // NEWOBJ: cls.__new__(cls, *args); only allowed globals get here
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.call(cls, args));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          this.pop(); // kwargs
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.call(cls, args));
          break;
        }
        case 0x69: { // INST "module\nname\n" + marked args
          const module = this.line();
          const g = this.findGlobal(module, this.line());
          this.stack.push(this.call(g, new PyTuple(this.popMark())));
          break;
        }
        case 0x6f: { // OBJ: marked [cls, *args]
          const [cls, ...args] = this.popMark();
          this.stack.push(this.call(cls, new PyTuple(args)));
          break;
        }
        case 0x62: { // BUILD: sets state on an object. Torch uses it for a state dict's
          // `_metadata` and a tensor's python attributes; neither matters to the values.
          this.pop();
          const target = this.top();
          if (!(target instanceof PyDict || target instanceof TensorRef)) throw this.corrupt('BUILD on an unexpected object');
          break;
        }
        case 0x51: // BINPERSID
          this.stack.push(this.persistentLoad(this.pop()));
          break;
        default: {
          const name = REFUSED_OPCODES[op];
          if (name) throw unsupported(this.path, `the pickle uses opcode ${name}, which a checkpoint reader does not support`);
          throw this.corrupt(`byte 0x${op.toString(16).padStart(2, '0')} at offset ${this.pos - 1} is not a pickle opcode`);
        }
      }
    }
  }
}

/** A storage persistent id: ('storage', storage type, key, location, numel[, view metadata]). */
function storageLoader(path: string, legacy: boolean): { load: (pid: unknown) => StorageRef; storages: Map<string, StorageRef> } {
  const storages = new Map<string, StorageRef>();
  const load = (pid: unknown): StorageRef => {
    const t = pid instanceof PyTuple ? pid.items : null;
    if (!t || t[0] !== 'storage' || t.length < 5) throw corrupt(path, 'the checkpoint has a persistent id that is not a storage');
    const [, type, key, , numel, view] = t;
    if (!(type instanceof PyGlobal) || !type.storageDType || typeof key !== 'string' || !isInt(numel) || numel < 0) {
      throw corrupt(path, 'the checkpoint has a malformed storage id');
    }
    if (legacy && view != null) throw unsupported(path, 'legacy torch serialization with storage views; re-save with torch>=1.6 or convert to safetensors');
    const seen = storages.get(key);
    if (seen) return seen;
    const s = new StorageRef(key, type.storageDType, numel);
    storages.set(key, s);
    return s;
  };
  return { load, storages };
}

// ---------------------------------------------------------------------------------------------
// Which tensors: the state dict, possibly nested in a training checkpoint
// ---------------------------------------------------------------------------------------------
/** Keys under which training code nests the model's state dict, most specific first. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'network', 'teacher', 'student', 'ema'];
/** Bounds the walk over a hostile pickle's shared or deep structure. */
const MAX_NODES = 10_000_000;
const MAX_DEPTH = 64;

/** Every tensor under `root`, named by its dotted path (`blocks.0.attn.qkv.weight`). */
function collectTensors(root: unknown, prefix: string, path: string): Map<string, TensorRef> {
  const out = new Map<string, TensorRef>();
  const seen = new Set<unknown>();
  let nodes = 0;
  const walk = (v: unknown, name: string, depth: number): void => {
    if (v instanceof TensorRef) {
      if (name) out.set(name, v);
      return;
    }
    const container = v instanceof PyDict || v instanceof PyTuple || Array.isArray(v);
    if (!container || seen.has(v)) return; // shared or cyclic containers are visited once
    seen.add(v);
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) throw unsupported(path, 'the checkpoint nests containers too deeply to be a state dict');
    const at = (k: string): string => (name ? `${name}.${k}` : k);
    if (v instanceof PyDict) {
      for (const [k, x] of v.map) if (typeof k === 'string' || typeof k === 'number') walk(x, at(String(k)), depth + 1);
    } else {
      const items = v instanceof PyTuple ? v.items : (v as unknown[]);
      items.forEach((x, i) => walk(x, at(String(i)), depth + 1));
    }
  };
  walk(root, prefix, 0);
  return out;
}

/**
 * `torch.save(model.state_dict())` gives the tensors at the top level. A training checkpoint
 * (`{"state_dict": sd, "epoch": 3, "optimizer": ...}`) nests them: pick the model's entry,
 * since its names are what the model expects and the optimizer's tensors are not weights.
 * Anything else is flattened with dotted names.
 */
function selectTensors(root: unknown, path: string, note: (s: string) => void): Map<string, TensorRef> {
  if (!(root instanceof PyDict)) {
    const all = collectTensors(root, '', path);
    if (all.size === 0) throw unsupported(path, 'the checkpoint holds no tensors');
    return all;
  }
  const direct = [...root.map.values()].some((v) => v instanceof TensorRef);
  if (!direct) {
    for (const key of STATE_DICT_KEYS) {
      const inner = root.map.get(key);
      if (!(inner instanceof PyDict)) continue;
      const tensors = collectTensors(inner, '', path);
      if (tensors.size === 0) continue;
      // The other entries are counted, not named: their names are the file's contents.
      const others = root.map.size - 1;
      note(`${path}: read the state dict under "${key}"${others ? `; skipped ${others} other entr${others === 1 ? 'y' : 'ies'} of the checkpoint` : ''}`);
      return tensors;
    }
  }
  const all = collectTensors(root, '', path);
  if (all.size === 0) throw unsupported(path, 'the checkpoint holds no tensors');
  return all;
}

// ---------------------------------------------------------------------------------------------
// Materialising tensors from storages
// ---------------------------------------------------------------------------------------------
const numelOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function isContiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let d = t.size.length - 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expected) return false;
    expected *= t.size[d];
  }
  return true;
}

/** The bytes of a strided view, laid out in C order (innermost runs copied whole when stride 1). */
function gather(storage: Uint8Array, isz: number, t: TensorRef): Uint8Array {
  const n = numelOf(t.size);
  const out = new Uint8Array(n * isz);
  if (n === 0) return out;
  const nd = t.size.length;
  const inner = nd ? t.size[nd - 1] : 1;
  const innerStride = nd ? t.stride[nd - 1] : 1;
  const idx = new Array<number>(nd).fill(0);
  let src = t.offset;
  let o = 0;
  for (let row = 0, rows = n / inner; row < rows; row++) {
    if (innerStride === 1) {
      out.set(storage.subarray(src * isz, (src + inner) * isz), o);
      o += inner * isz;
    } else {
      for (let j = 0; j < inner; j++) {
        const s = (src + j * innerStride) * isz;
        for (let b = 0; b < isz; b++) out[o++] = storage[s + b];
      }
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      src += t.stride[d];
      if (idx[d] < t.size[d]) break;
      src -= t.stride[d] * t.size[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** C-ordered bytes of one tensor -> its TensorEntry (floats as Float32Array, integers as BigInt64Array). */
function toEntry(raw: Uint8Array, dtype: StorageDType, shape: number[]): TensorEntry {
  const n = numelOf(shape);
  switch (dtype) {
    // No TensorEntry dtype for these: widen losslessly (writing back stores I32 / U8).
    case 'I16': {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return { dtype: 'I32', shape, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(dv.getInt16(i * 2, true))) };
    }
    case 'I8':
      return { dtype: 'I32', shape, data: BigInt64Array.from(new Int8Array(raw.buffer, raw.byteOffset, n), (v) => BigInt(v)) };
    case 'BOOL':
      return { dtype: 'U8', shape, data: BigInt64Array.from(raw.subarray(0, n), (v) => (v ? 1n : 0n)) };
    default:
      return { dtype, shape, data: decodeTensorBytes(raw, dtype, n) };
  }
}

/** One tensor from storage bytes that begin at the storage's element `first` (0: the whole storage). */
function cut(bytes: Uint8Array, t: TensorRef, first = 0): TensorEntry {
  const view = first ? new TensorRef(t.storage, t.offset - first, t.size, t.stride) : t;
  const isz = STORAGE_ITEM_SIZE[t.storage.dtype];
  const n = numelOf(t.size);
  const raw = isContiguous(view) ? bytes.subarray(view.offset * isz, (view.offset + n) * isz) : gather(bytes, isz, view);
  return toEntry(raw, t.storage.dtype, [...t.size]);
}

/** The storage elements [lo, hi) a view touches (empty for an empty tensor). */
function elementSpan(t: TensorRef): [number, number] {
  if (t.size.includes(0)) return [t.offset, t.offset];
  return [t.offset, t.size.reduce((acc, d, i) => acc + (d - 1) * t.stride[i], t.offset) + 1];
}

/** Whole storages, checked, however the container lays them out (the eager read). */
type StorageSource = (s: StorageRef) => Promise<Uint8Array>;

/** Where a storage's bytes sit in the file (the lazy read). */
interface StorageBytes {
  /** File position of the storage's first raw byte. */
  start: number;
  /** The zip entry holding it (method, sizes, CRC-32); null in the legacy format (raw, unchecked). */
  entry: ZipEntry | null;
}
type StorageLocator = (s: StorageRef) => Promise<StorageBytes>;

/** A lazily read tensor: one positioned read of the bytes its view spans, on each access. */
function lazyTensor(path: string, t: TensorRef, at: StorageBytes, probe: ReadProbe | undefined): TensorEntry {
  const isz = STORAGE_ITEM_SIZE[t.storage.dtype];
  const [lo, hi] = elementSpan(t);
  const whole = lo === 0 && hi === t.storage.numel;
  return lazyTensorEntry(ENTRY_DTYPE[t.storage.dtype], [...t.size], () => {
    if (hi === lo) return cut(new Uint8Array(0), t, lo).data;
    const entry = at.entry;
    if (entry && (entry.method !== 0 || whole)) {
      // The whole entry: so its CRC-32 can be checked, and a compressed one inflated (it alone).
      return cut(decodeEntrySync(readAtSync(path, at.start, entry.compressedSize, probe), entry, path), t).data;
    }
    return cut(readAtSync(path, at.start + lo * isz, (hi - lo) * isz, probe), t, lo).data;
  });
}

/** The wanted tensors, read now (`materialise`) or as lazy entries. */
async function tensorEntries(
  path: string,
  selected: Map<string, TensorRef>,
  opts: ReadTorchOptions,
  source: StorageSource,
  locate: StorageLocator,
): Promise<Map<string, TensorEntry>> {
  const want = opts.filter ?? (() => true);
  if (!opts.lazy) return materialise(selected, want, source);
  const located = new Map<StorageRef, StorageBytes>();
  const out = new Map<string, TensorEntry>();
  for (const [name, t] of selected) {
    if (!want(name)) continue;
    let at = located.get(t.storage);
    if (!at) located.set(t.storage, (at = await locate(t.storage)));
    out.set(name, lazyTensor(path, t, at, opts.onRead));
  }
  return out;
}

async function materialise(selected: Map<string, TensorRef>, want: (name: string) => boolean, source: StorageSource): Promise<Map<string, TensorEntry>> {
  const byStorage = new Map<StorageRef, string[]>();
  for (const [name, t] of selected) {
    if (!want(name)) continue;
    const names = byStorage.get(t.storage) ?? [];
    names.push(name);
    byStorage.set(t.storage, names);
  }
  const done = new Map<string, TensorEntry>();
  for (const [storage, names] of byStorage) {
    const bytes = await source(storage); // read once, cut into every tensor that uses it
    for (const name of names) done.set(name, cut(bytes, selected.get(name)!));
  }
  // The checkpoint's order, not the storages'.
  const out = new Map<string, TensorEntry>();
  for (const name of selected.keys()) if (done.has(name)) out.set(name, done.get(name)!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------
async function readZipCheckpoint(path: string, opts: ReadTorchOptions): Promise<Map<string, TensorEntry>> {
  const zip = await ZipArchive.open(path, opts.onRead);
  try {
    // torch names the top folder after the file ("archive" in newer versions); data.pkl is in it.
    const pkls = [...zip.entries.values()].filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
    // torch.jit.save writes data.pkl too, next to constants.pkl and the model's code.
    if ([...zip.entries.keys()].some((n) => /^[^/]+\/constants\.pkl$/.test(n))) {
      throw unsupported(path, 'is a TorchScript archive, not a saved state dict; save the state dict with torch.save or convert to safetensors');
    }
    if (pkls.length !== 1) {
      throw unsupported(path, pkls.length ? 'is a zip archive with several pickles; not a PyTorch checkpoint' : 'is a zip archive but not a PyTorch checkpoint (no data.pkl)');
    }
    const prefix = pkls[0].name.slice(0, -'data.pkl'.length);
    const byteorder = zip.entries.get(`${prefix}byteorder`);
    if (byteorder) {
      const order = new TextDecoder().decode(await zip.read(byteorder)).trim();
      if (order !== 'little') throw unsupported(path, 'the checkpoint was saved on a big-endian machine; re-save it on a little-endian one or convert to safetensors');
    }
    const { load } = storageLoader(path, false);
    const pickle = await zip.read(pkls[0]);
    const { value } = new Unpickler(pickle, 0, path, load, true).load();
    const selected = selectTensors(value, path, opts.onNote ?? (() => {}));
    const entryOf = (s: StorageRef): ZipEntry => {
      const entry = zip.entries.get(`${prefix}data/${s.key}`);
      if (!entry) throw corrupt(path, 'a tensor storage is missing from the archive');
      if (entry.size !== s.numel * STORAGE_ITEM_SIZE[s.dtype]) throw corrupt(path, 'a tensor storage has another size than the pickle says');
      return entry;
    };
    return await tensorEntries(
      path,
      selected,
      opts,
      (s) => zip.read(entryOf(s)),
      async (s) => {
        const entry = entryOf(s);
        return { start: await zip.dataStart(entry), entry };
      },
    );
  } finally {
    await zip.close();
  }
}

/** The legacy format's first pickle: this number as a LONG1 (torch/serialization.py MAGIC_NUMBER). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

async function readLegacyCheckpoint(fh: FileHandle, size: number, path: string, opts: ReadTorchOptions): Promise<Map<string, TensorEntry>> {
  const { load, storages } = storageLoader(path, true);
  // The five pickles come first and are small next to the storages after them; read a window
  // and widen it until they fit.
  let parsed: { values: unknown[]; end: number } | null = null;
  for (let window = Math.min(size, 1 << 20); ; window = Math.min(size, window * 4)) {
    const head = await readAt(fh, 0, window, path, opts.onRead);
    try {
      const values: unknown[] = [];
      let pos = 0;
      for (let i = 0; i < 5; i++) {
        const r = new Unpickler(head, pos, path, load, window === size).load();
        values.push(r.value);
        pos = r.end;
      }
      parsed = { values, end: pos };
      break;
    } catch (e) {
      if (!(e instanceof OutOfBytes) || window === size) throw e;
      storages.clear();
    }
  }
  const [magic, protocol, sysInfo, root, keys] = parsed.values;
  if (BigInt(magic as number | bigint) !== LEGACY_MAGIC || protocol !== 1001) throw corrupt(path, 'the legacy torch header is damaged');
  if (sysInfo instanceof PyDict && sysInfo.map.get('little_endian') === false) {
    throw unsupported(path, 'the checkpoint was saved on a big-endian machine; re-save it on a little-endian one or convert to safetensors');
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw corrupt(path, 'the legacy storage list is damaged');
  // Storages follow in the order of `keys`, each an int64 element count then its bytes.
  const where = new Map<string, number>();
  let pos = parsed.end;
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (!s) throw corrupt(path, 'the legacy storage list names a storage no tensor uses');
    const count = new DataView((await readAt(fh, pos, 8, path, opts.onRead)).buffer).getBigInt64(0, true);
    if (count !== BigInt(s.numel)) throw corrupt(path, 'a legacy storage has another size than the pickle says');
    where.set(key, pos + 8);
    pos += 8 + s.numel * STORAGE_ITEM_SIZE[s.dtype];
    if (pos > size) throw corrupt(path, 'the file ends early (truncated download or copy?)');
  }
  const selected = selectTensors(root, path, opts.onNote ?? (() => {}));
  const startOf = (s: StorageRef): number => {
    const at = where.get(s.key);
    if (at === undefined) throw corrupt(path, 'a tensor storage is missing from the file');
    return at;
  };
  return tensorEntries(
    path,
    selected,
    opts,
    (s) => readAt(fh, startOf(s), s.numel * STORAGE_ITEM_SIZE[s.dtype], path, opts.onRead),
    async (s) => ({ start: startOf(s), entry: null }),
  );
}

async function readOneCheckpoint(path: string, opts: ReadTorchOptions): Promise<Map<string, TensorEntry>> {
  let container: 'zip' | 'tar' | 'unknown';
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) throw corrupt(path, 'the file is empty');
    // Four bytes tell zip and legacy apart; only a file that is neither is looked at further.
    const magic = await readAt(fh, 0, Math.min(size, 4), path, opts.onRead);
    // PROTO 2, then LONG1 of 10 bytes: the legacy magic number.
    if (magic[0] === 0x80 && magic[2] === 0x8a && magic[3] === 0x0a) return await readLegacyCheckpoint(fh, size, path, opts);
    const isZip = magic[0] === 0x50 && magic[1] === 0x4b; // "PK"
    const isTar = !isZip && size >= 262 && new TextDecoder().decode(await readAt(fh, 257, 5, path, opts.onRead)) === 'ustar';
    container = isZip ? 'zip' : isTar ? 'tar' : 'unknown';
  } finally {
    await fh.close();
  }
  if (container === 'zip') return readZipCheckpoint(path, opts);
  if (container === 'tar') throw unsupported(path, 'tar-format torch checkpoint (torch<0.4); re-save with torch>=1.6 or convert to safetensors');
  throw unsupported(path, 'is not a PyTorch checkpoint (neither a torch zip archive nor a legacy torch file)');
}

/**
 * A sharded checkpoint: `pytorch_model.bin.index.json` (`{weight_map: {name: shard file}}`, as
 * transformers writes it) next to `pytorch_model-0000i-of-0000n.bin` shards.
 */
async function readShardedCheckpoint(indexPath: string, opts: ReadTorchOptions): Promise<Map<string, TensorEntry>> {
  let index: SafetensorsIndex;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8')) as SafetensorsIndex;
  } catch (e) {
    if (e instanceof SyntaxError) throw corrupt(indexPath, 'the shard index is not valid JSON');
    throw e;
  }
  const map = index?.weight_map;
  if (!map || typeof map !== 'object') throw corrupt(indexPath, 'the shard index has no weight_map');
  const shards = [...new Set(Object.values(map))];
  // Shards sit next to the index; a name that leaves the folder is not a shard.
  if (shards.some((f) => typeof f !== 'string' || f !== basename(f) || f === '..')) throw corrupt(indexPath, 'the shard index names a file outside its folder');
  const want = opts.filter ?? (() => true);
  const out = new Map<string, TensorEntry>();
  for (const shard of shards) {
    // Only the tensors the index assigns to this shard, so a stray duplicate cannot win.
    const part = await readOneCheckpoint(join(dirname(indexPath), shard), { ...opts, filter: (n) => map[n] === shard && want(n) });
    for (const [name, t] of part) out.set(name, t);
  }
  const missing = Object.keys(map).filter((n) => want(n) && !out.has(n)).length;
  if (missing) throw corrupt(indexPath, `${missing} tensor(s) listed in the shard index are absent from their shard`);
  return out;
}

/**
 * Every tensor (or those `opts.filter` accepts) of a PyTorch checkpoint, named as in its state
 * dict, in the file's order: a `.bin` / `.pth` / `.pt` file, or a sharded checkpoint's
 * `.index.json`. Floats come back as Float32Array (F16/BF16/F64 converted), integers as
 * BigInt64Array; `dtype` says how each was stored (int16/int8 as I32, bool as U8). With
 * `opts.lazy`, each entry's `data` is read when asked for (a damaged storage then throws there). Throws a
 * DomainError: `unsupported` (code `unsafe-pickle`) when the pickle names any global beyond
 * tensors, storages and containers, `unsupported` for other formats, `corrupt` for damaged files.
 */
export async function readTorchPickle(path: string, opts: ReadTorchOptions = {}): Promise<Map<string, TensorEntry>> {
  return path.endsWith('.json') ? readShardedCheckpoint(path, opts) : readOneCheckpoint(path, opts);
}
