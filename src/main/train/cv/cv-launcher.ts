/**
 * Starts the cross-validation worker for a group written as running and follows it: relays its
 * progress, asks it to stop, and when it ends without having ended its group (killed, crashed),
 * marks the group failed with the worker's last words.
 */
import { fork } from 'node:child_process';
import type { GroupProgress } from '../../../shared/contract/run-groups.js';
import type { RunGroupsRepo } from '../../store/run-groups-repo.js';
import { cvWorker } from '../../workers/entry.js';
import { sendIpc } from '../../workers/peer-message.js';
import type { CvJob, CvParentMessage, CvWorkerMessage } from './cv-worker-protocol.js';

export interface LaunchedGroup {
  groupId: number;
  cancel(): void;
  /** Settles when the worker has exited and the group is no longer running. */
  done: Promise<void>;
}

const TAIL_BYTES = 4000;

export function launchCrossValidation(repo: RunGroupsRepo, job: CvJob, onProgress: (p: GroupProgress) => void): LaunchedGroup {
  const { path, execArgv } = cvWorker();
  const child = fork(path, [JSON.stringify(job)], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-TAIL_BYTES));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`\n${e.message}`)));
  let error: string | null = null;
  child.on('message', (m: CvWorkerMessage) => {
    if (m.type === 'progress') onProgress({ groupId: job.groupId, ...m.progress });
    else if (m.type === 'error' && !m.cancelled) error = m.message;
  });
  const done = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (repo.isOpen()) {
        const why = error ?? `the cross-validation worker ${signal ? `was killed (${signal})` : `exited with code ${code}`}: ${tail.trim().split('\n').slice(-3).join(' | ')}`;
        // a worker stopped by a signal before it could say so was being cancelled
        if (signal === 'SIGTERM' || signal === 'SIGINT') repo.stop(job.groupId, 'cancelled');
        else repo.stop(job.groupId, 'failed', why);
      }
      resolve();
    });
  });
  return {
    groupId: job.groupId,
    // The child may be exiting already: then the message cannot go and a signal stops it; a child that has exited needs nothing.
    cancel() {
      void sendIpc(child, { type: 'cancel' } satisfies CvParentMessage).then((sent) => {
        if (!sent && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      });
    },
    done,
  };
}
