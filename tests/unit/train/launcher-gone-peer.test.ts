/**
 * Messages to a child that is exiting or gone never throw nor leave an uncaught `write EPIPE`
 * (vitest fails the run on an unhandled error): the helper every IPC send goes through, and
 * cancel() of a training launch whose worker has ended or is ending.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { RunsRepo } from '../../../src/main/store/runs-repo';
import { launchTraining } from '../../../src/main/train/launcher';
import { sendIpc } from '../../../src/main/workers/peer-message';
import { tempHome } from '../../helpers/temp-home';

const home = tempHome('tessella-gone-peer-');
afterAll(() => home.cleanup());

describe('a message to a peer that is gone', { timeout: 60_000 }, () => {
  it('sendIpc resolves false, never throws, while a child exits and after it has', async () => {
    const script = join(home.dir, 'exits.cjs');
    writeFileSync(script, 'process.exit(0);');
    for (let round = 0; round < 5; round++) {
      const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      const sends: Promise<boolean>[] = [];
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Sends racing the exit: some go out, the rest meet a closing channel (EPIPE or closed).
      const burst = setInterval(() => {
        for (let i = 0; i < 50; i++) sends.push(sendIpc(child, { type: 'cancel', pad: 'x'.repeat(4096) }));
      }, 0);
      await exited;
      clearInterval(burst);
      const results = await Promise.all(sends);
      expect(results.every((r) => typeof r === 'boolean')).toBe(true);
      expect(await sendIpc(child, { type: 'cancel' })).toBe(false);
    }
  });

  it('sendIpc to a process without a channel (not forked) resolves false', async () => {
    expect(await sendIpc({ connected: false }, { type: 'x' })).toBe(false);
  });

  it('cancel() of a training launch whose worker is ending or has ended does not throw', async () => {
    const ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    try {
      // No such run: the worker fails at once and exits, while cancel() is called again and again.
      const launched = launchTraining(new RunsRepo(ctx.db), { runId: 987654, home: ctx.home.root });
      const spam = setInterval(() => launched.cancel(), 1);
      const outcome = await launched.done;
      clearInterval(spam);
      expect(outcome.status).toBeNull();
      launched.cancel();
      launched.cancel();
      // Anything the cancels left behind (a callback, a signal) gets the chance to surface.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      ctx.close();
    }
  });
});
