/**
 * The calls the Runs pages read, on real runs of the lung patches with the tiny ViT oracle:
 * runs.groups / runs.group give a cross-validation's mean ± sd, folds and pooled out-of-fold ROC
 * and calibration; runs.compare carries the test split (numbers, ROC, reliability) beside the
 * validation split.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../../src/shared/api.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { createHandlers } from '../../../src/main/handlers.js';
import { runHeadCrossValidation } from '../../../src/main/train/cv/head-cv-run.js';
import type { Handlers } from '../../../src/shared/api.js';
import { tessella } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, lungCopy, oneJson, vitTiny } from './fixtures.js';

const home = tempHome('tessella-run-groups-');
const homeDir = join(home.dir, 'home');
let ctx: AppContext;
let handlers: Handlers;
const call = (name: string, input: unknown): Promise<any> => dispatch(handlers, name, input);
afterAll(() => {
  ctx?.db.close();
  home.cleanup();
});

describe('runs.groups, runs.group and the test split in runs.compare', { ...needs(lung, vitTiny), timeout: 300_000 }, () => {
  let datasetId: number;
  let runId: number;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: homeDir });
    handlers = createHandlers(ctx);
    datasetId = (await importDataset(ctx.db, { path: lungCopy(home.dir).dir, name: 'lung' })).id;
    const r = tessella(['train', '--dataset', 'lung', '--backbone', vitTiny!, '--head', 'logreg', '--out', join(home.dir, 'head'), '--json'], { TESSELLA_HOME: homeDir }, 300_000);
    expect(r.code, r.stderr).toBe(0);
    runId = oneJson(r.stdout).runId;
  }, 300_000);

  it('lists a cross-validation with its mean ± sd and returns its folds and pooled report', async () => {
    const out = await runHeadCrossValidation(ctx.db, homeDir, { datasetId, backbone: vitTiny!, head: 'logreg', folds: 3, repeats: 2, seed: 0, monitor: 'val_accuracy', balance: false, grid: [{}] });
    // the head run embedded every image already: the cross-validation embeds none
    expect(out.embeddings.computed).toBe(0);
    const list = calls['runs.groups'].output.parse(await call('runs.groups', {}));
    expect(list.map((g) => g.id)).toEqual([out.group.id]);
    expect(list[0]).toMatchObject({ kind: 'cv', mode: 'head', folds: 3, repeats: 2, datasetName: 'lung' });
    const acc = out.group.results.map((f) => f.metrics.test_accuracy);
    expect(list[0].points[0].metrics.test_accuracy.mean).toBeCloseTo(acc.reduce((a, b) => a + b, 0) / 6, 12);
    const g = calls['runs.group'].output.parse(await call('runs.group', { id: out.group.id }));
    expect(g.results).toHaveLength(6);
    expect(g.pooledTest!.n).toBe(90);
    await expect(call('runs.group', { id: 999 })).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('compares runs on the test split as well as validation, with ROC and reliability', async () => {
    const cmp = calls['runs.compare'].output.parse(await call('runs.compare', { ids: [runId] }));
    const run = (await call('runs.get', { id: runId })) as any;
    const s = cmp.runs[0].splits;
    expect(s.val!.metrics.accuracy).toBe(run.final.val.accuracy);
    expect(s.test!.metrics.accuracy).toBe(run.final.test.accuracy);
    expect(s.test!.n).toBe(run.final.test.n);
    expect(Object.keys(s.test!.roc).sort()).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(s.test!.reliability.reduce((a, b) => a + b.count, 0)).toBe(run.final.test.n);
  });
});
