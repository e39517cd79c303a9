/**
 * A run trained by the CLI, seen from an app on the same data home: runs.get says where it stands
 * (running, epoch, step, ETA) from the progress its worker stores, without a single event from
 * it; the app relays that progress as training.progress events; and cancelling it from the app
 * stops the CLI's worker, which the app announces as cancelled.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { RunDetail, TrainingProgress } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { tessella, tessellaAsync } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { until } from '../../helpers/wait-until.js';
import { lung, vitTiny } from './fixtures.js';

const home = tempHome('tessella-train-cli-followed-');
const env = { TESSELLA_HOME: join(home.dir, 'home') };
let ctx: AppContext | undefined;
let handlers: Handlers;
const events: TrainingProgress[] = [];
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);

describe('a run started from the CLI, followed by the app', needs(lung, vitTiny), () => {
  beforeAll(() => {
    const imp = tessella(['dataset', 'import', lung!, '--name', 'lung', '--json'], env);
    expect(imp.code, imp.stderr).toBe(0);
  }, 120_000);

  afterAll(() => {
    ctx?.close();
    home.cleanup();
  });

  it('shows it running with epoch and ETA at once, relays its progress and cancels it', async () => {
    const cli = tessellaAsync(['train', '--dataset', 'lung', '--init', vitTiny!, '--mode', 'full', '--epochs', '20', '--batch-size', '2', '--seed', '1', '--out', join(home.dir, 'out'), '--json'], env, 600_000);
    let early: string | null = null;
    void cli.then((r) => (early = `the CLI exited with ${r.code}: ${r.stderr}`));
    // the app opens the home once the CLI's run exists, as a user opening the Runs page would
    const probeCtx = createAppContext({ host: 'browser', home: env.TESSELLA_HOME });
    const id = await until('the CLI run to be trained', () => {
      if (early) throw new Error(early);
      return (probeCtx.db.prepare("SELECT id FROM runs WHERE status = 'running'").get() as { id: number } | undefined)?.id ?? null;
    });
    probeCtx.close();
    ctx = createAppContext({ host: 'browser', home: env.TESSELLA_HOME });
    handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    ctx.events.onAny((name, payload) => {
      if (name === 'training.progress') events.push(payload as TrainingProgress);
    });

    // the first read already knows the epoch, step and time left
    const seen: RunDetail = await until('stored training progress', async () => {
      const r: RunDetail = await call('runs.get', { id });
      return r.progress?.phase === 'training' && r.progress.steps > 0 ? r : null;
    });
    expect(seen.status).toBe('running');
    expect(seen.progress).toMatchObject({ runId: id, status: 'running', epochs: 20 });
    expect(seen.progress!.epoch).toBeGreaterThanOrEqual(1);
    expect(seen.progress!.step).toBeGreaterThanOrEqual(1);
    expect(seen.progress!.etaSeconds).toBeGreaterThan(0);

    // ... and its progress reaches this app as events, step after step
    await until('two relayed steps', () => {
      const mine = events.filter((e) => e.runId === id && e.phase === 'training');
      return new Set(mine.map((e) => `${e.epoch}/${e.step}`)).size >= 2 ? true : null;
    });

    expect(await call('runs.cancel', { id })).toEqual({ cancelled: true });
    expect(events.some((e) => e.runId === id && e.cancelling === true)).toBe(true);
    const out = await cli;
    expect(out.code, out.stderr).toBe(130);
    expect(out.stderr).toMatch(new RegExp(`run ${id} was cancelled`));
    await until('the cancelled event', () => (events.some((e) => e.runId === id && e.status === 'cancelled') ? true : null), 30_000);
    const ended: RunDetail = await call('runs.get', { id });
    expect(ended).toMatchObject({ status: 'cancelled', progress: null });
    expect(ended.epochsCompleted).toBeLessThan(20);
  }, 600_000);
});
