/**
 * The training.* and runs.* calls. Runs start in worker processes, one at a time per app (the
 * rest wait as queued); progress goes out as training.progress events. Runs started by another
 * process (the CLI) are seen through the shared database and can be cancelled by signal.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { HandlersFor } from '../../shared/api.js';
import type { CompareSplit, EvalReport, RunDetail, trainingCalls, TrainingProgress } from '../../shared/contract/training.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { datasetLabels, datasetSplitImages } from '../datasets/query.js';
import { RunsRepo } from '../store/runs-repo.js';
import { evaluateFolder, evaluateImages } from './evaluate.js';
import { exportRun } from './export-run.js';
import { launchTraining, type LaunchedRun } from './launcher.js';
import { providersForSetting } from '../ml/engine/providers.js';
import { followForeignRuns } from './foreign-runs.js';
import { ownerAlive, reconcileRuns } from './liveness.js';
import { augmentationPreview } from './preview.js';
import { createRun, requestedDataset, resolveConfig, runDir, trainCacheDir } from './setup.js';
import { preflightTraining } from './preflight.js';

/** A split's evaluation for the comparison view: the headline numbers, ROC curves and reliability bins. */
function compareSplit(rep: EvalReport | null): CompareSplit | null {
  if (!rep) return null;
  return {
    n: rep.n,
    metrics: { accuracy: rep.accuracy, balancedAccuracy: rep.balancedAccuracy, macroF1: rep.macroF1, auc: rep.auc, ece: rep.ece, logLoss: rep.logLoss },
    roc: rep.curves.roc,
    reliability: rep.curves.reliability,
  };
}

/** Runs trained at once by one app: training takes every core it is given. */
const CONCURRENT_RUNS = 1;

export function createTrainingHandlers(ctx: AppContext): HandlersFor<typeof trainingCalls> {
  const repo = new RunsRepo(ctx.db);
  const running = new Map<number, LaunchedRun>();
  const queue: number[] = [];
  /** The onnxruntime providers each queued run's frozen part runs on: the engine.provider setting's choice when it was queued. */
  const providersOf = new Map<number, { providers: string[]; note?: string }>();

  const notFound = (id: number) => new DomainError('not-found', `no training run with id ${id}`);
  const detail = (id: number): RunDetail => {
    const r = repo.get(id);
    if (!r) throw notFound(id);
    return r;
  };
  const emitState = (id: number) => {
    const r = repo.get(id);
    if (!r) return;
    const p: TrainingProgress = {
      runId: id,
      status: r.status,
      phase: r.status === 'queued' ? 'preparing' : 'done',
      epoch: r.epochsCompleted,
      epochs: r.epochs,
      step: 0,
      steps: 0,
      loss: null,
      lr: null,
      imagesPerSecond: r.final?.imagesPerSecond ?? null,
      etaSeconds: null,
      metrics: {},
      ...(r.error ? { message: r.error } : {}),
    };
    ctx.events.emit('training.progress', p);
  };

  followForeignRuns({
    db: ctx.db,
    repo,
    isOurs: (id) => running.has(id) || queue.includes(id),
    emitProgress: (p) => ctx.events.emit('training.progress', p),
    emitState,
  });

  /** Tells every viewer at once that a stop was asked for; the worker confirms with its own report. */
  const emitCancelling = (id: number) => {
    const p = repo.get(id)?.progress;
    if (p) ctx.events.emit('training.progress', { ...p, cancelling: true });
  };

  const pump = () => {
    while (running.size < CONCURRENT_RUNS && queue.length) {
      const id = queue.shift()!;
      const chosen = providersOf.get(id);
      providersOf.delete(id);
      const job = { runId: id, home: ctx.home.root, ...(chosen ? { executionProviders: chosen.providers, ...(chosen.note ? { providerNote: chosen.note } : {}) } : {}) };
      const launched = launchTraining(repo, job, (p) => ctx.events.emit('training.progress', p));
      running.set(id, launched);
      void launched.done.then(() => {
        running.delete(id);
        if (!repo.isOpen()) return; // the host is shutting down: nobody to tell, nothing to start
        emitState(id);
        pump();
      });
    }
  };

  // decided before the run is queued, so a queued run is always in `queue` (isOurs)
  const chooseProviders = () => providersForSetting(ctx.settings.get().engine.provider);
  const enqueue = (id: number, chosen: { providers: string[]; note?: string }) => {
    providersOf.set(id, chosen);
    queue.push(id);
    emitState(id);
    pump();
  };

  const cancel = (id: number): boolean => {
    const r = repo.liveness(id);
    if (!r) throw notFound(id);
    const queued = queue.indexOf(id);
    if (queued >= 0) {
      queue.splice(queued, 1);
      providersOf.delete(id);
      repo.finish(id, r.pid, 'cancelled');
      emitState(id);
      return true;
    }
    const ours = running.get(id);
    if (ours) {
      ours.cancel();
      emitCancelling(id);
      return true;
    }
    if (r.status === 'running' && r.pid !== null && ownerAlive(r.pid, r.heartbeatAt, true)) {
      process.kill(r.pid, 'SIGTERM'); // the worker of another process (the CLI) stops before its next pass
      emitCancelling(id);
      return true;
    }
    return false;
  };

  const evalOpts = () => ({ cacheDir: join(trainCacheDir(ctx.home.root), 'onnx') });

  return {
    'training.start': async (input) => {
      const chosen = await chooseProviders();
      const { runId } = await createRun(ctx.db, input);
      enqueue(runId, chosen);
      return detail(runId);
    },
    'training.preflight': async (input) => {
      const datasetId = requestedDataset(ctx.db, input);
      const config = resolveConfig(input);
      return { datasetId, findings: datasetId === null ? [] : preflightTraining(ctx.db, datasetId, config) };
    },
    'training.evaluate': async ({ model, datasetId, split, dir }) => {
      if (dir !== undefined) return evaluateFolder(resolve(model), resolve(dir), evalOpts());
      const names = datasetLabels(ctx.db, datasetId!);
      const items = datasetSplitImages(ctx.db, datasetId!, split).map((i) => ({ path: i.path, label: names[i.labelIndex] }));
      if (items.length === 0) throw new DomainError('invalid-input', `dataset ${datasetId} has no labelled ${split} images`);
      return evaluateImages(resolve(model), items, evalOpts());
    },
    'training.augmentPreview': async (input) => augmentationPreview(ctx.db, input),
    'runs.list': async ({ status }) => {
      reconcileRuns(repo);
      return repo.list(status);
    },
    'runs.get': async ({ id }) => {
      reconcileRuns(repo);
      return detail(id);
    },
    'runs.metrics': async ({ id, level, fromEpoch }) => {
      detail(id);
      const all = repo.metrics(id, level);
      return fromEpoch === undefined ? all : all.filter((m) => m.epoch >= fromEpoch);
    },
    'runs.compare': async ({ ids }) => {
      reconcileRuns(repo);
      return {
        runs: ids.map((id) => {
          const r = detail(id);
          const curves: Record<string, { epoch: number; value: number }[]> = {};
          for (const m of repo.metrics(id, 'epoch')) (curves[`${m.split}_${m.name}`] ??= []).push({ epoch: m.epoch, value: m.value });
          const rep = r.final?.val ?? r.final?.test ?? null;
          const { config: _c, labels: _l, bestDir: _b, lastDir: _d, outDir: _o, seconds: _s, skipped: _k, final: _f, ...summary } = r;
          return {
            ...summary,
            curves,
            final: {
              accuracy: rep?.accuracy ?? null,
              balancedAccuracy: rep?.balancedAccuracy ?? null,
              macroF1: rep?.macroF1 ?? null,
              auc: rep?.auc ?? null,
              ece: rep?.ece ?? null,
              logLoss: rep?.logLoss ?? null,
              seconds: r.seconds,
              imagesPerSecond: r.final?.imagesPerSecond ?? null,
            },
            splits: { val: compareSplit(r.final?.val ?? null), test: compareSplit(r.final?.test ?? null) },
          };
        }),
      };
    },
    'runs.cancel': async ({ id }) => ({ cancelled: cancel(id) }),
    'runs.resume': async ({ id }) => {
      // a cancelled run's worker may still be winding down; its launcher must see the run as it left it
      await running.get(id)?.done;
      reconcileRuns(repo);
      const r = detail(id);
      if (r.status === 'completed') throw new DomainError('conflict', `run ${id} is completed`);
      if (r.status === 'running' || r.status === 'queued') throw new DomainError('conflict', `run ${id} is already ${r.status}`);
      const chosen = await chooseProviders();
      if (!repo.requeue(id, process.pid)) throw new DomainError('conflict', `run ${id} could not be queued again`);
      enqueue(id, chosen);
      return detail(id);
    },
    'runs.delete': async ({ id }) => {
      detail(id);
      if (cancel(id)) await running.get(id)?.done;
      const { deleted, keptDirs } = repo.delete(id);
      const folder = runDir(ctx.home.runs, id);
      if (keptDirs.some((d) => d.startsWith(folder))) await rm(join(folder, 'last'), { recursive: true, force: true });
      else await rm(folder, { recursive: true, force: true });
      return { deleted };
    },
    'runs.export': async ({ id, dir }) => {
      const { dir: out, files } = await exportRun(repo, id, dir);
      return { dir: out, files };
    },
  };
}
