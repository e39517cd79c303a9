/**
 * A head trained on a frozen backbone, as a folder (HuggingFace-like):
 *
 *   config.json       {"model_type": "tessella-head", "head_type": "logreg" | "mlp",
 *                      "backbone": {"ref", "hash", "arch", "seed"}, "embedding_dim", "hidden_size"?,
 *                      "pooling": "features", "id2label", "label2id"}
 *   head.safetensors  logreg: classifier.weight [k, d], classifier.bias [k];
 *                     mlp: hidden.weight [h, d], hidden.bias [h], classifier.weight [k, h], classifier.bias [k]
 *   stain_normalization.json   when the embeddings were computed on normalised pixels
 *
 * The head acts on the backbone's pooled embedding exactly as `tessella features` writes it
 * (the graph's `features` output), with the training standardisation folded into its first layer.
 * `backbone.ref` is a built-in name, a Hub id or a folder (absolute, or relative to this one);
 * `backbone.hash` is the checkpoint hash it had when the head was trained: a backbone that changed
 * since is refused rather than silently paired with a head trained on other embeddings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { readSafetensors, writeSafetensors, type TensorEntry } from '../models/safetensors.js';
import { STAIN_FILE, StainParams } from '../preprocess/stain.js';

export const HEAD_MODEL_TYPE = 'tessella-head';
export const HEAD_WEIGHTS = 'head.safetensors';

export const HeadConfig = z.object({
  model_type: z.literal(HEAD_MODEL_TYPE),
  head_type: z.enum(['logreg', 'mlp']),
  backbone: z.object({ ref: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/), arch: z.string(), seed: z.number().int().min(0).default(0) }),
  embedding_dim: z.number().int().positive(),
  hidden_size: z.number().int().positive().optional(),
  pooling: z.string().default('features'),
  id2label: z.record(z.string(), z.string()),
  label2id: z.record(z.string(), z.number().int()).optional(),
});
export type HeadConfig = z.output<typeof HeadConfig>;

/** The layers on the embedding, row-major float32, PyTorch Linear layout ([out, in]). */
export type HeadLayers =
  | { kind: 'logreg'; weight: Float32Array; bias: Float32Array; k: number; d: number }
  | { kind: 'mlp'; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; k: number; d: number; hidden: number };

export interface HeadModel {
  dir: string;
  config: HeadConfig;
  /** The config file's text (part of the model's hash). */
  configText: string;
  layers: HeadLayers;
  labels: string[];
  /** The backbone reference resolved (a folder made absolute). */
  backboneRef: string;
  stain: StainParams | null;
  stainText: string | null;
}

/** Whether `ref` names a head folder (cheap: one file test and, when it exists, one small read). */
export function isHeadFolder(ref: string): boolean {
  if (!existsSync(join(ref, HEAD_WEIGHTS))) return false;
  try {
    return (JSON.parse(readFileSync(join(ref, 'config.json'), 'utf8')) as { model_type?: unknown }).model_type === HEAD_MODEL_TYPE;
  } catch {
    return false;
  }
}

/** A folder reference relative to the head folder; built-in names and Hub ids stay as they are. */
export function resolveBackboneRef(headDir: string, ref: string): string {
  if (isAbsolute(ref)) return ref;
  const local = resolve(headDir, ref);
  return existsSync(local) ? local : ref;
}

function tensor(m: Map<string, TensorEntry>, name: string, shape: number[], where: string): Float32Array {
  const t = m.get(name);
  if (!t) throw new Error(`${where}: no tensor ${name}`);
  if (t.shape.join() !== shape.join()) throw new Error(`${where}: ${name} has shape [${t.shape}], config.json implies [${shape}]`);
  if (!(t.data instanceof Float32Array)) throw new Error(`${where}: ${name} is not floating point`);
  return t.data;
}

export async function readHeadFolder(dir: string): Promise<HeadModel> {
  const abs = resolve(dir);
  const configText = await readFile(join(abs, 'config.json'), 'utf8');
  const parsed = HeadConfig.safeParse(JSON.parse(configText));
  if (!parsed.success) throw new Error(`${join(abs, 'config.json')}: not a head configuration (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  const config = parsed.data;
  const ids = Object.keys(config.id2label).map(Number).sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i)) throw new Error(`${join(abs, 'config.json')}: id2label ids are not 0..${ids.length - 1}`);
  const labels = ids.map((i) => config.id2label[String(i)]);
  const k = labels.length;
  const d = config.embedding_dim;
  const where = join(abs, HEAD_WEIGHTS);
  const t = await readSafetensors(where);
  let layers: HeadLayers;
  if (config.head_type === 'logreg') {
    layers = { kind: 'logreg', k, d, weight: tensor(t, 'classifier.weight', [k, d], where), bias: tensor(t, 'classifier.bias', [k], where) };
  } else {
    const h = config.hidden_size;
    if (!h) throw new Error(`${join(abs, 'config.json')}: an mlp head needs hidden_size`);
    layers = {
      kind: 'mlp',
      k,
      d,
      hidden: h,
      w1: tensor(t, 'hidden.weight', [h, d], where),
      b1: tensor(t, 'hidden.bias', [h], where),
      w2: tensor(t, 'classifier.weight', [k, h], where),
      b2: tensor(t, 'classifier.bias', [k], where),
    };
  }
  const stainPath = join(abs, STAIN_FILE);
  const stainText = existsSync(stainPath) ? await readFile(stainPath, 'utf8') : null;
  const stain = stainText ? StainParams.parse(JSON.parse(stainText)) : null;
  return { dir: abs, config, configText, layers, labels, backboneRef: resolveBackboneRef(abs, config.backbone.ref), stain, stainText };
}

export interface HeadFolderInput {
  layers: HeadLayers;
  labels: string[];
  backbone: { ref: string; hash: string; arch: string; seed: number };
  stain: StainParams | null;
}

export async function writeHeadFolder(dir: string, h: HeadFolderInput): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { layers } = h;
  const config: HeadConfig = {
    model_type: HEAD_MODEL_TYPE,
    head_type: layers.kind,
    backbone: h.backbone,
    embedding_dim: layers.d,
    ...(layers.kind === 'mlp' ? { hidden_size: layers.hidden } : {}),
    pooling: 'features',
    id2label: Object.fromEntries(h.labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(h.labels.map((l, i) => [l, i])),
  };
  const f32 = (shape: number[], data: Float32Array): TensorEntry => ({ dtype: 'F32', shape, data });
  const tensors =
    layers.kind === 'logreg'
      ? new Map([
          ['classifier.weight', f32([layers.k, layers.d], layers.weight)],
          ['classifier.bias', f32([layers.k], layers.bias)],
        ])
      : new Map([
          ['hidden.weight', f32([layers.hidden, layers.d], layers.w1)],
          ['hidden.bias', f32([layers.hidden], layers.b1)],
          ['classifier.weight', f32([layers.k, layers.hidden], layers.w2)],
          ['classifier.bias', f32([layers.k], layers.b2)],
        ]);
  await writeSafetensors(join(dir, HEAD_WEIGHTS), tensors);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  if (h.stain) await writeFile(join(dir, STAIN_FILE), JSON.stringify(h.stain, null, 2) + '\n');
  else await rm(join(dir, STAIN_FILE), { force: true });
}

/** Logits of one embedding, in float64 (the reference the graph is checked against). */
export function headLogits(layers: HeadLayers, e: ArrayLike<number>): number[] {
  const lin = (w: Float32Array, b: Float32Array, x: ArrayLike<number>, out: number, inp: number) =>
    Array.from({ length: out }, (_, r) => {
      let s = b[r];
      for (let j = 0; j < inp; j++) s += w[r * inp + j] * x[j];
      return s;
    });
  if (layers.kind === 'logreg') return lin(layers.weight, layers.bias, e, layers.k, layers.d);
  const h = lin(layers.w1, layers.b1, e, layers.hidden, layers.d).map((v) => Math.max(0, v));
  return lin(layers.w2, layers.b2, h, layers.k, layers.hidden);
}
