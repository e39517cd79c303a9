/**
 * Messages to a child that has exited while its parent was busy never throw nor leave an
 * uncaught `write EPIPE` (vitest fails the run on an unhandled error). The race CI met is made
 * certain here: the parent blocks its event loop until the child is gone, so the channel still
 * reads as connected when the message is written to a pipe nobody reads.
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { processAlive } from '../../../src/main/process-alive';
import { RunsRepo } from '../../../src/main/store/runs-repo';
import { launchTraining } from '../../../src/main/train/launcher';
import { sendIpc } from '../../../src/main/workers/peer-message';
import { need, needs } from '../../helpers/needs';
import { tempHome } from '../../helpers/temp-home';

// The training worker replaced by a script that exits at once: run from source, the real one
// shares its channel with tsx's esbuild helper, which keeps the socket open a while after it exits.
const exiting = await vi.hoisted(async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tessella-exiting-worker-'));
  const script = join(dir, 'exits.cjs');
  writeFileSync(script, 'process.exit(0);');
  return { dir, script };
});
vi.mock('../../../src/main/workers/entry', async (original) => ({
  ...(await original<typeof import('../../../src/main/workers/entry')>()),
  trainWorker: () => ({ path: exiting.script, execArgv: [] }),
}));

const home = tempHome('tessella-gone-peer-');
afterAll(() => {
  home.cleanup();
  rmSync(exiting.dir, { recursive: true, force: true });
});

/** Waits, without letting the event loop run, until the process has exited (a zombie not yet reaped). */
function blockUntilExited(pid: number): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const t0 = Date.now();
  while (processAlive(pid)) {
    if (Date.now() - t0 > 120_000) throw new Error(`process ${pid} did not exit`);
    Atomics.wait(nap, 0, 0, 20);
  }
}

/** Lets whatever a send left behind (a callback, an 'error' event, a signal) surface. */
const settle = () => new Promise((r) => setTimeout(r, 300));

const onLinux = need('linux', 'the gone-peer test needs Linux', () => process.platform === 'linux');

describe('a message to a peer that is gone', { ...needs(onLinux), timeout: 180_000 }, () => {
  // Whether the write itself fails (EPIPE) depends on the kernel's timing, so the race is run a few times.
  const ROUNDS = 5;

  it('sendIpc to a child that exited unnoticed neither throws nor leaves an error behind', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const child = fork(exiting.script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      const exited = new Promise((r) => child.once('exit', r));
      blockUntilExited(child.pid!);
      expect(child.connected).toBe(true); // the parent has not noticed yet
      expect(typeof (await sendIpc(child, { type: 'cancel' }))).toBe('boolean');
      await exited;
      expect(await sendIpc(child, { type: 'cancel' })).toBe(false);
    }
    await settle();
  });

  it('sendIpc from a process without a channel resolves false', async () => {
    expect(await sendIpc({ connected: false }, { type: 'x' })).toBe(false);
  });

  it('cancel() of a training launch whose worker has exited, before and after the parent notices', async () => {
    const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const launched = launchTraining(new RunsRepo(ctx.db), { runId: 987654, home: ctx.home.root });
        blockUntilExited(launched.pid);
        launched.cancel();
        expect(await launched.done).toEqual({ status: null, error: null }); // no such run: nothing to record
        launched.cancel();
      }
      await settle();
    } finally {
      ctx.close();
    }
  });
});
