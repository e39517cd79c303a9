/**
 * The cold-start fast path of ONNX inference: find a checkpoint's built graph in the data home
 * (`<home>/models/onnx/<hash>.onnx`) without reading or generating its weights.
 *
 * A graph is named by the checkpoint hash, and that hash normally covers every weight byte. So:
 * - built-in architectures: the hash follows from name, seed and labels (checkpoint-hash.ts);
 * - checkpoint folders: the hash of the last full load is remembered in `checkpoint-hashes.json`
 *   under the folder, the load options and the sizes and mtimes of the files the hash covers;
 *   any change to those files means a full load (and, when the content changed, a new graph).
 * `<hash>.json` next to each graph keeps what the weights file would otherwise be read for:
 * arch, config, preprocessor and labels.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { defaultHome } from '../home.js';
import { STAIN_FILE, type StainParams } from './preprocess/stain.js';
import type { Checkpoint, LoadOptions } from './models/checkpoint.js';
import { builtinCheckpointHash } from './models/checkpoint-hash.js';
import { type Arch, type HfConfig, isBuiltinName } from './models/configs.js';
import type { PreprocessorConfig } from './models/processors.js';
import { findWeightFiles, HINT_FILE } from './weights/weight-files.js';
import { planOf } from './arch/index.js';
import type { NetworkPlan } from './plan.js';
import { checkPrecision } from './emit/quantize.js';
import { isCurrentModelFile } from './onnx/export.js';
import { HEAD_WEIGHTS, isHeadFolder, resolveBackboneRef } from './head/head-folder.js';
import type { OnnxEngine, OnnxEngineOptions } from './onnx/session.js';

/** Everything inference needs of a checkpoint except its weights. */
export interface ModelSpec {
  arch: Arch;
  config: HfConfig;
  preprocessor: PreprocessorConfig;
  stain: StainParams | null;
  id2label: Record<number, string>;
  hash: string;
  /** The network the graph was built from, so a warm start needs no weights to know its shapes. */
  plan: NetworkPlan;
}

export interface OpenedOnnxModel {
  engine: OnnxEngine;
  model: ModelSpec;
  /** The checkpoint folder (absolute), or null for a built-in architecture. */
  dir: string | null;
  /** False on the fast path: the graph came from the cache and no weight file was read. */
  weightsRead: boolean;
}

export interface ModelCacheOptions {
  /** Where graphs and their descriptions live; default `<home>/models/onnx`. */
  cacheDir?: string;
  load?: LoadOptions;
}

const HASH_MEMO = 'checkpoint-hashes.json';
const MEMO_LIMIT = 1000;
const SPEC_VERSION = 3;

export function onnxCacheDir(home: string = defaultHome()): string {
  return join(home, 'models', 'onnx');
}

export function labelList(id2label: Record<number, string>): string[] {
  return Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => id2label[i]!);
}

function isBuiltinRef(ref: string): boolean {
  return isBuiltinName(ref) && !existsSync(ref);
}

/** The folder loadCheckpoint reads for `ref` (a file inside it names its folder too). */
function checkpointDir(ref: string): string {
  const abs = resolve(ref);
  return statSync(abs).isDirectory() ? abs : dirname(abs);
}

/** Sizes and mtimes of exactly the files loadCheckpoint hashes, or null when it would fail anyway. */
async function filesStamp(dir: string): Promise<string | null> {
  const at = (f: string) => join(dir, f);
  if (!existsSync(at('config.json'))) return null;
  if (isHeadFolder(dir)) return headFilesStamp(dir);
  const files = ['config.json'];
  if (existsSync(at('preprocessor_config.json'))) files.push('preprocessor_config.json');
  if (existsSync(at(STAIN_FILE))) files.push(STAIN_FILE);
  if (existsSync(at(HINT_FILE))) files.push(HINT_FILE);
  const weights = await findWeightFiles(dir);
  if (!weights) return null;
  files.push(...weights.files.map((f) => f.slice(dir.length + 1)));
  return JSON.stringify(await sizesAndTimes(dir, files));
}

/** [name, size, mtime] of each file of `dir`: what a stamp compares. */
function sizesAndTimes(dir: string, files: string[]): Promise<[string, number, number][]> {
  return Promise.all(files.map(async (f): Promise<[string, number, number]> => {
    const s = await stat(join(dir, f));
    return [f, s.size, s.mtimeMs];
  }));
}

/** A head folder's files and, its hash covering the backbone's, the backbone's stamp. */
async function headFilesStamp(dir: string): Promise<string | null> {
  const { backbone } = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { backbone?: { ref?: string } };
  if (!backbone?.ref) return null;
  const ref = resolveBackboneRef(dir, backbone.ref);
  const inner = isBuiltinRef(ref) ? `builtin:${ref}` : existsSync(ref) ? await filesStamp(checkpointDir(ref)) : null;
  if (inner === null) return null;
  const files = ['config.json', HEAD_WEIGHTS, ...(existsSync(join(dir, STAIN_FILE)) ? [STAIN_FILE] : [])];
  return JSON.stringify([await sizesAndTimes(dir, files), inner]);
}

function optionsKey(load: LoadOptions = {}): string {
  return JSON.stringify([load.numLabels ?? null, load.labels ?? null, load.seed ?? 0, load.pooling ?? null, load.inputSize ?? null]);
}

type Memo = Record<string, { stamp: string; hash: string }>;

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null; // absent or damaged: a cache miss, never an error
  }
}

/** Temp file + rename, so a reader in another process never sees half a file. */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The hash `loadCheckpoint(ref, load)` would compute, when it is known without reading weights. */
export async function knownHash(ref: string, opts: ModelCacheOptions = {}): Promise<string | null> {
  if (isBuiltinName(ref) && !existsSync(ref)) return builtinCheckpointHash(ref, opts.load).hash;
  const stamp = await checkpointStamp(ref);
  if (!stamp) return null;
  const dir = checkpointDir(ref);
  const memo = await readJson<Memo>(join(opts.cacheDir ?? onnxCacheDir(), HASH_MEMO));
  const hit = memo?.[`${dir}\0${optionsKey(opts.load)}`];
  return hit && hit.stamp === stamp ? hit.hash : null;
}

/** The stamp of the files a checkpoint folder's hash covers (null for built-ins and non-checkpoints). */
export async function checkpointStamp(ref: string): Promise<string | null> {
  return isBuiltinRef(ref) || !existsSync(ref) ? null : filesStamp(checkpointDir(ref));
}

/**
 * What a later knownHash() and readSpec() need: the spec, and the folder's hash under `stamp`,
 * the checkpointStamp() taken before loading. Files that changed while they were being read
 * (the stamp differs now) are not remembered: the hash might mix the two versions.
 */
export async function rememberCheckpoint(ref: string, ck: Checkpoint, stamp: string | null, opts: ModelCacheOptions = {}): Promise<void> {
  const cacheDir = opts.cacheDir ?? onnxCacheDir();
  const spec: ModelSpec & { version: number } = { version: SPEC_VERSION, ...specOf(ck) };
  await writeJsonAtomic(join(cacheDir, `${ck.hash}.json`), spec);
  if (!stamp || stamp !== (await checkpointStamp(ref))) return;
  const dir = checkpointDir(ref);
  const memoPath = join(cacheDir, HASH_MEMO);
  const memo = (await readJson<Memo>(memoPath)) ?? {};
  const key = `${dir}\0${optionsKey(opts.load)}`;
  if (memo[key]?.stamp === stamp && memo[key]?.hash === ck.hash) return;
  delete memo[key]; // re-inserted last: the oldest entries are the ones trimmed
  memo[key] = { stamp, hash: ck.hash };
  const keys = Object.keys(memo);
  for (const k of keys.slice(0, Math.max(0, keys.length - MEMO_LIMIT))) delete memo[k];
  await writeJsonAtomic(memoPath, memo);
}

/** What is remembered of a loaded checkpoint: everything but its weights. */
export function specOf(ck: Checkpoint): ModelSpec {
  return { arch: ck.arch, config: ck.config, preprocessor: ck.preprocessor, stain: ck.stain, id2label: ck.id2label, hash: ck.hash, plan: planOf(ck) };
}

/** The stored description of checkpoint `hash`, or null. */
export async function readSpec(hash: string, cacheDir: string = onnxCacheDir()): Promise<ModelSpec | null> {
  const s = await readJson<ModelSpec & { version?: number }>(join(cacheDir, `${hash}.json`));
  if (!s || s.version !== SPEC_VERSION || s.hash !== hash || !s.config || !s.preprocessor || !s.id2label || !s.plan) return null;
  return { arch: s.arch, config: s.config, preprocessor: s.preprocessor, stain: s.stain ?? null, id2label: s.id2label, hash: s.hash, plan: s.plan };
}

/** loadCheckpoint(), its errors naming the checkpoint (a damaged weight file's parser error would not). */
export async function loadCheckpointOf(ref: string, load?: LoadOptions): Promise<Checkpoint> {
  // checkpoint.ts pulls in TensorFlow.js (about a second to import): only where weights are needed.
  const { loadCheckpoint } = await import('./models/checkpoint.js');
  try {
    return await loadCheckpoint(ref, load);
  } catch (e) {
    const message = (e as Error).message;
    throw message.includes(ref) ? e : new Error(`${ref}: ${message}`, { cause: e });
  }
}

/**
 * An OnnxEngine for a checkpoint folder or built-in name. With a warm cache only the .onnx file
 * and its small description are read; otherwise the checkpoint is loaded, the graph built (or
 * found) and both remembered for next time.
 */
export async function openOnnxModel(ref: string, opts: ModelCacheOptions & Omit<OnnxEngineOptions, 'cacheDir' | 'explain'> = {}): Promise<OpenedOnnxModel> {
  const { OnnxEngine, graphPath } = await import('./onnx/session.js');
  const cacheDir = opts.cacheDir ?? onnxCacheDir();
  const precision = opts.precision ?? 'fp32';
  const engineOpts: OnnxEngineOptions = { cacheDir, precision, executionProviders: opts.executionProviders, threads: opts.threads, chunkSize: opts.chunkSize, worker: opts.worker };
  const dir = isBuiltinRef(ref) ? null : existsSync(ref) ? checkpointDir(ref) : null;

  const hash = await knownHash(ref, opts);
  const spec = hash ? await readSpec(hash, cacheDir) : null;
  if (spec) checkPrecision(spec.plan, precision, ref); // before any weights are read
  if (spec && (await isCurrentModelFile(graphPath(cacheDir, spec.hash, { precision })))) {
    try {
      // No weights: OnnxEngine only builds (and so only needs them) when the file is unusable.
      const engine = await OnnxEngine.load({ ...spec, weights: new Map() }, engineOpts);
      return { engine, model: spec, dir, weightsRead: false };
    } catch {
      // A damaged graph: the full path below rebuilds it.
    }
  }
  const stamp = await checkpointStamp(ref);
  // Lazily read weights: the graph build takes them one tensor at a time and streams big ones out.
  const ck = await loadCheckpointOf(ref, { ...opts.load, lazyWeights: true });
  const loaded = specOf(ck);
  checkPrecision(loaded.plan, precision, ref);
  // Nothing here reads the weights after the graph is built: let them go before onnxruntime loads it.
  const engine = await OnnxEngine.load({ ...ck, plan: loaded.plan }, { ...engineOpts, releaseWeights: true });
  await rememberCheckpoint(ref, { ...ck, plan: loaded.plan }, stamp, { cacheDir, load: opts.load });
  return { engine, model: loaded, dir: ck.dir ? resolve(ck.dir) : null, weightsRead: true };
}
