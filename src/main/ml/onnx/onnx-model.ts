/**
 * A small ONNX graph builder on top of the protobuf writer. Field numbers are those of onnx.proto
 * (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto,
 * OperatorSetIdProto); only what our graphs need is covered.
 */
import { ProtoMessage, readTopLevelFields } from './protobuf';

/** onnx.proto TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;

/** opset 17 gives LayerNormalization; ReduceMean/ReduceSum still take `axes` as attribute/input as noted where used. */
export const OPSET = 17;
/** IR version 8 is what onnx 1.13 (the release that introduced opset 18) writes; ORT reads up to 10+. */
export const IR_VERSION = 8;
export const PRODUCER = 'tessella';

type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string };

/** Attribute constructors; explicit because a JS number cannot say whether it is an int or a float. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
};

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

/** A dimension: fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** The element types an initializer can hold: float weights, int64 shapes, int8/uint8 quantised weights. */
export type TensorData = Float32Array | BigInt64Array | Int8Array | Uint8Array;

function dataTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  return data instanceof Int8Array ? DataType.INT8 : DataType.UINT8;
}

function bytesOf(data: TensorData): Uint8Array {
  // ONNX raw_data is little-endian; so is every platform Electron ships on, so a view suffices.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** An initializer held in memory, or (streamed to a side file as it was made) only its place there. */
interface Initializer {
  name: string;
  dims: readonly number[];
  elemType: number;
  byteLength: number;
  data: TensorData | null;
  external: ExternalRef | null;
}

/**
 * Where a streaming build puts its large initializers as they are made (export.ts
 * ExternalDataWriter): `write` stores the bytes and returns their offset, so the builder keeps
 * no weight in memory and the file holds every weight exactly once.
 */
export interface ExternalDataSink {
  /** The side file's name relative to the model file, as the ONNX spec requires. */
  readonly location: string;
  write(bytes: Uint8Array): number;
}

/** Where a tensor's bytes live when they are kept outside the protobuf (ONNX external data). */
interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

function tensorProto({ name, dims, elemType, data, external: streamed }: Initializer, ref?: ExternalRef): ProtoMessage {
  const t = new ProtoMessage();
  if (dims.length) t.packedVarints(1, dims);
  t.varint(2, elemType);
  t.string(8, name);
  const external = ref ?? streamed;
  if (!external) return t.bytes(9, bytesOf(data!));
  // TensorProto.external_data (13) entries, then data_location (14) = EXTERNAL (1).
  for (const [k, v] of [['location', external.location], ['offset', String(external.offset)], ['length', String(external.length)]] as const) {
    t.message(13, new ProtoMessage().string(1, k).string(2, v));
  }
  return t.varint(14, 1);
}

/**
 * A protobuf message cannot exceed 2 GB, so bigger models keep their weights in a side file
 * (ONNX external data): tensors of at least this many bytes go there, as onnx's own
 * convert_model_to_external_data does (its default threshold is 1 KB).
 */
const EXTERNAL_MIN_TENSOR_BYTES = 1024;
/** Side-file offsets are aligned so every tensor can be mapped or read aligned. */
const EXTERNAL_ALIGN = 64;
/** A streamed side file aligns its tensors to pages, so onnxruntime can map them rather than copy. */
export const EXTERNAL_PAGE_ALIGN = 4096;

/** A model whose large tensors live in `location` (next to the .onnx file): write `data` chunks there, in order. */
export interface ModelWithExternalData {
  model: ProtoMessage;
  location: string;
  data: Uint8Array[];
  dataBytes: number;
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) {
    const dim = new ProtoMessage();
    if (typeof d === 'number') dim.varint(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoMessage().varint(1, elemType).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, name).message(2, type);
}

function attributeProto(name: string, a: AttrValue): ProtoMessage {
  const m = new ProtoMessage().string(1, name);
  switch (a.kind) {
    case 'int':
      m.varint(3, a.value);
      break;
    case 'float':
      m.float(2, a.value);
      break;
    case 'ints':
      m.packedVarints(8, a.value);
      break;
    case 'floats':
      m.packedFloats(7, a.value);
      break;
    case 'string':
      m.string(4, a.value);
      break;
  }
  return m.varint(20, ATTR_TYPE[a.kind]);
}

export class GraphBuilder {
  private readonly nodes: ProtoMessage[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: ProtoMessage[] = [];
  private readonly outputs: ProtoMessage[] = [];
  private readonly names = new Set<string>();
  private readonly domains = new Set<string>();
  private counter = 0;

  /** With `external`, initializers of EXTERNAL_MIN_TENSOR_BYTES and more go to it as they are made. */
  constructor(
    readonly name: string,
    private readonly external: ExternalDataSink | null = null,
  ) {}

  /** A fresh value name derived from `hint`. */
  fresh(hint: string): string {
    let n = hint;
    while (this.names.has(n)) n = `${hint}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  input(name: string, dims: readonly Dim[], elemType: number = DataType.FLOAT): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: readonly Dim[], elemType: number = DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 (int64, int8, uint8) constant stored as raw little-endian data. Returns its value name. */
  initializer(hint: string, dims: readonly number[], data: TensorData): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`initializer ${hint}: ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    const common = { name, dims, elemType: dataTypeOf(data), byteLength: data.byteLength };
    if (this.external && data.byteLength >= EXTERNAL_MIN_TENSOR_BYTES) {
      const offset = this.external.write(bytesOf(data));
      this.initializers.push({ ...common, data: null, external: { location: this.external.location, offset, length: data.byteLength } });
    } else this.initializers.push({ ...common, data, external: null });
    return name;
  }

  /** Bytes of every initializer: what decides whether the weights must go to a side file. */
  get initializerBytes(): number {
    return this.initializers.reduce((s, t) => s + t.byteLength, 0);
  }

  /** An int64 constant, e.g. a Reshape target or Slice bounds. */
  int64s(hint: string, values: readonly number[]): string {
    return this.initializer(hint, [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  }

  scalar(hint: string, value: number): string {
    return this.initializer(hint, [], Float32Array.of(value));
  }

  /**
   * Appends a node; `outputs` are names to create (given as hints, made unique) or, when
   * `exact` is set, used verbatim (for graph outputs). Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attrs: Record<string, AttrValue> = {},
    opts: { domain?: string; exact?: boolean } = {},
  ): string[] {
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.fresh(`${opType.toLowerCase()}${outputs > 1 ? `_${i}` : ''}`))
        : outputs.map((o) => (opts.exact ? (this.names.add(o), o) : this.fresh(o)));
    const n = new ProtoMessage();
    for (const i of inputs) n.string(1, i);
    for (const o of outNames) n.string(2, o);
    n.string(3, this.fresh(`n_${opType}`));
    n.string(4, opType);
    for (const [k, v] of Object.entries(attrs)) n.message(5, attributeProto(k, v));
    if (opts.domain) {
      n.string(7, opts.domain);
      this.domains.add(opts.domain);
    }
    this.nodes.push(n);
    return outNames;
  }

  /** Shorthand for single-output nodes. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, hint?: string): string {
    return this.node(opType, inputs, [hint ?? opType.toLowerCase()], attrs)[0]!;
  }

  /**
   * The serialised ModelProto. `version` goes to producer_version so a cache can tell stale
   * graphs; `metadata` to metadata_props (what tools such as Netron show as model properties).
   */
  toModel(version: string, docString = '', metadata: Record<string, string> = {}): ProtoMessage {
    const props = this.external ? { [EXTERNAL_DATA_KEY]: this.external.location, ...metadata } : metadata;
    return this.assemble(version, docString, props, this.initializers.map((t) => tensorProto(t)));
  }

  /**
   * The ModelProto with tensors of 1 KB and more stored in the side file `location` (a name
   * relative to the model file, as the ONNX spec requires), each at a 64-byte aligned offset.
   */
  toModelWithExternalData(location: string, version: string, docString = '', metadata: Record<string, string> = {}): ModelWithExternalData {
    const data: Uint8Array[] = [];
    let offset = 0;
    if (this.external) throw new Error('this graph streamed its weights to a side file already: use toModel()');
    const protos = this.initializers.map((t) => {
      const bytes = bytesOf(t.data!);
      if (bytes.byteLength < EXTERNAL_MIN_TENSOR_BYTES) return tensorProto(t);
      const pad = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
      if (pad) data.push(new Uint8Array(pad));
      offset += pad;
      data.push(bytes);
      const ref = { location, offset, length: bytes.byteLength };
      offset += bytes.byteLength;
      return tensorProto(t, ref);
    });
    return { model: this.assemble(version, docString, { [EXTERNAL_DATA_KEY]: location, ...metadata }, protos), location, data, dataBytes: offset };
  }

  private assemble(version: string, docString: string, metadata: Record<string, string>, initializers: ProtoMessage[]): ProtoMessage {
    const graph = new ProtoMessage();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const t of initializers) graph.message(5, t);
    if (docString) graph.string(10, docString);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);

    // Small header fields first, so readModelHeader() can read them from a file's first bytes.
    const model = new ProtoMessage().varint(1, IR_VERSION).string(2, PRODUCER).string(3, version);
    model.message(8, new ProtoMessage().string(1, '').varint(2, OPSET));
    for (const d of this.domains) model.message(8, new ProtoMessage().string(1, d).varint(2, 1));
    for (const [k, v] of Object.entries(metadata)) model.message(14, new ProtoMessage().string(1, k).string(2, v));
    model.message(7, graph);
    return model;
  }
}

/** metadata_props key naming a model's external-data file; written first among the props so the header read finds it. */
export const EXTERNAL_DATA_KEY = 'external_data';

/**
 * producer_name / producer_version from the start of a serialised model (enough: the first KB),
 * and the external-data file when the model has one.
 */
export function readModelHeader(head: Uint8Array): { producer?: string; version?: string; externalData?: string } {
  const dec = new TextDecoder();
  const out: { producer?: string; version?: string; externalData?: string } = {};
  for (const f of readTopLevelFields(head)) {
    if (f.field === 2 && f.value instanceof Uint8Array) out.producer = dec.decode(f.value);
    if (f.field === 3 && f.value instanceof Uint8Array) out.version = dec.decode(f.value);
    if (f.field === 14 && f.value instanceof Uint8Array) {
      const kv = readTopLevelFields(f.value);
      const key = kv.find((x) => x.field === 1)?.value;
      const value = kv.find((x) => x.field === 2)?.value;
      if (key instanceof Uint8Array && value instanceof Uint8Array && dec.decode(key) === EXTERNAL_DATA_KEY) out.externalData = dec.decode(value);
    }
  }
  return out;
}
