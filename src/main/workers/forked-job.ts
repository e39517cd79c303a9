/**
 * The two ends of a job run in a forked child process (a training run, a cross-validation): the
 * parent forks it with the job as its argument, keeps the tail of its output for the error a
 * crash leaves, and asks it to stop; the child reads its job and turns a 'cancel' message,
 * SIGTERM or SIGINT into an abort. Either end may find the other gone: a message that cannot go
 * is dropped, a parent that leaves makes the child exit.
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { sendIpc } from './peer-message.js';

const TAIL_BYTES = 4000;

export interface ForkedJob {
  child: ChildProcess;
  /** The last lines the child wrote (stdout and stderr), joined with ' | '. */
  lastWords(): string;
  /** Asks the child to stop: a message while its channel is open, else a signal (none once it has exited). */
  cancel(): void;
}

export function forkJob<M>(worker: { path: string; execArgv: string[] }, job: unknown, onMessage: (m: M) => void): ForkedJob {
  const child = fork(worker.path, [JSON.stringify(job)], { execArgv: worker.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: process.env });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-TAIL_BYTES));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // A spawn failure or a failed signal: the 'exit' handler (or its absence) is what counts, never a crash here.
  child.on('error', (e) => keep(Buffer.from(`\n${e.message}`)));
  child.on('message', onMessage);
  return {
    child,
    lastWords: () => tail.trim().split('\n').slice(-3).join(' | '),
    cancel() {
      void sendIpc(child, { type: 'cancel' }).then((sent) => {
        if (!sent && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      });
    },
  };
}

/** The child's end: its job (the first argument, JSON), an abort signal for stopping, and a send that tolerates a parent gone. */
export function jobFromParent<J, M extends Serializable>(): { job: J; signal: AbortSignal; send(m: M): Promise<boolean> } {
  const job = JSON.parse(process.argv[2] ?? '{}') as J;
  const controller = new AbortController();
  process.on('message', (m: { type?: string } | null) => {
    if (m?.type === 'cancel') controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  process.on('SIGINT', () => controller.abort());
  if (process.send) process.on('disconnect', () => process.exit(1));
  return { job, signal: controller.signal, send: (m: M) => sendIpc(process, m) };
}
