/**
 * Starts the cross-validation worker for a group written as running and follows it: relays its
 * progress, asks it to stop, and when it ends without having ended its group (killed, crashed),
 * marks the group failed with the worker's last words.
 */
import type { GroupProgress } from '../../../shared/contract/run-groups.js';
import type { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { cvWorker } from '../../workers/entry.js';
import { forkJob } from '../../workers/forked-job.js';
import type { CvJob, CvWorkerMessage } from './cv-worker-protocol.js';

export interface LaunchedGroup {
  groupId: number;
  cancel(): void;
  /** Settles when the worker has exited and the group is no longer running. */
  done: Promise<void>;
}

export function launchCrossValidation(repo: RunGroupsRepo, job: CvJob, onProgress: (p: GroupProgress) => void): LaunchedGroup {
  let error: string | null = null;
  const forked = forkJob<CvWorkerMessage>(cvWorker(), job, (m) => {
    if (m.type === 'progress') onProgress({ groupId: job.groupId, ...m.progress });
    else if (m.type === 'error' && !m.cancelled) error = m.message;
  });
  const { child } = forked;
  const done = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (repo.isOpen()) {
        const why = error ?? `the cross-validation worker ${signal ? `was killed (${signal})` : `exited with code ${code}`}: ${forked.lastWords()}`;
        // a worker stopped by a signal before it could say so was being cancelled
        if (signal === 'SIGTERM' || signal === 'SIGINT') repo.stop(job.groupId, 'cancelled');
        else repo.stop(job.groupId, 'failed', why);
      }
      resolve();
    });
  });
  return {
    groupId: job.groupId,
    cancel: forked.cancel,
    done,
  };
}
