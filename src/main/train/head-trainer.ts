/**
 * A backbone run: embed every image of the dataset once with the frozen backbone (the embedding
 * store makes a second run, or another dataset with the same patches, embed nothing), train a
 * logistic-regression sweep or an MLP on the embeddings (plain TypeScript, seconds), and write the
 * head with its backbone reference as a model folder (ml/head/head-folder.ts) that every
 * inference path opens. Each C of the sweep, or each MLP epoch, is recorded as one epoch of the
 * run, so the Runs page draws its curve; the final reports are computed from the embeddings.
 * A resumed run starts over: with the embeddings cached, that is the cheap and exact way.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EvalReport, ResolvedTrainConfig, RunFinal, RunStatus, TrainingProgress } from '../../shared/contract/training.js';
import { runSplitImages } from './run-splits.js';
import { embeddingCacheRoot } from '../ml/infer/embedding-store.js';
import { embedFiles } from '../ml/infer/embed-files.js';
import { writeHeadFolder, type HeadLayers } from '../ml/head/head-folder.js';
import { onnxCacheDir } from '../ml/model-cache.js';
import { isBuiltinName } from '../ml/models/configs.js';
import { modelInputSize } from '../ml/models/processors.js';
import { RunsRepo, type EpochRecord } from '../store/runs-repo.js';
import { exportRun } from './export-run.js';
import { fitHead, headProbabilities, type HeadFit, type TrainedHead } from './heads/fit.js';
import type { HeadData } from './heads/logreg.js';
import { reportFromProbabilities } from './metrics.js';
import { runDir } from './setup.js';
import { endRunOnError } from './run-end.js';
import { threadCount } from '../ml/engine/training-threads.js';
import { ProgressReporter } from './progress-reporter.js';
import { fitStain } from '../ml/preprocess/stain.js';
import type { TrainerEnv } from './trainer.js';

const HEARTBEAT_MS = 2000;

function toLayers(h: TrainedHead): HeadLayers {
  if (h.kind === 'logreg') return { kind: 'logreg', k: h.linear.k, d: h.linear.d, weight: Float32Array.from(h.linear.weight), bias: Float32Array.from(h.linear.bias) };
  const m = h.mlp;
  return { kind: 'mlp', k: m.k, d: m.d, hidden: m.hidden, w1: m.w1, b1: m.b1, w2: m.w2, b2: m.b2 };
}

function stack(rows: Float32Array[], d: number): Float32Array {
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => x.set(r, i * d));
  return x;
}

export async function trainHeadRun(env: TrainerEnv): Promise<RunStatus> {
  const { db, runId, signal } = env;
  const repo = new RunsRepo(db);
  const run = repo.get(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const cfg: ResolvedTrainConfig = run.config;
  const kind = cfg.head ?? 'logreg';
  const backbone = cfg.backbone!;
  const labels = run.labels;
  const pid = process.pid;
  const providers = env.executionProviders?.length ? env.executionProviders : ['cpu'];
  // the provider the embeddings ran on (the requested one until the engine says), and why it is not the one wanted
  const backendLine = (used: string) => {
    const note = env.providerNote ?? (used !== providers[0] ? `${providers[0]} could not start` : undefined);
    return `onnxruntime ${used}, ${threadCount(availableParallelism())} of ${availableParallelism()} cores (embeddings) + TypeScript, 1 thread (${kind} head)${note ? `; ${note}` : ''}`;
  };
  if (!repo.claim(runId, pid, backendLine(providers[0]))) throw new Error(`run ${runId} is being trained by another live process`);
  const timer = setInterval(() => repo.heartbeat(runId, pid), HEARTBEAT_MS).unref();
  const reporter = new ProgressReporter({ repo, runId, pid, epochs: cfg.epochs, signal, onProgress: env.onProgress, minIntervalMs: 0 });
  const progress = (p: Partial<TrainingProgress>) => reporter.report(p);
  try {
    const root = runDir(env.runsRoot, runId);
    const bestDir = join(root, 'best');
    repo.dropAfter(runId, 0);
    if (run.datasetId === null) throw new Error('the dataset of this run has been removed');
    const split = (s: 'train' | 'val' | 'test') => runSplitImages(db, run.datasetId!, run.config, s).map((i) => ({ path: i.path, label: i.labelIndex }));
    const train = split('train');
    const val = split('val');
    const test = split('test');
    const all = [...train, ...val, ...test];

    // ---------- embeddings (cached per backbone and image content) ----------
    const stain = cfg.stain ? await fitStain(cfg.stain) : undefined;
    reporter.phase = 'features';
    progress({ message: `embedding ${all.length} images` });
    const seed = backboneSeed(backbone, cfg.seed);
    const t0 = Date.now();
    const emb = await embedFiles(
      backbone,
      all.map((i) => i.path),
      {
        storeRoot: embeddingCacheRoot(env.homeRoot),
        engineCacheDir: onnxCacheDir(env.homeRoot),
        executionProviders: providers,
        load: { seed },
        stain,
        ...(cfg.precision ? { precision: cfg.precision } : {}),
        signal,
        onProgress: (done, n) => progress({ message: `embeddings ${done}/${n}` }),
      },
    );
    const embedSeconds = (Date.now() - t0) / 1000;
    if (emb.provider && emb.provider !== providers[0]) repo.setBackend(runId, backendLine(emb.provider));
    repo.setSkipped(runId, [...run.skipped, ...emb.skipped.filter((s) => !run.skipped.some((r) => r.path === s.path))]);
    const d = emb.backbone.dim;
    const dataOf = (from: number, items: { path: string; label: number }[]): { data: HeadData; paths: string[] } => {
      const keep = items.map((it, j) => ({ it, e: emb.embeddings[from + j] })).filter((r) => r.e !== null);
      return { data: { x: stack(keep.map((r) => r.e!), d), n: keep.length, d, y: Int32Array.from(keep.map((r) => r.it.label)), k: labels.length }, paths: keep.map((r) => r.it.path) };
    };
    const tr = dataOf(0, train);
    const va = dataOf(train.length, val);
    const te = dataOf(train.length + val.length, test);
    if (tr.data.n === 0) throw new Error('no readable training images');

    // ---------- the head ----------
    reporter.phase = 'training';
    const started = Date.now();
    const history: EpochRecord[] = [];
    const monitor = cfg.monitor;
    let best: { value: number; epoch: number } | null = null;
    let cancelled = false;
    const fit: HeadFit = fitHead(tr.data, va.data.n ? va.data : null, {
      kind,
      balance: cfg.balance !== 'none',
      seed: cfg.seed,
      cs: cfg.cs,
      monitor,
      hidden: cfg.hidden,
      maxEpochs: cfg.epochs,
      patience: cfg.patience ?? 10,
      lr: cfg.lr,
      onStep: (s) => {
        const metrics: Record<string, number> = { ...s.metrics, train_seconds: (Date.now() - started) / 1000 };
        history.push({ epoch: s.step, metrics });
        const v = metrics[monitor];
        const lower = monitor === 'val_loss';
        if (v !== undefined && (!best || (lower ? v < best.value : v > best.value))) best = { value: v, epoch: s.step };
        const b = best as { value: number; epoch: number } | null;
        repo.recordEpochs(runId, [{ epoch: s.step, metrics }], { epochsCompleted: s.step, bestMetric: b?.value ?? null, bestEpoch: b?.epoch ?? null, seconds: (Date.now() - started) / 1000 });
        reporter.metrics = metrics;
        progress({ epoch: s.step, step: 1, steps: 1, loss: metrics.train_loss ?? null });
        if (signal.aborted) {
          cancelled = true;
          return false;
        }
      },
    });
    const seconds = (Date.now() - started) / 1000;
    if (cancelled || fit.cancelled) {
      repo.finish(runId, pid, 'cancelled');
      return 'cancelled';
    }
    // the sweep's choice (or the MLP's best epoch) is the run's best
    repo.recordEpochs(runId, [], { epochsCompleted: fit.steps.length, bestMetric: fit.steps[fit.best - 1]?.metrics[monitor] ?? null, bestEpoch: fit.best, seconds });

    // ---------- the model: head + backbone reference ----------
    await rm(bestDir, { recursive: true, force: true });
    await writeHeadFolder(bestDir, {
      layers: toLayers(fit.head),
      labels,
      backbone: { ref: backbone, hash: emb.backbone.hash, arch: emb.backbone.arch, seed },
      stain: emb.stain,
    });
    repo.setDirs(runId, { best: bestDir, last: bestDir });

    // ---------- reports, from the embeddings (the model gives the same numbers on the images) ----------
    reporter.phase = 'evaluating';
    progress({ epoch: fit.steps.length, message: 'evaluating the head' });
    const report = (part: { data: HeadData }, splitName: 'val' | 'test'): EvalReport | null => {
      if (!part.data.n) return null;
      const p = headProbabilities(fit.head, part.data.x, part.data.n);
      const probs = Array.from({ length: part.data.n }, (_, i) => Array.from(p.subarray(i * labels.length, (i + 1) * labels.length)));
      const skipped = emb.skipped.filter((s) => (splitName === 'val' ? val : test).some((i) => i.path === s.path));
      return { ...reportFromProbabilities(probs, Array.from(part.data.y), labels, { seed: cfg.seed }), skipped };
    };
    const final: RunFinal = {
      val: report(va, 'val'),
      test: report(te, 'test'),
      seconds,
      imagesPerSecond: seconds > 0 ? (tr.data.n * fit.steps.length) / seconds : null,
      stoppedEarly: fit.stoppedEarly,
      embeddings: { backboneHash: emb.backbone.hash, dim: d, images: all.length - emb.skipped.length, computed: emb.computed, seconds: embedSeconds },
    };
    repo.setFinal(runId, final);
    const outDir = cfg.out ?? bestDir;
    if (cfg.out) {
      repo.setDirs(runId, { out: cfg.out });
      await exportRun(repo, runId, cfg.out, { status: 'completed' });
    }
    // the model's hash is its head's and its backbone's (loaded once more, cheap next to embedding)
    const { loadCheckpoint } = await import('../ml/models/checkpoint.js');
    const saved = await loadCheckpoint(outDir);
    repo.registerModel({ name: run.name ?? `run ${runId} (${run.arch})`, arch: saved.arch, dir: outDir, hash: saved.hash, labels, inputSize: modelInputSize(saved.preprocessor).height, runId });
    repo.finish(runId, pid, 'completed');
    env.onProgress?.({ runId, status: 'completed', phase: 'done', epoch: fit.steps.length, epochs: cfg.epochs, step: 0, steps: 0, loss: null, lr: null, imagesPerSecond: final.imagesPerSecond, etaSeconds: 0, metrics: reporter.metrics });
    return 'completed';
  } catch (e) {
    return endRunOnError(repo, runId, pid, signal, e);
  } finally {
    clearInterval(timer);
    reporter.dispose();
  }
}

/** A built-in backbone's weights come from the seed; a checkpoint folder's do not (seed 0 names it). */
export function backboneSeed(ref: string, seed: number): number {
  return isBuiltinName(ref) && !existsSync(ref) ? seed : 0;
}
