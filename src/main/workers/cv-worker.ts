/**
 * Child-process entry for one cross-validation started from the app (training.startGroup):
 * embedding, fitting heads and fine-tuning block a process for seconds at a time, never the
 * host's. Runs the code `tessella train --cv` runs in its own process, on a group already written
 * as running: runHeadCrossValidation for heads, crossValidateRuns (one run per fold, trained here)
 * for last-k and full; it counts folds in the database and reports them over IPC. A resume
 * (runs.resumeGroup) runs the group's stored request again, keeping what it finished.
 * Cancel: an IPC 'cancel' message, SIGTERM or SIGINT; heads stop before the next fold, a fold's
 * run before its next pass, and the group is marked cancelled. When the parent goes away the
 * worker exits, and the group, its process gone, is found failed.
 */
import type { CvJob, CvWorkerMessage } from '../train/cv/cv-worker-protocol.js';
import { resumeFineTuneCrossValidation, runFineTuneCrossValidation, type FineTuneCvHooks } from '../train/cv/fine-tune-cv-run.js';
import { runHeadCrossValidation, storedHeadCvRequest } from '../train/cv/head-cv-run.js';
import { RunGroupsRepo } from '../store/run-groups-repo.js';
import { electronNativeBinding } from '../electron/native-binding.js';
import { DomainError } from '../errors.js';
import { ensureHome } from '../home.js';
import { openDb } from '../store/db.js';
import { jobFromParent } from './forked-job.js';

// The parent may be gone: a message that cannot go is dropped.
const { job, signal, send } = jobFromParent<CvJob, CvWorkerMessage>();

async function main(): Promise<number> {
  if (!Number.isInteger(job.groupId) || typeof job.home !== 'string' || (!job.request && !job.resume)) throw new Error('cv-worker: expected {"groupId": N, "home": DIR, "request": {...} or "resume": true} as its argument');
  const home = ensureHome(job.home);
  // Electron runs this file as Node with its own ABI: better-sqlite3 needs the matching build there
  const db = openDb(home.db, { nativeBinding: process.versions.electron ? electronNativeBinding() : undefined });
  const onFold = (done: number, total: number) => void send({ type: 'progress', progress: { status: 'running', phase: 'folds', done, total } });
  try {
    const group = new RunGroupsRepo(db).get(job.groupId);
    if (!group) throw new DomainError('not-found', `no cross-validation or sweep with id ${job.groupId}`);
    const req = job.request;
    if (req?.mode === 'head' || (!req && group.mode === 'head')) {
      await runHeadCrossValidation(db, home.root, req?.mode === 'head' ? req : storedHeadCvRequest(db, job.groupId), {
        groupId: job.groupId,
        ...(job.executionProviders ? { executionProviders: job.executionProviders } : {}),
        signal: signal,
        onEmbed: (done, total) => void send({ type: 'progress', progress: { status: 'running', phase: 'embedding', done, total } }),
        onFold,
      });
    } else {
      let folds = 0;
      let said = '';
      const total = group.total;
      const hooks: FineTuneCvHooks = {
        groupId: job.groupId,
        signal,
        ...(job.executionProviders ? { executionProviders: job.executionProviders } : {}),
        ...(job.providerNote ? { providerNote: job.providerNote } : {}),
        onFold: (done, all) => {
          folds = done;
          onFold(done, all);
        },
        // once per run and epoch is enough for the group's line: the run's own page has the steps
        onRun: (runId, p) => {
          if (said === `${runId}:${p.epoch}`) return;
          said = `${runId}:${p.epoch}`;
          void send({ type: 'progress', progress: { status: 'running', phase: 'training', done: folds, total, run: { id: runId, epoch: p.epoch, epochs: p.epochs } } });
        },
      };
      await (req ? runFineTuneCrossValidation(db, home, req, hooks) : resumeFineTuneCrossValidation(db, home, hooks));
    }
    await send({ type: 'finished' });
    return 0;
  } finally {
    db.close();
  }
}

main().then(
  (code) => process.exit(code),
  async (e: Error) => {
    const cancelled = e instanceof DomainError && e.kind === 'cancelled';
    if (!cancelled) process.stderr.write(`${e.stack ?? e.message}\n`);
    await send({ type: 'error', message: e.message, cancelled });
    process.exit(cancelled ? 0 : 1);
  },
);
