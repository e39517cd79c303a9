/**
 * A head folder opened as a checkpoint: its backbone's checkpoint with the head in place of the
 * classifier, so every path that takes a model (predict, features, slide inference, explanations,
 * reports, evaluation) runs it unchanged. A linear head *is* a classifier on the pooled embedding,
 * so it simply replaces the backbone's; an MLP head rides along as `head` and the ONNX build appends
 * it to the backbone's graph (append-head.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planOf } from '../arch/index.js';
import type { Checkpoint, LoadOptions } from '../models/checkpoint.js';
import { HEAD_WEIGHTS, headLogits, readHeadFolder, type HeadLayers } from './head-folder.js';

export type HeadCheckpoint = Checkpoint & { head: HeadLayers; backboneHash: string };

/** The checkpoint's classifier tensors, as its plan names them (ViT `classifier.*`, ResNet `classifier.1.*`). */
export function classifierNames(ck: Pick<Checkpoint, 'arch' | 'config' | 'weights' | 'plan'>): { weight: string; bias: string } {
  const head = planOf(ck).head;
  if (!head?.bias) throw new Error('the backbone has no classifier to put the head in place of');
  return { weight: head.weight, bias: head.bias };
}

export function hasHead(ck: object): ck is { head: HeadLayers; backboneHash: string } {
  return 'head' in ck && (ck as { head?: unknown }).head != null;
}

/**
 * The checkpoint hash of the network that makes a model's embeddings: a head's backbone, or the
 * model itself (its classifier reads the same pooled features, so its embeddings serve any head
 * trained on it as a backbone).
 */
export function embeddingBackboneHash(ck: Checkpoint): string {
  return hasHead(ck) ? ck.backboneHash : ck.hash;
}

/** Logits from a pooled embedding, exactly what the model's graph computes after `features`. */
export function logitsFromEmbedding(ck: Checkpoint): (e: Float32Array) => Float32Array {
  if (hasHead(ck)) {
    const layers = ck.head;
    return (e) => Float32Array.from(headLogits(layers, e));
  }
  const names = classifierNames(ck);
  const w = ck.weights.get(names.weight)!;
  const b = ck.weights.get(names.bias)!;
  const layers: HeadLayers = { kind: 'logreg', k: w.shape[0], d: w.shape[1], weight: w.data as Float32Array, bias: b.data as Float32Array };
  return (e) => Float32Array.from(headLogits(layers, e));
}

export async function loadHeadCheckpoint(dir: string, loadBackbone: (ref: string, opts: LoadOptions) => Promise<Checkpoint>): Promise<HeadCheckpoint> {
  const h = await readHeadFolder(dir);
  const bb = await loadBackbone(h.backboneRef, { seed: h.config.backbone.seed });
  if (bb.hash !== h.config.backbone.hash) {
    throw new Error(`${h.dir}: its backbone ${h.config.backbone.ref} is not the one the head was trained on (checkpoint hash ${bb.hash.slice(0, 12)}, expected ${h.config.backbone.hash.slice(0, 12)})`);
  }
  const names = classifierNames(bb);
  const dim = bb.weights.get(names.weight)!.shape[1];
  if (dim !== h.layers.d) throw new Error(`${h.dir}: the head takes ${h.layers.d}-wide embeddings, the backbone ${h.config.backbone.ref} gives ${dim}`);
  const k = h.labels.length;
  const weights = new Map(bb.weights);
  if (h.layers.kind === 'logreg') {
    weights.set(names.weight, { dtype: 'F32', shape: [k, dim], data: h.layers.weight });
    weights.set(names.bias, { dtype: 'F32', shape: [k], data: h.layers.bias });
  } else {
    // a placeholder of the right shape: the graph replaces it with the MLP, tfjs refuses the model
    weights.set(names.weight, { dtype: 'F32', shape: [k, dim], data: new Float32Array(k * dim) });
    weights.set(names.bias, { dtype: 'F32', shape: [k], data: new Float32Array(k) });
  }
  const config = { ...bb.config, id2label: Object.fromEntries(h.labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(h.labels.map((l, i) => [l, i])) } as Checkpoint['config'] & {
    num_labels?: number;
  };
  delete config.num_labels;
  const hash = createHash('sha256')
    .update(`tessella-head\0${bb.hash}\0${h.configText}\0`)
    .update(await readFile(join(h.dir, HEAD_WEIGHTS)))
    .update(`\0${h.stainText ?? ''}`)
    .digest('hex');
  return {
    dir: h.dir,
    arch: bb.arch,
    config,
    preprocessor: bb.preprocessor,
    stain: h.stain,
    id2label: Object.fromEntries(h.labels.map((l, i) => [i, l])),
    weights,
    hash,
    loadReport: { newKeys: [], unusedKeys: [], reshapedKeys: [] },
    head: h.layers,
    backboneHash: bb.hash,
  };
}
