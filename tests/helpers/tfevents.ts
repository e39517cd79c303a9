/**
 * An independent reader of TensorBoard event files for tests: TFRecord framing with both CRCs
 * checked (CRC-32C computed bit by bit here, not with the writer's table), then just enough
 * protobuf decoding to get Event { wall_time, step, file_version, summary.value[] }.
 */
import { readFileSync } from 'node:fs';

function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (c: number): number => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

type Field = { n: number; wire: number; v: bigint | Uint8Array | number };

function fields(buf: Uint8Array): Field[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[p++]!;
      r |= BigInt(b & 0x7f) << s;
      if (!(b & 0x80)) return r;
      s += 7n;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const n = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ n, wire, v: varint() });
    else if (wire === 1) (out.push({ n, wire, v: dv.getFloat64(p, true) }), (p += 8));
    else if (wire === 5) (out.push({ n, wire, v: dv.getFloat32(p, true) }), (p += 4));
    else if (wire === 2) {
      const len = Number(varint());
      out.push({ n, wire, v: buf.subarray(p, p + len) });
      p += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

export interface TfEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simple?: number; plugin?: string; content?: Uint8Array }[];
}

export function readEvents(path: string): TfEvent[] {
  const buf = new Uint8Array(readFileSync(path));
  const dv = new DataView(buf.buffer);
  const events: TfEvent[] = [];
  const text = new TextDecoder();
  let p = 0;
  while (p < buf.length) {
    const len = Number(dv.getBigUint64(p, true));
    if (dv.getUint32(p + 8, true) !== mask(crc32cBitwise(buf.subarray(p, p + 8)))) throw new Error(`bad length crc at ${p}`);
    const data = buf.subarray(p + 12, p + 12 + len);
    if (dv.getUint32(p + 12 + len, true) !== mask(crc32cBitwise(data))) throw new Error(`bad data crc at ${p}`);
    p += 16 + len;
    const e: TfEvent = { wallTime: 0, step: 0, values: [] };
    for (const f of fields(data)) {
      if (f.n === 1) e.wallTime = f.v as number;
      else if (f.n === 2) e.step = Number(f.v);
      else if (f.n === 3) e.fileVersion = text.decode(f.v as Uint8Array);
      else if (f.n === 5) {
        for (const v of fields(f.v as Uint8Array).filter((x) => x.n === 1)) {
          const val: TfEvent['values'][number] = { tag: '' };
          for (const g of fields(v.v as Uint8Array)) {
            if (g.n === 1) val.tag = text.decode(g.v as Uint8Array);
            else if (g.n === 2) val.simple = g.v as number;
            else if (g.n === 9) {
              const pd = fields(g.v as Uint8Array).find((x) => x.n === 1);
              for (const h of pd ? fields(pd.v as Uint8Array) : []) {
                if (h.n === 1) val.plugin = text.decode(h.v as Uint8Array);
                else if (h.n === 2) val.content = h.v as Uint8Array;
              }
            }
          }
          e.values.push(val);
        }
      }
    }
    events.push(e);
  }
  return events;
}

/** SessionStartInfo's hparams map from an hparams plugin content (HParamsPluginData field 3). */
export function sessionHparams(content: Uint8Array): Record<string, number | string | boolean> {
  const text = new TextDecoder();
  const start = fields(content).find((f) => f.n === 3);
  const out: Record<string, number | string | boolean> = {};
  for (const entry of start ? fields(start.v as Uint8Array).filter((f) => f.n === 1) : []) {
    const kv = fields(entry.v as Uint8Array);
    const key = text.decode(kv.find((f) => f.n === 1)!.v as Uint8Array);
    const val = fields(kv.find((f) => f.n === 2)!.v as Uint8Array)[0]!;
    out[key] = val.n === 2 ? (val.v as number) : val.n === 4 ? val.v === 1n : text.decode(val.v as Uint8Array);
  }
  return out;
}
