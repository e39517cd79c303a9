/**
 * An MLP head appended to a backbone's built ONNX model: whatever network the builder made (ViT,
 * ResNet, the plan-based families), its `features` output is the pooled embedding, and its `logits`
 * come from a classifier on it. The classifier node, its weights and the `logits` output are taken
 * out of the serialised graph and `Gemm -> Relu -> Gemm` on `features` put in as `logits`.
 * Done on the protobuf wire format (fields of GraphProto and NodeProto), so it depends on no
 * builder's internals, and every other output (features, attention maps, rollout) stays as built.
 */
import { ProtoMessage, readTopLevelFields, type ProtoField } from '../onnx/protobuf.js';
import type { HeadLayers } from './head-folder.js';

// onnx.proto field numbers
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const VALUE_INFO_NAME = 1;
const TENSOR_NAME = 8;
const FLOAT = 1;

const utf8 = new TextDecoder();
const str = (f: ProtoField): string => utf8.decode(f.value as Uint8Array);

function emit(m: ProtoMessage, f: ProtoField): void {
  if (f.value instanceof Uint8Array) m.bytes(f.field, f.value);
  else m.varint(f.field, f.value);
}

function tensor(name: string, dims: number[], data: Float32Array): ProtoMessage {
  return new ProtoMessage()
    .packedVarints(1, dims)
    .varint(2, FLOAT)
    .string(TENSOR_NAME, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function node(op: string, inputs: string[], output: string, name: string, transB = false): ProtoMessage {
  const n = new ProtoMessage();
  for (const i of inputs) n.string(NODE.input, i);
  n.string(NODE.output, output).string(NODE.name, name).string(NODE.opType, op);
  // AttributeProto: name, i, type INT (2)
  if (transB) n.message(NODE.attribute, new ProtoMessage().string(1, 'transB').varint(3, 1).varint(20, 2));
  return n;
}

function outputInfo(name: string, k: number): ProtoMessage {
  const shape = new ProtoMessage().message(1, new ProtoMessage().string(2, 'batch')).message(1, new ProtoMessage().varint(1, k));
  const tensorType = new ProtoMessage().varint(1, FLOAT).message(2, shape);
  return new ProtoMessage().string(VALUE_INFO_NAME, name).message(2, new ProtoMessage().message(1, tensorType));
}

/** `model`: a serialised ModelProto with `features` and `logits` outputs. Returns the model with the MLP as its classifier. */
export function appendMlpHead(model: Uint8Array, head: Extract<HeadLayers, { kind: 'mlp' }>): ProtoMessage {
  const top = readTopLevelFields(model);
  const graphField = top.find((f) => f.field === MODEL_GRAPH);
  if (!graphField) throw new Error('the backbone model has no graph');
  const fields = readTopLevelFields(graphField.value as Uint8Array);

  // the node producing `logits` and the initializers only it reads
  const dropInputs = new Set<string>();
  const isClassifier = (f: ProtoField) => f.field === GRAPH.node && readTopLevelFields(f.value as Uint8Array).some((g) => g.field === NODE.output && str(g) === 'logits');
  for (const f of fields.filter(isClassifier)) {
    for (const g of readTopLevelFields(f.value as Uint8Array)) if (g.field === NODE.input && str(g) !== 'features') dropInputs.add(str(g));
  }
  if (!fields.some(isClassifier)) throw new Error('the backbone graph has no node producing logits');
  const initName = (f: ProtoField) => readTopLevelFields(f.value as Uint8Array).find((g) => g.field === TENSOR_NAME);
  const outName = (f: ProtoField) => readTopLevelFields(f.value as Uint8Array).find((g) => g.field === VALUE_INFO_NAME);

  const graph = new ProtoMessage();
  for (const f of fields) {
    if (isClassifier(f)) continue;
    if (f.field === GRAPH.initializer) {
      const n = initName(f);
      if (n && dropInputs.has(str(n))) continue;
    }
    if (f.field === GRAPH.output) {
      const n = outName(f);
      if (n && str(n) === 'logits') continue;
    }
    emit(graph, f);
  }
  const { d, hidden, k } = head;
  graph
    .message(GRAPH.initializer, tensor('head.hidden.weight', [hidden, d], head.w1))
    .message(GRAPH.initializer, tensor('head.hidden.bias', [hidden], head.b1))
    .message(GRAPH.initializer, tensor('head.classifier.weight', [k, hidden], head.w2))
    .message(GRAPH.initializer, tensor('head.classifier.bias', [k], head.b2))
    .message(GRAPH.node, node('Gemm', ['features', 'head.hidden.weight', 'head.hidden.bias'], 'head.hidden', 'head.n_hidden', true))
    .message(GRAPH.node, node('Relu', ['head.hidden'], 'head.hidden_relu', 'head.n_relu'))
    .message(GRAPH.node, node('Gemm', ['head.hidden_relu', 'head.classifier.weight', 'head.classifier.bias'], 'logits', 'head.n_classifier', true))
    .message(GRAPH.output, outputInfo('logits', k));

  // the header fields keep their place at the front (the cache reads them from the first bytes)
  const out = new ProtoMessage();
  for (const f of top) {
    if (f.field === MODEL_GRAPH) out.message(MODEL_GRAPH, graph);
    else emit(out, f);
  }
  return out;
}
