import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder, readModelHeader } from '../../../../src/main/ml/onnx/onnx-model';
import { encodeVarint, ProtoMessage, readTopLevelFields } from '../../../../src/main/ml/onnx/protobuf';

describe('protobuf writer', () => {
  it('encodes varints as the protobuf spec shows (1, 150, 300, -1 as int64)', () => {
    expect([...encodeVarint(1)]).toEqual([1]);
    expect([...encodeVarint(150)]).toEqual([0x96, 0x01]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    expect([...encodeVarint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('writes tagged fields, nested messages and packed repeats', () => {
    const child = new ProtoMessage().varint(1, 150);
    const m = new ProtoMessage().string(2, 'testing').message(3, child).packedVarints(4, [3, 270]).float(5, 1.5);
    expect([...m.toBytes()]).toEqual([
      0x12, 7, ...new TextEncoder().encode('testing'),
      0x1a, 3, 0x08, 0x96, 0x01,
      0x22, 3, 0x03, 0x8e, 0x02,
      0x2d, 0x00, 0x00, 0xc0, 0x3f,
    ]);
    expect(m.byteLength).toBe(m.toBytes().byteLength);
    const fields = readTopLevelFields(m.toBytes());
    expect(fields.map((f) => f.field)).toEqual([2, 3, 4]); // fixed32 fields are skipped, not returned
  });

  it('reads producer and version back from a truncated model header', () => {
    const g = new GraphBuilder('g');
    const x = g.input('x', ['batch', 4]);
    g.node('Relu', [x], ['y'], { unused: attr.int(1) }, { exact: true });
    g.output('y', ['batch', 4]);
    const bytes = g.toModel('v-test').toBytes();
    expect(readModelHeader(bytes.subarray(0, 40))).toEqual({ producer: 'tessella', version: 'v-test' });
  });
});
