/**
 * `tessella predict`, `tessella features`, `tessella model ...` and `tessella engine`: patch
 * classification, embeddings, checkpoint tools and the model registry from the command line.
 *
 * `predict` is measured as a whole command (bench/predict-cli.ts), so it opens no database unless
 * --model names a registered model, and imports an engine only once it is chosen.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError, type CliCommand, type CliIO, type ParsedOptions } from '../command.js';
import type { AppContext } from '../../app-context.js';
import { defaultHome } from '../../home.js';
import { ENGINE_NAMES, type EngineName, isEngineName } from '../../ml/infer/engine-runner.js';
import { labelList, onnxCacheDir } from '../../ml/model-cache.js';
import { type Pooling, POOLINGS } from '../../ml/plan.js';
import { MODEL_OPTION, resolveCliModel } from '../model-ref.js';
import { PRECISION_OPTION, precisionOf } from '../precision-option.js';
import { PROVIDER_OPTION, providerChoiceOf, providerOptionOf } from '../provider-option.js';
const ENGINE_OPTION = { type: 'string', description: `inference engine: ${ENGINE_NAMES.join(' or ')}`, default: 'onnx' } as const;
const BATCH_OPTION = { type: 'number', description: 'images per engine run; bounds memory', default: 8 } as const;
function engineOf(options: ParsedOptions): EngineName {
  const e = String(options.engine ?? 'onnx');
  if (!isEngineName(e)) throw new CliError(`--engine must be ${ENGINE_NAMES.join(' or ')}, got "${e}"`, 2);
  return e;
}

function positiveInt(options: ParsedOptions, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new CliError(`--${name} must be a positive integer`, 2);
  return v;
}

/** A `--model` (or the DIR of `model info` / `model export`) as the services load it. */
function modelRef(options: ParsedOptions, app: () => Promise<AppContext>, given?: string): Promise<string> {
  return resolveCliModel(given ?? (options.model as string | undefined), app);
}

/** IMAGE arguments as files; a folder stands for every image under it, labelled by class folder. */
async function imageItems(paths: string[]): Promise<{ file: string; label: string | null }[]> {
  const { listImageFolder } = await import('../../ml/infer/image-batches.js');
  const items: { file: string; label: string | null }[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new CliError(`${p}: no such file or folder`);
    if (statSync(abs).isDirectory()) {
      const found = await listImageFolder(abs);
      if (!found.length) throw new CliError(`${p}: no images in this folder`);
      items.push(...found);
    } else items.push({ file: abs, label: null });
  }
  return items;
}

function progress(io: CliIO, label: string, total: number) {
  const bar = io.progress(label, total);
  return { onProgress: (done: number) => bar.tick(done), end: () => bar.end() };
}

/** The onnx engine's provider list (the chosen one; session.ts falls back to cpu); none for tfjs, which loads no onnxruntime. */
async function providers(options: ParsedOptions, io: CliIO, engine: EngineName = 'onnx'): Promise<string[] | undefined> {
  providerOptionOf(options); // a bad name is a usage error whatever the engine
  if (engine !== 'onnx') return undefined;
  return [(await providerChoiceOf(options, io)).chosen];
}

const predictCmd: CliCommand = {
  path: ['predict'],
  summary: 'Classify image patches: label, softmax probabilities and logits per file',
  positionals: ['IMAGE...'],
  options: {
    model: MODEL_OPTION,
    engine: ENGINE_OPTION,
    topk: { type: 'number', description: 'classes listed per image (default: all)' },
    batch: BATCH_OPTION,
    provider: PROVIDER_OPTION,
    precision: PRECISION_OPTION,
  },
  async run({ positionals, options, io, app }) {
    const engine = engineOf(options);
    const precision = precisionOf(options);
    const topk = positiveInt(options, 'topk');
    const batchSize = positiveInt(options, 'batch');
    if (!positionals.length) throw new CliError('give at least one IMAGE (file or folder)', 2);
    const ref = await modelRef(options, app);
    const files = (await imageItems(positionals)).map((it) => it.file);
    const { predict } = await import('../../ml/infer/predict.js');
    const { defaultedPreprocessorNote } = await import('../../ml/models/preprocessor-note.js');
    const assumed = existsSync(ref) ? defaultedPreprocessorNote(ref) : null;
    if (assumed) io.info(`warning: ${assumed}`);
    const executionProviders = await providers(options, io, engine);
    const bar = progress(io, 'predict', files.length);
    try {
      // text mode shows the top class unless --topk asks for more; JSON lists every class by default
      const run = await predict(ref, files, { engine, precision, topk: topk ?? (io.json ? undefined : 1), batchSize, cacheDir: onnxCacheDir(defaultHome()), executionProviders, onProgress: bar.onProgress });
      if (run.engine.fallbackReason) io.info(`note: ${run.engine.fallbackReason}`);
      return run.predictions;
    } finally {
      bar.end();
    }
  },
  // one line per image: the listed classes, most probable first, each with its probability, then the file
  human: (r: { file: string; label: string; probabilities: Record<string, number> }[]) =>
    r.map((p) => [...Object.entries(p.probabilities).flatMap(([label, prob]) => [label, `${(prob * 100).toFixed(1)}%`]), p.file].join('\t')).join('\n'),
};

const featuresCmd: CliCommand = {
  path: ['features'],
  summary: 'Write pooled embeddings of images as F.npy (float32 [images, dim]) with an F.csv index',
  positionals: ['IMAGE...'],
  options: {
    model: MODEL_OPTION,
    data: { type: 'string', description: 'a folder of images (class subfolders become the index\'s label column)' },
    out: { type: 'string', description: 'output F or F.npy; the index is written as F.csv' },
    engine: ENGINE_OPTION,
    batch: BATCH_OPTION,
    provider: PROVIDER_OPTION,
    precision: PRECISION_OPTION,
    pooling: { type: 'string', description: `pretrained backbones: ${POOLINGS.join(', ')} (default: the model's catalogue hint, else cls)` },
  },
  async run({ positionals, options, io, app }) {
    const engine = engineOf(options);
    const precision = precisionOf(options);
    const batchSize = positiveInt(options, 'batch');
    const pooling = options.pooling as string | undefined;
    if (pooling !== undefined && !(POOLINGS as readonly string[]).includes(pooling)) throw new CliError(`--pooling must be ${POOLINGS.join(', ')}, got "${pooling}"`, 2);
    const out = options.out as string | undefined;
    if (!out) throw new CliError('--out F is required (writes F.npy and F.csv)', 2);
    const data = options.data as string | undefined;
    if (!positionals.length && !data) throw new CliError('give IMAGE files or --data DIR', 2);
    const ref = await modelRef(options, app);
    const items = await imageItems([...(data ? [data] : []), ...positionals]);
    const { exportFeatures } = await import('../../ml/infer/features.js');
    await mkdir(resolve(out, '..'), { recursive: true });
    const executionProviders = await providers(options, io, engine);
    const bar = progress(io, 'features', items.length);
    try {
      const load = pooling ? { pooling: pooling as Pooling } : undefined;
      return await exportFeatures(ref, items, resolve(out), { engine, precision, batchSize, load, cacheDir: onnxCacheDir(defaultHome()), executionProviders, onProgress: bar.onProgress });
    } finally {
      bar.end();
    }
  },
  human: (r: { npy: string; csv: string; rows: number; dim: number }) => `wrote ${r.npy} (${r.rows} x ${r.dim}) and ${r.csv}`,
};

const agreementCmd: CliCommand = {
  path: ['model', 'agreement'],
  summary: 'How closely an int8 graph follows fp32 on images: top-1 agreement, max probability difference, embedding cosine',
  positionals: ['IMAGE...'],
  options: {
    model: MODEL_OPTION,
    data: { type: 'string', description: 'a folder of images (searched recursively)' },
    precision: { type: 'string', description: 'the precision compared with fp32', default: 'int8' },
    batch: BATCH_OPTION,
    provider: PROVIDER_OPTION,
  },
  async run({ positionals, options, io, app }) {
    const precision = precisionOf({ ...options, precision: options.precision ?? 'int8' });
    const batchSize = positiveInt(options, 'batch');
    const data = options.data as string | undefined;
    if (!positionals.length && !data) throw new CliError('give IMAGE files or --data DIR', 2);
    const ref = await modelRef(options, app);
    const files = (await imageItems([...(data ? [data] : []), ...positionals])).map((it) => it.file);
    const { measureAgreement } = await import('../../ml/infer/agreement.js');
    const executionProviders = await providers(options, io);
    const bar = progress(io, 'agreement', 2 * files.length);
    try {
      return await measureAgreement(ref, files, { precision, batchSize, cacheDir: onnxCacheDir(defaultHome()), executionProviders, onProgress: bar.onProgress });
    } finally {
      bar.end();
    }
  },
  human: (r: { images: number; candidate: string; classifier: { top1Agreement: number; disagreements: number; maxProbabilityDifference: number } | null; embedding: { cosineMin: number; cosineMean: number }; imgPerSec: { fp32: number; candidate: number } }) =>
    [
      `${r.candidate} vs fp32 on ${r.images} images`,
      ...(r.classifier
        ? [`top-1 agreement ${(r.classifier.top1Agreement * 100).toFixed(1)}% (${r.classifier.disagreements} differ), max probability difference ${r.classifier.maxProbabilityDifference.toFixed(4)}`]
        : []),
      `embedding cosine min ${r.embedding.cosineMin.toFixed(5)}, mean ${r.embedding.cosineMean.toFixed(5)}`,
      `speed ${r.imgPerSec.fp32.toFixed(2)} img/s fp32, ${r.imgPerSec.candidate.toFixed(2)} img/s ${r.candidate} (${(r.imgPerSec.candidate / r.imgPerSec.fp32).toFixed(2)}x)`,
      // int8 is not faster everywhere (a ResNet's ConvInteger on a CPU without VNNI can trail fp32's
      // conv kernels): say so rather than leave a user to read the ratio; one run, on a possibly busy machine
      ...(r.imgPerSec.candidate < r.imgPerSec.fp32 ? [`note: ${r.candidate} ran slower than fp32 here (one run each, other load included); fp32 is the better choice on this machine unless a rerun says otherwise`] : []),
    ].join('\n'),
};

function oneRef(positionals: string[]): string {
  if (positionals.length !== 1) throw new CliError(`expected one checkpoint folder or built-in name, got ${positionals.length}`, 2);
  return positionals[0]!;
}

const info: CliCommand = {
  path: ['model', 'info'],
  summary: 'Architecture, labels, input size, parameters, hash and load report of a checkpoint',
  positionals: ['DIR'],
  async run({ positionals, app }) {
    const ref = await modelRef({}, app, oneRef(positionals));
    const { loadCheckpoint } = await import('../../ml/models/checkpoint.js');
    const { modelInputSize } = await import('../../ml/models/processors.js');
    const { isCurrentModelFile } = await import('../../ml/onnx/export.js');
    const { planOf } = await import('../../ml/arch/index.js');
    const { planParameterCount } = await import('../../ml/plan.js');
    const ck = await loadCheckpoint(ref);
    const dtypes: Record<string, number> = {};
    for (const t of ck.weights.values()) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    const size = modelInputSize(ck.preprocessor);
    return {
      model: ref,
      dir: ck.dir ? resolve(ck.dir) : null,
      arch: ck.arch,
      architecture: ck.config.architectures?.[0] ?? null,
      labels: labelList(ck.id2label),
      inputSize: size.height,
      // learned parameters: BatchNorm running statistics and counters are buffers
      parameters: planParameterCount(planOf(ck)),
      tensors: ck.weights.size,
      dtypes,
      hash: ck.hash,
      graphCached: await isCurrentModelFile(join(onnxCacheDir(defaultHome()), `${ck.hash}.onnx`)),
      loadReport: ck.loadReport,
      config: ck.config,
      preprocessor: ck.preprocessor,
    };
  },
  human: (r) =>
    [
      `${r.dir ?? r.model}`,
      `architecture ${r.architecture} (${r.arch}), input ${r.inputSize} x ${r.inputSize}`,
      `labels       ${r.labels.join(', ')}`,
      `parameters   ${(r.parameters / 1e6).toFixed(2)} M in ${r.tensors} tensors (${Object.entries(r.dtypes).map(([d, n]) => `${n} ${d}`).join(', ')})`,
      `hash         ${r.hash}${r.graphCached ? ' (ONNX graph cached)' : ''}`,
      ...(r.loadReport.newKeys.length ? [`initialised  ${r.loadReport.newKeys.length} tensors (${r.loadReport.newKeys.slice(0, 3).join(', ')}${r.loadReport.newKeys.length > 3 ? ', ...' : ''})`] : []),
      ...(r.loadReport.unusedKeys.length ? [`unused       ${r.loadReport.unusedKeys.join(', ')}`] : []),
      ...(r.loadReport.reshapedKeys.length ? [`re-created   ${r.loadReport.reshapedKeys.join(', ')}`] : []),
      ...(r.loadReport.warnings ?? []).map((w: string) => `warning      ${w}`),
    ].join('\n'),
};

const exportCmd: CliCommand = {
  path: ['model', 'export'],
  summary: 'Write a checkpoint as a HuggingFace folder (--format hf) or as the ONNX graph the app runs (--format onnx)',
  positionals: ['DIR'],
  options: {
    format: { type: 'string', description: 'hf or onnx' },
    out: { type: 'string', description: 'output folder (onnx: or a .onnx file)' },
    dtype: { type: 'string', description: 'hf: store floats as F32, F16 or BF16 (default: as loaded)' },
    explain: { type: 'boolean', description: 'onnx, ViT: also output attention maps and the rollout' },
    precision: { type: 'string', description: `onnx: fp32 or int8 (int8: ViT Linears as com.microsoft DynamicQuantizeMatMul, an onnxruntime op; ResNet convs as ConvInteger)` },
  },
  async run({ positionals, options, app }) {
    const format = options.format as string | undefined;
    const precision = options.precision === undefined ? undefined : precisionOf(options);
    if (precision && format !== 'onnx') throw new CliError('--precision applies to --format onnx only', 2);
    if (format !== 'hf' && format !== 'onnx') throw new CliError('--format must be hf or onnx', 2);
    const out = options.out as string | undefined;
    if (!out) throw new CliError('--out is required', 2);
    const dtype = options.dtype as string | undefined;
    if (dtype !== undefined && !['F32', 'F16', 'BF16'].includes(dtype)) throw new CliError('--dtype must be F32, F16 or BF16', 2);
    if (dtype && format !== 'hf') throw new CliError('--dtype applies to --format hf only', 2);
    if (options.explain && format !== 'onnx') throw new CliError('--explain applies to --format onnx only', 2);
    const ref = await modelRef({}, app, oneRef(positionals));
    const { loadCheckpoint, saveCheckpoint } = await import('../../ml/models/checkpoint.js');
    // ONNX: weights read tensor by tensor as the graph is built (a big backbone is never held whole).
    const ck = await loadCheckpoint(ref, { lazyWeights: format === 'onnx' });
    if (options.explain && ck.arch !== 'vit') throw new CliError('--explain exists for ViT checkpoints only', 2);
    if (format === 'hf') {
      // A backbone folder is already in its own (timm / transformers) layout; re-saving it as a ViT classifier would lose what it is.
      if (ck.plan) throw new CliError(`${ck.dir}: a pretrained backbone is kept in its own layout; export it with --format onnx`, 2);
      const dir = resolve(out);
      await saveCheckpoint(ck, dir, { dtype: dtype as 'F32' | 'F16' | 'BF16' | undefined });
      return { format, out: dir, files: ['config.json', 'preprocessor_config.json', 'model.safetensors'].map((f) => join(dir, f)).filter((f) => existsSync(f)), hash: ck.hash };
    }
    const { exportOnnx, externalDataPath } = await import('../../ml/onnx/export.js');
    const toFile = out.toLowerCase().endsWith('.onnx');
    const dir = toFile ? resolve(out, '..') : resolve(out);
    const file = toFile ? resolve(out) : join(dir, 'model.onnx');
    const r = await exportOnnx(ck, file, { explain: !!options.explain, precision });
    const files = [file, ...(existsSync(externalDataPath(file)) ? [externalDataPath(file)] : [])];
    if (!toFile) {
      // The layout HF Optimum exports use, so tools that read one read this too.
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), JSON.stringify(ck.config, null, 2) + '\n');
      await writeFile(join(dir, 'preprocessor_config.json'), JSON.stringify(ck.preprocessor, null, 2) + '\n');
      files.push(join(dir, 'config.json'), join(dir, 'preprocessor_config.json'));
    }
    return { format, out: file, files, bytes: r.bytes, hash: ck.hash, precision: precision ?? 'fp32', inputs: ['pixel_values'], outputs: [...(ck.plan && !ck.plan.head ? [] : ['logits']), 'features', ...(options.explain ? ['attentions_<layer>', 'rollout'] : [])] };
  },
  human: (r) => `wrote ${r.files.join(', ')}`,
};

async function registry(app: () => Promise<AppContext>) {
  const { ModelRegistry, builtinModels } = await import('../../models/registry.js');
  const ctx = await app();
  return { reg: new ModelRegistry(ctx.db, onnxCacheDir(ctx.home.root)), builtinModels };
}

const importCmd: CliCommand = {
  path: ['model', 'import'],
  summary: 'Register a checkpoint folder under a name usable as --model (checked by loading it)',
  positionals: ['DIR'],
  options: { name: { type: 'string', description: 'name to register it under (default: the folder name)' } },
  async run({ positionals, options, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one DIR, got ${positionals.length}`, 2);
    const { reg } = await registry(app);
    return reg.import(positionals[0]!, options.name as string | undefined);
  },
  human: (r) => `registered ${r.name} (${r.arch}, ${r.labels.length} labels: ${r.labels.join(', ')}) from ${r.dir}`,
};

const listCmd: CliCommand = {
  path: ['model', 'list'],
  summary: 'Registered models and the built-in architectures',
  async run({ app }) {
    const { reg, builtinModels } = await registry(app);
    return { models: reg.list(), builtins: builtinModels() };
  },
  human: (r: { models: { id: number; name: string; arch: string; labels: string[]; dir: string; available: boolean }[]; builtins: { name: string; arch: string }[] }) =>
    [
      ...(r.models.length
        ? r.models.map((m) => `${String(m.id).padStart(4)}  ${m.name}  ${m.arch}  ${m.labels.length} labels  ${m.dir}${m.available ? '' : '  (missing)'}`)
        : ['no registered models; add one with `tessella model import DIR`']),
      `built-in: ${r.builtins.map((b) => b.name).join(', ')}`,
    ].join('\n'),
};

const removeCmd: CliCommand = {
  path: ['model', 'remove'],
  summary: 'Unregister a model by id or name (its files stay)',
  positionals: ['ID|NAME'],
  options: { force: { type: 'boolean', description: 'also delete the slide analyses made with it' } },
  async run({ positionals, options, app }) {
    if (positionals.length !== 1) throw new CliError(`expected exactly one model id or name, got ${positionals.length}`, 2);
    const { reg } = await registry(app);
    const key = positionals[0]!;
    const m = reg.byName(key) ?? (/^\d+$/.test(key) ? reg.get(Number(key)) : null);
    if (!m) throw new CliError(`no registered model "${key}"; see \`tessella model list\``);
    return { id: m.id, name: m.name, ...reg.remove(m.id, !!options.force) };
  },
  human: (r) => `removed ${r.name}${r.analysesRemoved ? ` and ${r.analysesRemoved} analyses` : ''}`,
};

const engineCmd: CliCommand = {
  path: ['engine'],
  summary: 'Which inference engines run here: the TensorFlow.js backend and why, the onnxruntime provider chosen and why, GPU training',
  options: { provider: PROVIDER_OPTION },
  async run({ options }) {
    const option = providerOptionOf(options);
    const { engineStatus } = await import('../../ml/engine-status.js');
    const { pinOf } = await import('../../ml/engine/providers.js');
    const { peekSettings } = await import('../../store/settings-peek.js');
    return engineStatus(pinOf(option ? undefined : peekSettings(defaultHome()).engine.provider, option));
  },
  human: (r) =>
    [
      `tfjs  ${r.tfjs.backend ?? 'none'} (${r.tfjs.reason})${r.tfjs.simd !== undefined ? `, simd ${r.tfjs.simd ? 'on' : 'off'}` : ''}${r.tfjs.threads !== undefined ? `, ${r.tfjs.threads} thread${r.tfjs.threads === 1 ? '' : 's'}` : ''}`,
      `onnx  onnxruntime ${r.onnx.version}: provider ${r.onnx.provider} (${r.onnx.choice.reason})`,
      ...r.onnx.choice.available.map((p: { name: string; usable: boolean; note: string }) => `      ${p.usable ? '+' : '-'} ${p.name.padEnd(9)}${p.note}`),
      `      pin: ${r.onnx.choice.pinned ? `${r.onnx.choice.pinned.providers.join(', ')} (${r.onnx.choice.pinned.source === 'setting' ? 'engine.provider setting' : '--provider'})` : 'none (auto)'}`,
      `default engine: ${r.defaultEngine}`,
      `training: ${r.training.summary}`,
      `training on GPU: ${r.training.gpu.inUse ? 'yes' : 'no'} (${r.training.gpu.reason})`,
    ].join('\n'),
};

export const mlCommands: CliCommand[] = [predictCmd, featuresCmd, info, agreementCmd, exportCmd, importCmd, listCmd, removeCmd, engineCmd];
