/**
 * Minimal protobuf *writer* — just enough wire format to serialise an ONNX ModelProto.
 *
 * A message is kept as a list of byte chunks rather than one growing buffer: nesting a message
 * inside another only needs its byte length up front, so a 300 MB weight tensor is referenced, not
 * copied, until the final `toBytes()` joins everything once.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

const utf8 = new TextEncoder();

/** Varint bytes of a non-negative integer or an int64 (negative values take 10 bytes, as protobuf says). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  if (v < 0x80n) return Uint8Array.of(Number(v));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function tag(field: number, wire: number): Uint8Array {
  return encodeVarint((field << 3) | wire);
}

export class ProtoMessage {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  get byteLength(): number {
    return this.length;
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
    return this;
  }

  /** int32/int64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    return this.push(tag(field, WIRE_VARINT)).push(encodeVarint(value));
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(tag(field, WIRE_FIXED32)).push(b);
  }

  /** double field (fixed64). */
  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.push(tag(field, WIRE_FIXED64)).push(b);
  }

  /** Length-delimited bytes; the array is referenced, not copied (do not mutate it afterwards). */
  bytes(field: number, value: Uint8Array): this {
    return this.push(tag(field, WIRE_LEN)).push(encodeVarint(value.byteLength)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, child: ProtoMessage): this {
    this.push(tag(field, WIRE_LEN)).push(encodeVarint(child.byteLength));
    for (const c of child.chunks) this.push(c);
    return this;
  }

  /** Packed repeated int64 (proto3 default for repeated scalars; ONNX parsers accept both forms). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const encoded = values.map((v) => encodeVarint(v));
    const total = encoded.reduce((s, e) => s + e.byteLength, 0);
    this.push(tag(field, WIRE_LEN)).push(encodeVarint(total));
    for (const e of encoded) this.push(e);
    return this;
  }

  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** Chunks in order, for streaming to a file without building one big buffer. */
  parts(): readonly Uint8Array[] {
    return this.chunks;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.byteLength;
    }
    return out;
  }
}

/** One decoded top-level field; used only to read the small header fields back from a cached model. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Varint value, or the payload of a length-delimited field. */
  value: bigint | Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.byteLength) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

/**
 * Top-level fields of `buf` until it ends or a field runs past it. Reading stops (without error)
 * at a truncated field, so the caller can pass just the first few hundred bytes of a large file.
 */
export function readTopLevelFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  try {
    while (pos < buf.byteLength) {
      const [key, p1] = readVarint(buf, pos);
      const field = Number(key >> 3n);
      const wire = Number(key & 7n);
      if (wire === WIRE_VARINT) {
        const [v, p2] = readVarint(buf, p1);
        out.push({ field, wire, value: v });
        pos = p2;
      } else if (wire === WIRE_LEN) {
        const [len, p2] = readVarint(buf, p1);
        const end = p2 + Number(len);
        if (end > buf.byteLength) break;
        out.push({ field, wire, value: buf.subarray(p2, end) });
        pos = end;
      } else if (wire === WIRE_FIXED32) {
        pos = p1 + 4;
      } else if (wire === WIRE_FIXED64) {
        pos = p1 + 8;
      } else {
        break;
      }
    }
  } catch {
    // truncated input: return what was complete
  }
  return out;
}
