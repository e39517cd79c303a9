/**
 * A run trained by the CLI, seen and cancelled in the app (Chromium against browser mode on the
 * same data home). Its worker is paused (SIGSTOP) mid-epoch, so nothing new arrives: the run page
 * opened then must say where the run stands from what is stored (Training, epoch, step, time left),
 * never "Stopped (running)"; a click on Cancel must show "Cancelling…" for as long as the paused
 * worker has not confirmed; once resumed (SIGCONT) it stops and the page says cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDb } from '../../src/main/store/db.js';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { tessellaAsync, type CliResult } from '../helpers/cli.js';
import { sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('a CLI run on the run page: where it stands at once, "Cancelling…" until it stops', needs(has.chromium, lung, vitTiny), () => {
  const home = tempHome('tessella-e2e-cancelling-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let workerPid: number | null = null;
  let cli: Promise<CliResult> | null = null;
  const call = <T = any>(name: string, input: unknown) => apiCall<T>(serve, name, input);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 950 } }));
    await call('datasets.import', { path: lung, name: 'lung' });
  });

  afterAll(async () => {
    // never leave a paused worker behind, whatever failed
    if (workerPid !== null) {
      try {
        process.kill(workerPid, 'SIGCONT');
        process.kill(workerPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await cli;
    await endSession(browser, serve, home);
  });

  it('shows the stored progress of a paused run, then Cancelling… until the worker confirms', { timeout: 420_000 }, async () => {
    const env = { TESSELLA_HOME: join(home.dir, 'home') };
    cli = tessellaAsync(['train', '--dataset', 'lung', '--init', vitTiny!, '--mode', 'full', '--epochs', '30', '--batch-size', '2', '--seed', '5', '--out', join(home.dir, 'out'), '--json'], env, 400_000);

    // the run is training, with a step recorded as progress
    let id = 0;
    for (const end = Date.now() + 240_000; ; ) {
      const runs = await call<{ id: number; status: string }[]>('runs.list', { status: 'running' });
      if (runs.length) {
        id = runs[0].id;
        const r = await call('runs.get', { id });
        if (r.progress?.phase === 'training' && r.progress.step >= 1 && r.progress.etaSeconds !== null) break;
      }
      if (Date.now() > end) throw new Error('the CLI run never reported a training step');
      await sleep(100);
    }
    const db = openDb(join(env.TESSELLA_HOME, 'tessella.db'));
    try {
      workerPid = (db.prepare('SELECT pid FROM runs WHERE id = ?').get(id) as { pid: number }).pid;
    } finally {
      db.close();
    }
    process.kill(workerPid, 'SIGSTOP');
    const stored = (await call('runs.get', { id })).progress;

    // opened now, with nothing arriving: the stored progress is what it shows
    await page.goto(`${serve.url}#/runs/${id}`);
    const detail = page.locator(`[data-testid="run-detail"][data-run-id="${id}"]`);
    await detail.waitFor();
    await expect.poll(() => page.getByTestId('live-phase').textContent()).toBe('Training');
    expect(await page.getByTestId('live-epoch').textContent()).toContain(`Epoch ${stored.epoch} / 30`);
    expect(await page.getByTestId('live-epoch').textContent()).toMatch(/step \d+ \/ \d+/);
    expect(await page.getByTestId('live-eta').textContent()).toMatch(/left|almost done/);
    await page.screenshot({ path: join(shots, 'run-cli-paused.png') });

    // Cancel: the request goes out (SIGTERM, pending while paused); the page says so until the worker confirms
    await page.getByTestId('run-cancel').click();
    await expect.poll(() => page.getByTestId('run-cancel').getAttribute('data-cancelling')).toBe('true');
    await expect.poll(() => page.getByTestId('live-phase').textContent()).toBe('Cancelling…');
    expect(await detail.getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: join(shots, 'run-cancelling.png') });

    process.kill(workerPid, 'SIGCONT');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('cancelled');
    workerPid = null;
    const out = await cli;
    expect(out.code, out.stderr).toBe(130);
    expect((await call('runs.get', { id })).status).toBe('cancelled');
  });
});
