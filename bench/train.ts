/**
 * `npm run bench -- train`: training throughput (images per second) of every built-in
 * architecture in every mode at 224 px, through the trainer's own step (AdamW, label smoothing,
 * gradients on the tfjs backend the trainer would pick; head mode: onnxruntime features, then the
 * linear head). Weights are the built-in random initialisations and pixels synthetic: speed does
 * not depend on their values. Decoding and augmentation are measured separately on the LC25000
 * patches. Each configuration runs in its own process, so one that exhausts the wasm heap is
 * retried at half the batch instead of ending the benchmark; the batch used is stated.
 *
 * The reference is PyTorch (CPU, its BLAS) training the same HF models at the same batch, run
 * only where `import torch, transformers` works; otherwise the JSON says it is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { BUILTIN_ARCHS, AugmentConfig } from '../src/shared/contract/training';
import { planOf } from '../src/main/ml/arch/index';
import { engineInfo, ensureGradients, initBackend } from '../src/main/ml/engine/backend';
import { loadCheckpoint } from '../src/main/ml/models/checkpoint';
import { BUILTIN_CONFIGS } from '../src/main/ml/models/configs';
import { decodeImage } from '../src/main/ml/models/processors';
import { OnnxEngine } from '../src/main/ml/onnx/session';
import { augment } from '../src/main/train/augment';
import { wasmPassSize } from '../src/main/train/memory';
import { Optimizer } from '../src/main/train/optimizers';
import { streamRng } from '../src/main/train/rng';
import { Stepper } from '../src/main/train/step';
import { headModel, networkModel } from '../src/main/train/train-model';

type Arch = (typeof BUILTIN_ARCHS)[number];
type Mode = 'head' | 'last-k' | 'full';

/** The trainer's default batch: what "full size" means here. */
const FULL_BATCH = 16;
const SIZE = 224;
const LABELS = ['a', 'b', 'c'];
const LAST_K = 2;
const here = fileURLToPath(import.meta.url);

export interface OneSpec {
  arch: Arch;
  mode: Mode;
  batch: number;
  /** Timed steps at least, and seconds of timed work at least (whichever ends later). */
  minSteps: number;
  minSeconds: number;
}

function pixels(n: number): Float32Array {
  return Float32Array.from({ length: n * 3 * SIZE * SIZE }, (_, i) => Math.sin(i * 0.0007) * 1.5);
}

/** Times `step` after one warm-up call: at least minSteps calls and minSeconds of work. */
async function time(step: () => Promise<void> | void, minSteps: number, minSeconds: number): Promise<{ steps: number; seconds: number }> {
  await step();
  const t0 = performance.now();
  let steps = 0;
  while (steps < minSteps || (performance.now() - t0) / 1000 < minSeconds) {
    await step();
    steps++;
    if (steps >= minSteps * 4) break;
  }
  return { steps, seconds: (performance.now() - t0) / 1000 };
}

/** One configuration, in this process (the benchmark runs it in a child). */
export async function benchOne(spec: OneSpec): Promise<object> {
  const { arch, mode, batch } = spec;
  const labels = Array.from({ length: batch }, (_, i) => i % LABELS.length);
  const ck = await loadCheckpoint(arch, { labels: LABELS, seed: 0 });
  if (mode === 'head') {
    const cacheDir = mkdtempSync(join(tmpdir(), 'tessella-bench-train-'));
    try {
      const engine = await OnnxEngine.load(ck, { cacheDir, chunkSize: batch });
      const px = pixels(batch);
      let features: Float32Array[] = [];
      const f = await time(async () => void (features = (await engine.run(px, batch)).features), spec.minSteps, spec.minSeconds);
      await engine.dispose();
      await initBackend();
      await ensureGradients();
      const model = headModel(ck);
      const stepper = new Stepper(model, new Optimizer(model.params, model.trainable, { kind: 'adamw', weightDecay: 0.05, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 }), { weights: null, labelSmoothing: 0.1, maxGradNorm: null });
      const d = features[0].length;
      const flat = new Float32Array(batch * d);
      features.forEach((v, i) => flat.set(v, i * d));
      const h = await time(() => {
        stepper.accumulate(tf.tensor2d(flat, [batch, d]), labels, batch);
        stepper.apply(1e-3);
      }, 20, 1);
      const featureRate = (f.steps * batch) / f.seconds;
      const headRate = (h.steps * batch) / h.seconds;
      return {
        arch,
        mode,
        batch,
        // first epoch: every image through the backbone once, then the head; later epochs read cached features
        imagesPerSecond: +(1 / (1 / featureRate + 1 / headRate)).toFixed(2),
        featureImagesPerSecond: +featureRate.toFixed(2),
        cachedEpochImagesPerSecond: +headRate.toFixed(1),
        featureEngine: `onnxruntime ${engine.provider}, ${availableParallelism()} threads`,
        headEngine: engineInfo().backend,
        trainableParams: d * LABELS.length + LABELS.length,
        timedSteps: f.steps,
      };
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  await initBackend();
  const g = await ensureGradients();
  if (!g.ok) throw new Error(`no gradients: ${g.error}`);
  const totalParams = [...ck.weights.values()].reduce((a, e) => a + e.data.length, 0);
  const plan = planOf(ck);
  const model = networkModel(ck, mode, LAST_K);
  ck.weights.clear();
  const trainableParams = model.trainable.reduce((a, n) => a + model.params.get(n)!.size, 0);
  // what the trainer would take per pass on wasm, to set against the largest batch that ran here
  const trainerPassSize = wasmPassSize(plan, totalParams, trainableParams, model.batchNormTrains);
  const stepper = new Stepper(model, new Optimizer(model.params, model.trainable, { kind: 'adamw', weightDecay: 0.05, betas: [0.9, 0.999], eps: 1e-8, momentum: 0.9 }), { weights: null, labelSmoothing: 0.1, maxGradNorm: null });
  const px = pixels(batch);
  let peakBytes = 0;
  const t = await time(() => {
    stepper.accumulate(tf.tensor4d(px, [batch, 3, SIZE, SIZE]), labels, batch);
    stepper.apply(1e-4);
    peakBytes = Math.max(peakBytes, tf.memory().numBytes);
  }, spec.minSteps, spec.minSeconds);
  const info = engineInfo();
  return {
    arch,
    mode,
    batch,
    imagesPerSecond: +((t.steps * batch) / t.seconds).toFixed(3),
    secondsPerStep: +(t.seconds / t.steps).toFixed(2),
    engine: `tfjs ${info.backend}${info.backend === 'wasm' ? ` (${info.simd ? 'simd' : 'no simd'}, ${info.threads ?? 1} thread)` : ''}`,
    trainableParams,
    totalParams,
    tensorMegabytesAfterStep: Math.round(peakBytes / 1024 ** 2),
    ...(info.backend === 'wasm' ? { trainerPassSize } : {}),
    timedSteps: t.steps,
    ...(mode === 'last-k' ? { lastK: LAST_K } : {}),
  };
}

/** Runs benchOne in a fresh process; null with the reason when that process fails (e.g. out of wasm memory). */
function inChild(spec: OneSpec): { result: object | null; error: string | null } {
  const code = `const m = await import(${JSON.stringify(here)}); const r = await m.benchOne(${JSON.stringify(spec)}); process.stdout.write('\\n' + JSON.stringify(r) + '\\n'); process.exit(0);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: resolve(here, '..', '..'),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  });
  if (r.status === 0) {
    const lines = r.stdout.trim().split('\n');
    return { result: JSON.parse(lines[lines.length - 1]), error: null };
  }
  const why = (r.stderr || r.error?.message || '').trim().split('\n').filter(Boolean).slice(-2).join(' | ');
  return { result: null, error: `exit ${r.status ?? r.signal}: ${why.slice(0, 300)}` };
}

/** Decode + augment (crop, flips, rotation, colour and HED jitter) to 224 px on one thread, on real patches. */
async function dataPipeline(): Promise<object | null> {
  const dir = resolve(here, '..', '..', '..', 'shared', 'data', 'patches', 'lc25000_lung', 'lung_aca');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jpeg')).map((f) => join(dir, f));
  } catch {
    return null;
  }
  const cfg = AugmentConfig.parse({});
  const t0 = performance.now();
  let decodeMs = 0;
  for (const [i, f] of files.entries()) {
    const d0 = performance.now();
    const img = await decodeImage(f);
    decodeMs += performance.now() - d0;
    augment(img, SIZE, SIZE, cfg, streamRng(0, 'bench', i));
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    images: files.length,
    source: '../shared/data/patches/lc25000_lung/lung_aca (224 px JPEG)',
    imagesPerSecond: +(files.length / seconds).toFixed(1),
    decodeShare: +(decodeMs / 1000 / seconds).toFixed(2),
  };
}

const TORCH_SCRIPT = `
import json, sys, time
spec = json.loads(sys.argv[1])
import torch
torch.set_num_threads(spec["threads"])
from transformers import ViTConfig, ViTForImageClassification, ResNetConfig, ResNetForImageClassification
cfg = dict(spec["config"]); kind = cfg.pop("model_type")
model = (ViTForImageClassification(ViTConfig(num_labels=3, **cfg)) if kind == "vit" else ResNetForImageClassification(ResNetConfig(num_labels=3, **cfg)))
model.train()
if spec["mode"] == "head":
    for n, p in model.named_parameters(): p.requires_grad = n.startswith("classifier")
elif spec["mode"] == "last-k":
    blocks = sorted({".".join(n.split(".")[:4 if kind == "vit" else 5]) for n, _ in model.named_parameters() if ".layer." in n or ".layers." in n})
    keep = set(blocks[-spec["lastK"]:])
    for n, p in model.named_parameters(): p.requires_grad = n.startswith("classifier") or n.startswith("vit.layernorm") or any(n.startswith(b + ".") for b in keep)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.05)
x = torch.randn(spec["batch"], 3, 224, 224); y = torch.arange(spec["batch"]) % 3
loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
def step():
    opt.zero_grad(); loss_fn(model(pixel_values=x).logits, y).backward(); opt.step()
step()
t0 = time.perf_counter(); n = 0
while n < spec["minSteps"] or time.perf_counter() - t0 < spec["minSeconds"]:
    step(); n += 1
print(json.dumps({"imagesPerSecond": n * spec["batch"] / (time.perf_counter() - t0), "torch": torch.__version__, "blas": [l.strip() for l in torch.__config__.show().splitlines() if "BLAS" in l]}))
`;

function pythonWithTorch(): { python: string | null; reason: string } {
  const reasons: string[] = [];
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch, transformers; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, reason: `torch ${r.stdout.trim()}` };
    reasons.push(`${py}: ${(r.error?.message ?? r.stderr.trim().split('\n').pop() ?? '').slice(0, 120)}`);
  }
  return { python: null, reason: reasons.join('; ') };
}

function torchRun(python: string, spec: OneSpec): object {
  const r = spawnSync(
    python,
    ['-c', TORCH_SCRIPT, JSON.stringify({ ...spec, lastK: LAST_K, threads: availableParallelism(), config: BUILTIN_CONFIGS[spec.arch] })],
    { encoding: 'utf8', timeout: 30 * 60 * 1000 },
  );
  if (r.status !== 0) return { error: r.stderr.trim().split('\n').pop() ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function benchTrain(opts: { archs?: Arch[]; modes?: Mode[]; minSteps?: number; minSeconds?: number } = {}): Promise<object> {
  const archs = opts.archs ?? [...BUILTIN_ARCHS];
  const modes = opts.modes ?? ['head', 'last-k', 'full'];
  const minSteps = opts.minSteps ?? 2;
  const minSeconds = opts.minSeconds ?? 8;
  const loadBefore = loadavg()[0]!;
  const torch = pythonWithTorch();
  const results: object[] = [];
  for (const arch of archs) {
    for (const mode of modes) {
      const failed: { batch: number; error: string }[] = [];
      for (let batch = FULL_BATCH; batch >= 1; batch = Math.floor(batch / 2)) {
        process.stderr.write(`[bench train] ${arch} ${mode} batch ${batch}\n`);
        const spec: OneSpec = { arch, mode, batch, minSteps, minSeconds };
        const { result, error } = inChild(spec);
        if (result) {
          results.push({
            ...result,
            ...(batch < FULL_BATCH ? { batchNote: `batch ${FULL_BATCH} did not fit; largest that ran: ${batch}`, failedBatches: failed } : {}),
            ...(torch.python ? { pytorch: torchRun(torch.python, spec) } : {}),
          });
          break;
        }
        failed.push({ batch, error: error! });
        if (batch === 1) results.push({ arch, mode, error: 'did not run at any batch size', failedBatches: failed });
      }
    }
  }
  const data = await dataPipeline();
  return {
    size: SIZE,
    fullBatch: FULL_BATCH,
    labels: LABELS.length,
    optimizer: 'AdamW (decoupled weight decay), label smoothing 0.1',
    cores: availableParallelism(),
    loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0]!.toFixed(2) },
    note: 'tfjs steps run on one thread (the wasm backend in Node); head-mode features use onnxruntime on every core',
    pytorch: torch.python ? { available: true, detail: torch.reason } : { available: false, reason: `PyTorch is not installed on this machine (${torch.reason}); no reference numbers` },
    dataPipeline: data,
    results,
  };
}
