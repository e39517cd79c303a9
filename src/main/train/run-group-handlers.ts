/**
 * The run-group calls: cross-validations and sweeps for the Runs pages, and starting, checking
 * and cancelling one (of heads, or of last-k or full fine-tuning) from the Training page. A
 * started group runs in a worker process
 * (cv-launcher.ts); its progress goes out as training.groupProgress events. A group listed as
 * running whose process is gone (a crashed app, a killed CLI) is marked failed when listed; a
 * failed or cancelled group is resumed (runs.resumeGroup) in a worker on the same folds.
 */
import type { HandlersFor } from '../../shared/api.js';
import type { GroupProgress, RunGroupSummary, runGroupCalls } from '../../shared/contract/run-groups.js';
import type { AppContext } from '../app-context.js';
import { DomainError } from '../errors.js';
import { processAlive } from '../process-alive.js';
import { providersForSetting } from '../ml/engine/providers.js';
import { RunGroupsRepo } from '../store/run-groups-repo.js';
import { reconcileGroups } from './cv/group-liveness.js';
import { launchCrossValidation, type LaunchedGroup } from './cv/cv-launcher.js';
import type { CvJob } from './cv/cv-worker-protocol.js';
import { fineTuneCvRequest, fineTunePlan, startFineTuneCvGroup } from './cv/fine-tune-cv-run.js';
import { headCvRequest, startHeadCvGroup } from './cv/head-cv-run.js';
import { preflightCrossValidation, sweepGrid } from './cv/preflight.js';

export function createRunGroupHandlers(ctx: AppContext): HandlersFor<typeof runGroupCalls> {
  const repo = new RunGroupsRepo(ctx.db);
  const running = new Map<number, LaunchedGroup>();
  const notFound = (id: number) => new DomainError('not-found', `no cross-validation or sweep with id ${id}`);

  const reconcile = () => reconcileGroups(repo, (id) => running.has(id));
  const emitState = (id: number) => {
    const g = repo.get(id);
    if (!g) return;
    // running: just started, its images not embedded (heads) or its first run not started yet
    const phase = g.status !== 'running' ? 'done' : g.mode === 'head' ? 'embedding' : 'folds';
    const p: GroupProgress = { groupId: id, status: g.status, phase, done: g.done, total: g.total, ...(g.error ? { message: g.error } : {}) };
    ctx.events.emit('training.groupProgress', p);
  };

  const launch = (job: CvJob): RunGroupSummary => {
    const { groupId } = job;
    const launched = launchCrossValidation(repo, job, (p) => ctx.events.emit('training.groupProgress', p));
    running.set(groupId, launched);
    void launched.done.then(() => {
      running.delete(groupId);
      if (repo.isOpen()) emitState(groupId);
    });
    emitState(groupId);
    const { results: _r, pooledTest: _p, ...summary } = repo.get(groupId)!;
    return summary;
  };
  // a head sweep's embeddings and a fine-tune's frozen part run on the engine.provider setting's choice, decided here once (as single runs do)
  const engineProviders = async (): Promise<Pick<CvJob, 'executionProviders' | 'providerNote'>> => {
    const { providers, note } = await providersForSetting(ctx.settings.get().engine.provider);
    return { executionProviders: providers, ...(note ? { providerNote: note } : {}) };
  };

  return {
    'runs.groups': async () => {
      reconcile();
      return repo.list();
    },
    'runs.group': async ({ id }) => {
      reconcile();
      const g = repo.get(id);
      if (!g) throw notFound(id);
      return g;
    },
    'runs.cancelGroup': async ({ id }) => {
      const g = repo.get(id);
      if (!g) throw notFound(id);
      const ours = running.get(id);
      if (ours) {
        ours.cancel();
        return { cancelled: true };
      }
      const owner = repo.running().find((r) => r.id === id)?.pid ?? null;
      if (owner !== null && owner !== process.pid && processAlive(owner)) {
        process.kill(owner, 'SIGINT'); // a CLI's cross-validation stops before its next fold
        return { cancelled: true };
      }
      return { cancelled: false };
    },
    'runs.resumeGroup': async ({ id }) => {
      // a cancelled group's worker may still be winding down: it must have left the group as it ends it
      await running.get(id)?.done;
      reconcile();
      const g = repo.get(id);
      if (!g) throw notFound(id);
      if (g.status === 'running' || g.status === 'completed') throw new DomainError('conflict', `cross-validation ${id} is ${g.status}; only a cancelled or failed one is resumed`);
      const extra = await engineProviders();
      if (!repo.resume(id, process.pid)) throw new DomainError('conflict', `cross-validation ${id} could not be started again`);
      return launch({ groupId: id, home: ctx.home.root, resume: true, ...extra });
    },
    'training.groupPreflight': async (input) => {
      const gridPoints = sweepGrid(input, input.sweep).length;
      const plan = input.mode === 'head' ? { datasetId: input.datasetId, folds: input.folds, repeats: input.repeats, gridPoints } : fineTunePlan(fineTuneCvRequest(input));
      return { findings: preflightCrossValidation(ctx.db, plan), fits: input.folds * input.repeats * gridPoints };
    },
    'training.startGroup': async (input) => {
      const providers = await engineProviders();
      let job: CvJob;
      if (input.mode === 'head') {
        const request = { mode: 'head' as const, ...headCvRequest(input) };
        job = { groupId: startHeadCvGroup(ctx.db, request), home: ctx.home.root, request, executionProviders: providers.executionProviders };
      } else {
        const request = fineTuneCvRequest(input);
        job = { groupId: startFineTuneCvGroup(ctx.db, request), home: ctx.home.root, request, ...providers };
      }
      return launch(job);
    },
  };
}
