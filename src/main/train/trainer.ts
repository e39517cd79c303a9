/**
 * One training run, start or resume, in the process that calls it (the training worker). Reads
 * the run's stored configuration, trains epoch by epoch, records every step and epoch in the
 * database, writes `last/` (and `best/`) checkpoints after each epoch, and at the end scores the
 * best checkpoint on the validation and test splits.
 *
 * Resume: the `last/` checkpoint says how many epochs are done; anything the database holds of
 * later epochs (a partial epoch) is dropped and trained again, and the checkpoint's own metric
 * history is written back, so each epoch is recorded exactly once and nothing is lost. Every
 * random draw is a function of (seed, epoch, position) and the optimizer moments are restored,
 * so a resumed run computes what an uninterrupted one would.
 */
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import type { ResolvedTrainConfig, RunFinal, RunStatus, TrainingProgress } from '../../shared/contract/training.js';
import { runSplitImages } from './run-splits.js';
import { engineInfo, ensureGradients, initBackend } from '../ml/engine/backend.js';
import { threadCount, trainingThreads } from '../ml/engine/training-threads.js';
import { loadCheckpoint, type Checkpoint } from '../ml/models/checkpoint.js';
import { modelInputSize } from '../ml/models/processors.js';
import { readSafetensors } from '../ml/models/safetensors.js';
import type { Db } from '../store/db.js';
import { RunsRepo, type EpochRecord } from '../store/runs-repo.js';
import {
  copyCheckpoint,
  readOptimizerState,
  readTrainerState,
  recoverDir,
  RNG_SCHEME,
  writeTrainingCheckpoint,
  type TrainerState,
} from './checkpoints.js';
import { evaluateImages } from './evaluate.js';
import { exportRun } from './export-run.js';
import { backboneFeatures } from './features.js';
import { embeddingCacheRoot } from '../ml/infer/embedding-store.js';
import { batchPixels, ImageStore, type LabeledImage, type Skipped } from './images.js';
import { epochMetrics, softmax } from './metrics.js';
import { Optimizer } from './optimizers.js';
import { streamRng } from './rng.js';
import { Stepper } from './step.js';
import { batches, epochOrder, inverseFrequencyWeights } from './sampler.js';
import { wasmPassSize } from './memory.js';
import { planOf } from '../ml/arch/index.js';
import { learningRate, type ScheduleSpec } from './schedules.js';
import { runDir, trainCacheDir } from './setup.js';
import { endRunOnError } from './run-end.js';
import { nextTurn } from '../next-turn.js';
import { ProgressReporter } from './progress-reporter.js';
import { fitStain, readStainParams, stainNormalizer, type StainParams } from '../ml/preprocess/stain.js';
import { headModel, networkModel, suffixModel, type TrainModel } from './train-model.js';
import { FrozenPrefix, type HiddenStates } from './frozen-prefix.js';
import { blockCount, frozenBlocks } from '../ml/plan.js';
import { classifierNames } from '../ml/head/head-checkpoint.js';

export interface TrainerEnv {
  db: Db;
  /** Data home root and its runs folder. */
  homeRoot: string;
  runsRoot: string;
  runId: number;
  /** onnxruntime providers for the frozen part, in order (the parent's choice from the engine.provider setting); default cpu. */
  executionProviders?: string[];
  /** Why those are not what the user pinned, said on the run's backend line. */
  providerNote?: string;
  signal: AbortSignal;
  onProgress?: (p: TrainingProgress) => void;
}

const HEARTBEAT_MS = 2000;
const PROGRESS_MS = 250;
const LOWER_IS_BETTER = new Set(['val_loss']);

function improved(value: number | undefined, best: number | null, monitor: string, minDelta: number): boolean {
  if (value === undefined || !Number.isFinite(value)) return false;
  if (best === null) return true;
  return LOWER_IS_BETTER.has(monitor) ? value < best - minDelta : value > best + minDelta;
}

function mergeSkipped(a: Skipped[], b: Skipped[]): Skipped[] {
  const seen = new Set(a.map((s) => s.path));
  return [...a, ...b.filter((s) => !seen.has(s.path))];
}

export async function trainRun(env: TrainerEnv): Promise<RunStatus> {
  const { db, runId, signal } = env;
  const repo = new RunsRepo(db);
  const run = repo.get(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const cfg: ResolvedTrainConfig = run.config;
  // embed once, train a head: a process of its own (no tfjs, no epochs over images)
  if (cfg.backbone !== undefined) return (await import('./head-trainer.js')).trainHeadRun(env);
  const labels = run.labels;
  const pid = process.pid;

  const backend = await initBackend();
  const grads = await ensureGradients();
  if (!grads.ok) throw new Error(`gradients unavailable: ${grads.error}`);
  const info = engineInfo();
  // the run page says how many threads train, and on how many cores
  const threads = trainingThreads(backend.backend, info.threads);
  const tfjsName = `tfjs ${backend.backend}${info.backend === 'wasm' ? ` (${info.simd ? 'simd' : 'no simd'})` : ''}, ${threadCount(threads.network)} of ${threads.cores} cores`;
  const providers = env.executionProviders?.length ? env.executionProviders : ['cpu'];
  // the provider the frozen part ran on (the requested one until an engine says), and why it is not the one wanted
  const providerNote = (used: string) => {
    const note = env.providerNote ?? (used !== providers[0] ? `${providers[0]} could not start` : undefined);
    return note ? `; ${note}` : '';
  };
  const headLine = (used: string) => `onnxruntime ${used}, ${threadCount(threads.frozen)} (frozen backbone) + ${tfjsName} (head)${providerNote(used)}`;
  let backendName =
    cfg.mode === 'head'
      ? headLine(providers[0])
      : cfg.mode === 'last-k'
        ? `${tfjsName} (last blocks) + onnxruntime ${providers[0]}, ${threadCount(threads.frozen)} (frozen blocks)${providerNote(providers[0])}`
        : tfjsName;
  if (!repo.claim(runId, pid, backendName)) throw new Error(`run ${runId} is being trained by another live process`);

  let lastBeat = Date.now();
  const beat = (force = false) => {
    if (force || Date.now() - lastBeat >= HEARTBEAT_MS) {
      repo.heartbeat(runId, pid);
      lastBeat = Date.now();
    }
  };
  const timer = setInterval(() => beat(true), HEARTBEAT_MS * 2).unref();

  const reporter = new ProgressReporter({ repo, runId, pid, epochs: cfg.epochs, signal, onProgress: env.onProgress, minIntervalMs: PROGRESS_MS });
  const progress = (p: Partial<TrainingProgress>, force = false) => reporter.report(p, force);

  let model: TrainModel | null = null;
  let optimizer: Optimizer | null = null;
  let prefix: FrozenPrefix | null = null;
  try {
    const root = runDir(env.runsRoot, runId);
    const lastDir = join(root, 'last');
    const bestDir = join(root, 'best');
    await recoverDir(lastDir);
    await recoverDir(bestDir);
    repo.setDirs(runId, { last: lastDir, best: bestDir });

    // ---------- where the run stands ----------
    const state: TrainerState | null = await readTrainerState(lastDir);
    repo.dropAfter(runId, state?.epoch ?? 0);
    if (state) {
      repo.recordEpochs(runId, state.history, { epochsCompleted: state.epoch, bestMetric: state.bestMetric, bestEpoch: state.bestEpoch, seconds: state.seconds });
      // killed between writing last/ and copying it to best/
      if (state.bestEpoch === state.epoch && (await readTrainerState(bestDir))?.epoch !== state.epoch) await copyCheckpoint(lastDir, bestDir);
    }

    // ---------- data ----------
    if (run.datasetId === null) throw new Error('the dataset of this run has been removed');
    const trainAll: LabeledImage[] = runSplitImages(db, run.datasetId, run.config, 'train').map((i) => ({ path: i.path, label: i.labelIndex }));
    const valAll: LabeledImage[] = runSplitImages(db, run.datasetId, run.config, 'val').map((i) => ({ path: i.path, label: i.labelIndex }));
    const testAll: LabeledImage[] = runSplitImages(db, run.datasetId, run.config, 'test').map((i) => ({ path: i.path, label: i.labelIndex }));
    let stainParams: StainParams | null = null;
    if (cfg.stain) stainParams = (state && (await readStainParams(lastDir))) || (await fitStain(cfg.stain));
    const store = new ImageStore(stainParams ? stainNormalizer(stainParams) : null);
    const total = trainAll.length + valAll.length;
    progress({ message: `reading ${total} images` }, true);
    const checked = await store.check([...trainAll, ...valAll], (done) => progress({ message: `reading images ${done}/${total}` }), signal);
    const bad = new Set(checked.skipped.map((s) => s.path));
    const train = trainAll.filter((i) => !bad.has(i.path));
    const val = valAll.filter((i) => !bad.has(i.path));
    repo.setSkipped(runId, mergeSkipped(run.skipped, checked.skipped));
    if (train.length === 0) throw new Error('no readable training images');
    signal.throwIfAborted();

    // ---------- model ----------
    let ckpt: Checkpoint;
    let trainX: Float32Array[] | null = null;
    let valX: Float32Array[] | null = null;
    // last-k: the frozen blocks' outputs, cached (train only without augmentation)
    let trainHidden: HiddenStates | null = null;
    let valHidden: HiddenStates | null = null;
    const aug = cfg.mode === 'head' ? null : cfg.augment;
    if (cfg.mode === 'head') {
      // the frozen backbone is the starting checkpoint's, so its cached features serve a resume too
      ckpt = await loadCheckpoint(cfg.init ?? cfg.arch!, { labels, seed: cfg.seed });
      if (state) {
        const { weight, bias } = classifierNames(ckpt);
        const head = await readSafetensors(join(lastDir, 'model.safetensors'), { filter: (n) => n === weight || n === bias });
        for (const [n, e] of head) ckpt.weights.set(n, e);
      }
      reporter.phase = 'features';
      const paths = [...train, ...val].map((i) => i.path);
      const feats = await backboneFeatures(ckpt, paths, store, {
        storeRoot: embeddingCacheRoot(env.homeRoot),
        engineCacheDir: join(trainCacheDir(env.homeRoot), 'onnx'),
        executionProviders: providers,
        stain: stainParams,
        legacyDir: join(trainCacheDir(env.homeRoot), 'features'),
        signal,
        onProgress: (done, n) => progress({ message: `features ${done}/${n}` }),
      });
      if (feats.provider && feats.provider !== providers[0]) repo.setBackend(runId, (backendName = headLine(feats.provider)));
      trainX = feats.features.slice(0, train.length);
      valX = feats.features.slice(train.length);
      model = headModel(ckpt);
    } else if (cfg.mode === 'last-k') {
      ckpt = await loadCheckpoint(state ? lastDir : (cfg.init ?? cfg.arch!), { labels, seed: cfg.seed });
      const plan = planOf(ckpt);
      const cut = frozenBlocks(plan, cfg.lastK);
      prefix = await FrozenPrefix.load(ckpt, plan, cut, join(trainCacheDir(env.homeRoot), 'onnx'), providers);
      const blocks = (n: number) => `${n} block${n === 1 ? '' : 's'}`;
      backendName = `${tfjsName} (last ${blocks(blockCount(plan) - cut)}) + onnxruntime ${prefix.provider}, ${threadCount(prefix.threads)} (first ${blocks(cut)}, frozen)${providerNote(prefix.provider)}`;
      repo.setBackend(runId, backendName);
      model = suffixModel(ckpt, cut);
      ckpt.weights.clear(); // the variables and the suffix model's frozen copy hold them now
      reporter.phase = 'features';
      const cacheOpts = { cacheDir: trainCacheDir(env.homeRoot), stainKey: stainParams ? JSON.stringify(stainParams) : '', signal };
      // what does not fit the cache's limit is computed per batch instead, as augmented images are
      const cacheTrain = !aug && prefix.fitsCache(train.length + val.length);
      const cached = cacheTrain ? [...train, ...val] : prefix.fitsCache(val.length) ? val : [];
      if (cached.length) {
        const all = await prefix.cache(cached.map((i) => i.path), store, ckpt, { ...cacheOpts, onProgress: (done, n) => progress({ message: `frozen blocks ${done}/${n}` }) });
        if (cacheTrain) trainHidden = all.slice(0, train.length);
        valHidden = all.slice(cacheTrain ? train.length : 0);
      }
    } else {
      ckpt = await loadCheckpoint(state ? lastDir : (cfg.init ?? cfg.arch!), { labels, seed: cfg.seed });
      model = networkModel(ckpt, cfg.mode, cfg.lastK);
      ckpt.weights.clear(); // the variables hold them now
    }
    const ckptLabels = Object.keys(ckpt.id2label).map(Number).sort((a, b) => a - b).map((i) => ckpt.id2label[i]);
    if (ckptLabels.join('\0') !== labels.join('\0')) throw new Error(`checkpoint labels ${ckptLabels.join(', ')} differ from the run's ${labels.join(', ')}`);

    optimizer = new Optimizer(model.params, model.trainable, { kind: cfg.optimizer, weightDecay: cfg.weightDecay, betas: cfg.betas as [number, number], eps: 1e-8, momentum: cfg.momentum });
    if (state) optimizer.loadState(await readOptimizerState(lastDir), state.optimizerSteps);

    // ---------- schedule ----------
    const perStep = cfg.batchSize * cfg.accumulate;
    const stepsPerEpoch = Math.ceil(train.length / perStep);
    const totalSteps = stepsPerEpoch * cfg.epochs;
    const schedule: ScheduleSpec = {
      baseLr: cfg.lr,
      warmupSteps: Math.min(totalSteps, Math.round(cfg.warmupEpochs * stepsPerEpoch)),
      totalSteps,
      decay: cfg.decay,
      minLrRatio: cfg.minLrRatio,
    };
    const trainLabels = train.map((i) => i.label);
    const weights = cfg.balance === 'loss' ? inverseFrequencyWeights(trainLabels, labels.length) : null;
    const stepper = new Stepper(model, optimizer, { weights, labelSmoothing: cfg.labelSmoothing, maxGradNorm: cfg.maxGradNorm });
    const { height, width } = modelInputSize(ckpt.preprocessor);
    // the wasm heap stops at 4 GB: bigger batches are done in several passes, gradients summed
    const totalParams = [...model.params.values()].reduce((a, v) => a + v.size, 0);
    const trainableParams = model.trainable.reduce((a, n) => a + model!.params.get(n)!.size, 0);
    const passSize =
      cfg.mode === 'head' || backend.backend !== 'wasm'
        ? cfg.batchSize
        : Math.min(cfg.batchSize, wasmPassSize(planOf(ckpt), totalParams, trainableParams, model.batchNormTrains, prefix?.cut ?? 0));
    if (passSize < cfg.batchSize) repo.setBackend(runId, `${backendName}; ${passSize} images per pass (wasm heap)`);

    const inputOf = async (idx: number[], epoch: number, positions: number[]): Promise<tf.Tensor> => {
      if (trainX) {
        const d = trainX[0].length;
        const data = new Float32Array(idx.length * d);
        idx.forEach((i, j) => data.set(trainX![i], j * d));
        return tf.tensor2d(data, [idx.length, d]);
      }
      if (trainHidden) return tf.tensor(await trainHidden.batch(idx), [idx.length, ...prefix!.shape]);
      const rands = positions.map((p) => streamRng(cfg.seed, 'augment', epoch, p));
      const px = await batchPixels(store, idx.map((i) => train[i].path), ckpt.preprocessor, aug, rands);
      if (prefix) return tf.tensor(await prefix.run(px, idx.length), [idx.length, ...prefix.shape]);
      return tf.tensor4d(px, [idx.length, 3, height, width]);
    };

    const validate = async (): Promise<Record<string, number>> => {
      if (val.length === 0) return {};
      const probs: number[][] = [];
      for (let s = 0; s < val.length; s += cfg.batchSize) {
        await nextTurn();
        signal.throwIfAborted();
        const chunk = val.slice(s, s + cfg.batchSize);
        let x: tf.Tensor;
        if (valX) {
          const d = valX[0].length;
          const data = new Float32Array(chunk.length * d);
          chunk.forEach((_, j) => data.set(valX![s + j], j * d));
          x = tf.tensor2d(data, [chunk.length, d]);
        } else if (valHidden) {
          x = tf.tensor(await valHidden.batch(chunk.map((_, j) => s + j)), [chunk.length, ...prefix!.shape]);
        } else {
          const px = await batchPixels(store, chunk.map((i) => i.path), ckpt.preprocessor, null);
          x = prefix ? tf.tensor(await prefix.run(px, chunk.length), [chunk.length, ...prefix.shape]) : tf.tensor4d(px, [chunk.length, 3, height, width]);
        }
        const logits = tf.tidy(() => model!.forward(x, false).logits.arraySync());
        x.dispose();
        probs.push(...logits.map((l) => softmax(l)));
        beat();
      }
      const m = epochMetrics(probs, val.map((i) => i.label), labels.length);
      const out: Record<string, number> = { val_loss: m.loss, val_accuracy: m.accuracy, val_balanced_accuracy: m.balanced_accuracy, val_macro_f1: m.macro_f1 };
      if (m.auc !== null) out.val_auc = m.auc;
      return out;
    };

    // ---------- epochs ----------
    let history: EpochRecord[] = state?.history ?? [];
    let bestMetric = state?.bestMetric ?? null;
    let bestEpoch = state?.bestEpoch ?? null;
    let sinceImprovement = state?.sinceImprovement ?? 0;
    let seconds = state?.seconds ?? 0;
    let cancelled = false;
    let stoppedEarly = cfg.patience !== null && sinceImprovement >= cfg.patience;
    const sessionStart = Date.now();
    let sessionSteps = 0;
    reporter.phase = 'training';

    for (let epoch = (state?.epoch ?? 0) + 1; epoch <= cfg.epochs && !stoppedEarly; epoch++) {
      const t0 = Date.now();
      const order = epochOrder(trainLabels, epoch, cfg.seed, cfg.balance === 'sampler');
      let lossSum = 0;
      let lossDenom = 0;
      let correct = 0;
      let seen = 0;
      let position = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const stepImages = order.slice(s * perStep, (s + 1) * perStep);
        const stepLabels = stepImages.map((i) => trainLabels[i]);
        const denom = weights ? stepLabels.reduce((a, l) => a + weights[l], 0) : stepLabels.length;
        const lr = learningRate(optimizer.steps, schedule);
        let stepLoss = 0;
        for (const idx of batches(stepImages, passSize)) {
          // checked before every pass, so a step of many passes stops part-way; its partial
          // gradients are dropped and the epoch is trained again on resume from last/
          await nextTurn();
          if (signal.aborted) {
            cancelled = true;
            break;
          }
          const positions = idx.map((_, j) => position + j);
          position += idx.length;
          const x = await inputOf(idx, epoch, positions);
          const y = idx.map((i) => trainLabels[i]);
          const r = stepper.accumulate(x, y, denom);
          stepLoss += r.loss;
          y.forEach((l, j) => (correct += r.predicted[j] === l ? 1 : 0));
          seen += y.length;
        }
        if (cancelled) {
          stepper.discard();
          break;
        }
        stepper.apply(lr);
        lossSum += stepLoss * denom;
        lossDenom += denom;
        sessionSteps++;
        repo.recordStep(runId, epoch, optimizer.steps, { train_loss: stepLoss, train_lr: lr });
        beat();
        const elapsed = (Date.now() - sessionStart) / 1000;
        const remaining = (cfg.epochs - epoch) * stepsPerEpoch + (stepsPerEpoch - s - 1);
        progress({ epoch, step: s + 1, steps: stepsPerEpoch, loss: stepLoss, lr, imagesPerSecond: seen / ((Date.now() - t0) / 1000), etaSeconds: (elapsed / sessionSteps) * remaining }, s === 0);
      }
      if (cancelled) break;
      const trainSeconds = (Date.now() - t0) / 1000;
      reporter.phase = 'validating';
      progress({ epoch, step: stepsPerEpoch, steps: stepsPerEpoch, message: 'validating' }, true);
      const valMetrics = await validate();
      const epochSeconds = (Date.now() - t0) / 1000;
      seconds += epochSeconds;
      const metrics: Record<string, number> = {
        train_loss: lossSum / lossDenom,
        train_accuracy: correct / seen,
        train_lr: learningRate(Math.max(0, optimizer.steps - 1), schedule),
        train_seconds: trainSeconds,
        train_images_per_second: seen / trainSeconds,
        ...valMetrics,
        ...(val.length ? { val_seconds: epochSeconds - trainSeconds } : {}),
      };
      // without validation images every epoch counts as the best so far
      const isBest = val.length === 0 || improved(metrics[cfg.monitor], bestMetric, cfg.monitor, cfg.minDelta);
      if (isBest) {
        bestMetric = metrics[cfg.monitor] ?? null;
        bestEpoch = epoch;
        sinceImprovement = 0;
      } else sinceImprovement++;
      const record: EpochRecord = { epoch, metrics };
      history = [...history, record];
      const trainerState: TrainerState = {
        version: 1,
        epoch,
        optimizerSteps: optimizer.steps,
        bestMetric,
        bestEpoch,
        sinceImprovement,
        seconds,
        history,
        rng: { seed: cfg.seed, nextEpoch: epoch + 1, scheme: RNG_SCHEME },
        labels,
      };
      await writeTrainingCheckpoint(lastDir, {
        ckpt: { arch: ckpt.arch, config: ckpt.config, preprocessor: ckpt.preprocessor, id2label: ckpt.id2label, weights: model.exportWeights() },
        optimizer: optimizer.stateTensors(),
        state: trainerState,
        stain: stainParams,
      });
      if (isBest) await copyCheckpoint(lastDir, bestDir);
      repo.recordEpochs(runId, [record], { epochsCompleted: epoch, bestMetric, bestEpoch, seconds });
      reporter.metrics = metrics;
      stoppedEarly = cfg.patience !== null && sinceImprovement >= cfg.patience && epoch < cfg.epochs;
      reporter.phase = 'training';
      progress({ epoch, step: stepsPerEpoch, steps: stepsPerEpoch, loss: metrics.train_loss, lr: metrics.train_lr, imagesPerSecond: metrics.train_images_per_second }, true);
    }

    if (cancelled) {
      repo.finish(runId, pid, 'cancelled');
      return 'cancelled';
    }

    // ---------- final evaluation of the best checkpoint ----------
    reporter.phase = 'evaluating';
    progress({ epoch: cfg.epochs, message: 'evaluating the best checkpoint' }, true);
    model.dispose();
    model = null;
    optimizer.dispose();
    optimizer = null;
    await prefix?.dispose();
    prefix = null;
    const cacheDir = join(trainCacheDir(env.homeRoot), 'onnx');
    const named = (items: LabeledImage[]) => items.filter((i) => !bad.has(i.path)).map((i) => ({ path: i.path, label: labels[i.label] }));
    const evalOpts = { cacheDir, seed: cfg.seed, signal };
    const valReport = val.length ? await evaluateImages(bestDir, named(val), evalOpts) : null;
    const testReport = testAll.length ? await evaluateImages(bestDir, named(testAll), evalOpts) : null;
    const trained = history.reduce((a, h) => a + (h.metrics.train_images_per_second ?? 0) * (h.metrics.train_seconds ?? 0), 0);
    const trainTime = history.reduce((a, h) => a + (h.metrics.train_seconds ?? 0), 0);
    const final: RunFinal = {
      val: valReport,
      test: testReport,
      seconds,
      imagesPerSecond: trainTime > 0 ? trained / trainTime : null,
      stoppedEarly: history.length > 0 && history[history.length - 1].epoch < cfg.epochs,
    };
    repo.setFinal(runId, final);
    if (testReport) repo.setSkipped(runId, mergeSkipped(repo.get(runId)!.skipped, testReport.skipped));
    if (cfg.out) {
      repo.setDirs(runId, { out: cfg.out });
      await exportRun(repo, runId, cfg.out, { status: 'completed' });
    }
    const saved = await loadCheckpoint(cfg.out ?? bestDir);
    repo.registerModel({
      name: run.name ?? `run ${runId} (${run.arch}, ${cfg.mode})`,
      arch: saved.arch,
      dir: cfg.out ?? bestDir,
      hash: saved.hash,
      labels,
      inputSize: modelInputSize(saved.preprocessor).height,
      runId,
    });
    repo.finish(runId, pid, 'completed');
    env.onProgress?.({ runId, status: 'completed', phase: 'done', epoch: history.at(-1)?.epoch ?? 0, epochs: cfg.epochs, step: 0, steps: 0, loss: null, lr: null, imagesPerSecond: final.imagesPerSecond, etaSeconds: 0, metrics: reporter.metrics });
    return 'completed';
  } catch (e) {
    return endRunOnError(repo, runId, pid, signal, e);
  } finally {
    clearInterval(timer);
    reporter.dispose();
    model?.dispose();
    optimizer?.dispose();
    await prefix?.dispose();
  }
}
