/**
 * Building the ONNX model for a checkpoint and writing it to disk. The inference cache and
 * `tessella model export --format onnx` share this, so an exported file is exactly what the app runs.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { planOf } from '../arch/index.js';
import type { PreprocessorConfig } from '../models/processors.js';
import { emitOnnx } from '../emit/onnx.js';
import { embeddingDim } from '../plan.js';
import { checkPrecision, type Precision } from '../emit/quantize.js';
import { floatWeight, type GraphCheckpoint } from './graph-input';
import { EXTERNAL_PAGE_ALIGN, type ExternalDataSink, type GraphBuilder, PRODUCER, readModelHeader } from './onnx-model';
import type { ProtoMessage } from './protobuf';
import { appendMlpHead } from '../head/append-head.js';
import { hasHead } from '../head/head-checkpoint.js';

/**
 * Stored as the model's producer_version. Bump it whenever a builder's output changes, so cached
 * files from an older build are rebuilt rather than trusted.
 */
export const GRAPH_VERSION = 'tessella-onnx-2';

export interface BuildOptions {
  /** ViT only: also output every layer's attention probabilities and the attention rollout. */
  explain?: boolean;
  /** ViT only: also output `last_hidden_state` (every token after the final norm). */
  lastHiddenState?: boolean;
  /** fp32 (default) or int8 (dynamically quantised ViT Linears / ResNet convs; emit/quantize.ts). */
  precision?: Precision;
  /** Only the first `cut` blocks, output `hidden_state` (last-k training's frozen prefix; emit/onnx.ts). */
  cut?: number;
}

/** A checkpoint as the builders need it, plus what makes an exported file self-describing. */
export interface ExportableCheckpoint extends GraphCheckpoint {
  id2label?: Record<number, string>;
  /** preprocessor_config.json as loaded: how to turn an image into `pixel_values`. */
  preprocessor?: PreprocessorConfig;
}

/**
 * Above this many bytes of weights a model is written with ONNX external data (`<file>.data`
 * next to it): a protobuf message cannot exceed 2 GB, and ViT-H/g backbones are 2.5-4.5 GB.
 */
export const EXTERNAL_DATA_ABOVE_BYTES = 1.5 * 2 ** 30;

export function buildOnnxModel(ck: ExportableCheckpoint, opts: BuildOptions = {}): ProtoMessage {
  const { graph, doc, metadata } = buildGraph(ck, opts);
  return withHead(ck, graph.toModel(GRAPH_VERSION, doc, metadata), opts);
}

/** A head trained on this backbone (ml/head): an MLP replaces the graph's classifier; a linear one already is it. */
function withHead(ck: ExportableCheckpoint, model: ProtoMessage, opts: BuildOptions): ProtoMessage {
  return opts.cut === undefined && hasHead(ck) && ck.head.kind === 'mlp' ? appendMlpHead(model.toBytes(), ck.head) : model;
}

function buildGraph(ck: ExportableCheckpoint, opts: BuildOptions & { external?: ExternalDataSink }): { graph: GraphBuilder; doc: string; metadata: Record<string, string> } {
  const plan = planOf(ck);
  if (opts.explain && plan.kind !== 'vit') throw new Error('the explain graph (attention maps and rollout) exists for ViT only');
  const precision = opts.precision ?? 'fp32';
  checkPrecision(plan, precision, 'this model');
  const metadata: Record<string, string> = { architecture: ck.arch, family: plan.family, embedding_dim: String(embeddingDim(plan)), precision };
  if (plan.kind === 'vit') metadata['pooling'] = plan.pooling;
  if (opts.cut !== undefined) metadata['cut'] = String(opts.cut);
  if (ck.id2label) metadata['id2label'] = JSON.stringify(ck.id2label);
  if (ck.preprocessor !== undefined) metadata['preprocessor_config'] = JSON.stringify(ck.preprocessor);
  const what = opts.cut !== undefined ? `prefix (embedding and ${opts.cut} blocks, hidden state)` : plan.head ? 'image classifier' : 'image backbone (pooled embedding)';
  const doc = `${plan.kind === 'vit' ? 'ViT' : 'ResNet'} ${what}${opts.explain ? ' with attention outputs' : ''}${precision === 'int8' ? `, int8 dynamically quantised ${plan.kind === 'vit' ? 'Linears' : 'convs'}` : ''}`;
  return { graph: emitOnnx(plan, (name, shape) => floatWeight(ck, name, shape), opts), doc, metadata };
}

/** The side file of a model written with external data. */
export const externalDataPath = (modelPath: string): string => `${modelPath}.data`;

/**
 * Bytes of float32 weights the checkpoint holds, read off shapes alone (a lazily read checkpoint
 * is not touched): the graph's initializers are about as big, so this decides up front whether
 * the build streams its weights to a side file.
 */
export function checkpointFloatBytes(ck: ExportableCheckpoint): number {
  let n = 0;
  for (const t of ck.weights.values()) n += t.shape.reduce((a, b) => a * b, 1) * 4;
  return n;
}

/**
 * Builds the graph and writes it to `path`, with its weights in `<path>.data` when they exceed
 * `externalDataAbove` bytes (default EXTERNAL_DATA_ABOVE_BYTES). Such a build streams: each
 * initializer goes to the side file as it is made (ExternalDataWriter), so memory holds one
 * tensor, not the network. The side file is written first, so a model file that exists always
 * has its data. Returns the bytes written (both files).
 */
export async function writeOnnxModel(ck: ExportableCheckpoint, path: string, opts: BuildOptions & { externalDataAbove?: number } = {}): Promise<number> {
  const dataPath = externalDataPath(path);
  const above = opts.externalDataAbove ?? EXTERNAL_DATA_ABOVE_BYTES;
  const buildOpts: BuildOptions = { explain: opts.explain, lastHiddenState: opts.lastHiddenState, precision: opts.precision, cut: opts.cut };
  if (checkpointFloatBytes(ck) > above) {
    const sink = new ExternalDataWriter(dataPath);
    let built: ReturnType<typeof buildGraph>;
    try {
      built = buildGraph(ck, { ...buildOpts, external: sink });
    } catch (e) {
      sink.abort();
      throw e;
    }
    const dataBytes = sink.commit();
    const { graph, doc, metadata } = built;
    return dataBytes + (await writeModelFile(withHead(ck, graph.toModel(GRAPH_VERSION, doc, metadata), opts), path));
  }
  const { graph, doc, metadata } = buildGraph(ck, buildOpts);
  if (graph.initializerBytes <= above) {
    await rm(dataPath, { force: true }); // a stale side file from an earlier, bigger build
    return writeModelFile(withHead(ck, graph.toModel(GRAPH_VERSION, doc, metadata), opts), path);
  }
  const m = graph.toModelWithExternalData(basename(dataPath), GRAPH_VERSION, doc, metadata);
  const dataBytes = await writeChunks(m.data, dataPath);
  return dataBytes + (await writeModelFile(withHead(ck, m.model, opts), path));
}

/**
 * The side file of a streaming build: tensors appended at page-aligned offsets to a temp file
 * next to `path`, renamed into place by commit(). Synchronous, as graph emission is.
 */
export class ExternalDataWriter implements ExternalDataSink {
  readonly location: string;
  private readonly tmp: string;
  private fd: number | null;
  private offset = 0;

  constructor(private readonly path: string) {
    this.location = basename(path);
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(bytes: Uint8Array): number {
    if (this.fd === null) throw new Error(`${this.path}: the side file is closed`);
    const at = Math.ceil(this.offset / EXTERNAL_PAGE_ALIGN) * EXTERNAL_PAGE_ALIGN;
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, at + done);
    this.offset = at + bytes.byteLength;
    return at;
  }

  /** Flushes, closes and renames the file into place; returns its size. */
  commit(): number {
    if (this.fd === null) throw new Error(`${this.path}: the side file is closed`);
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.tmp, this.path);
    return this.offset;
  }

  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}

/** Small writes are coalesced: a ViT-B model has tens of thousands of tiny chunks around the weights. */
const COALESCE_BYTES = 1 << 20;

/**
 * Writes `model` to `path` atomically (temp file in the same directory, fsync, rename), so a
 * reader never sees a half-written model, even with two writers racing.
 */
export async function writeModelFile(model: ProtoMessage, path: string): Promise<number> {
  await writeChunks(model.parts(), path);
  return model.byteLength;
}

/** Byte chunks to `path`, atomically (temp file, fsync, rename); returns the bytes written. */
async function writeChunks(parts: Iterable<Uint8Array>, path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  let total = 0;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (!pendingBytes) return;
      const buf = Buffer.concat(pending, pendingBytes);
      await fh.write(buf, 0, buf.byteLength);
      pending.length = 0;
      pendingBytes = 0;
    };
    for (const part of parts) {
      total += part.byteLength;
      if (part.byteLength >= COALESCE_BYTES) {
        await flush();
        await fh.write(part, 0, part.byteLength);
      } else {
        pending.push(part);
        pendingBytes += part.byteLength;
        if (pendingBytes >= COALESCE_BYTES) await flush();
      }
    }
    await flush();
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  return total;
}

/** True when `path` is a model this build wrote with the current GRAPH_VERSION. */
export async function isCurrentModelFile(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await fh.read(head, 0, head.byteLength, 0);
    const h = readModelHeader(head.subarray(0, bytesRead));
    if (h.producer !== PRODUCER || h.version !== GRAPH_VERSION || (await stat(path)).size <= bytesRead) return false;
    // A model with external data is usable only with its side file (its size is checked by onnxruntime on load).
    return !h.externalData || (await stat(join(dirname(path), h.externalData)).then(() => true, () => false));
  } finally {
    await fh.close();
  }
}

/**
 * `tessella model export --format onnx`: the graph the app runs, as a standalone ONNX file
 * (input `pixel_values` [N,3,H,W] float32 after the checkpoint's preprocessing; outputs `logits`
 * and `features`, plus `attentions_<i>` and `rollout` when `explain` is set). Labels and the
 * preprocessor config travel in the model's metadata_props (`id2label`, `preprocessor_config`).
 */
export async function exportOnnx(ck: ExportableCheckpoint, outPath: string, opts: BuildOptions & { externalDataAbove?: number } = {}): Promise<{ path: string; bytes: number }> {
  const bytes = await writeOnnxModel(ck, outPath, opts);
  return { path: outPath, bytes };
}
