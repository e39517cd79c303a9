/**
 * Pre-flight checks of a training request on small datasets made of real LC25000 lung patches:
 * a 2-image set with no validation or test split, a single class, an imbalanced set, and the
 * whole set (which must raise nothing). Through the function, createRun (errors stop a run,
 * warnings come back) and the training.preflight call.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../src/shared/api.js';
import type { PreflightFinding } from '../../../src/shared/contract/training.js';
import { createAppContext, type AppContext } from '../../../src/main/app-context.js';
import { importDataset } from '../../../src/main/datasets/import.js';
import { dispatch } from '../../../src/main/dispatch.js';
import { DomainError } from '../../../src/main/errors.js';
import { createTrainingHandlers } from '../../../src/main/train/handlers.js';
import { preflightTraining } from '../../../src/main/train/preflight.js';
import { createRun } from '../../../src/main/train/setup.js';
import { needs } from '../../helpers/needs.js';
import { lungSubset } from '../../helpers/lung-subset.js';
import { tempHome } from '../../helpers/temp-home.js';
import { lung, lungCopy, oneJson, resnetTiny } from './fixtures.js';
import { tessella } from '../../helpers/cli.js';

const home = tempHome('tessella-preflight-');
let ctx: AppContext;

/** A class-per-folder copy of the first `n` patches of each named class. */
const subset = (name: string, perClass: Record<string, number>) => lungSubset(join(home.dir, name), perClass);

const allTrain = { train: 1, val: 0, test: 0 };
const full = { mode: 'full' as const, batchSize: 16, accumulate: 1, arch: 'vit-ti16' as const };
const codes = (f: PreflightFinding[]) => f.map((x) => x.code).sort();

describe('training pre-flight', needs(lung, resnetTiny), () => {
  let tiny: number;
  let single: number;
  let skewed: number;
  let whole: number;

  beforeAll(async () => {
    ctx = createAppContext({ host: 'cli', home: join(home.dir, 'home') });
    tiny = (await importDataset(ctx.db, { path: subset('tiny', { lung_aca: 1, lung_n: 1 }), name: 'tiny', splits: allTrain })).id;
    single = (await importDataset(ctx.db, { path: subset('single', { lung_aca: 6 }), name: 'single', splits: allTrain })).id;
    skewed = (await importDataset(ctx.db, { path: subset('skewed', { lung_aca: 10, lung_n: 3, lung_scc: 10 }), name: 'skewed', splits: allTrain })).id;
    whole = (await importDataset(ctx.db, { path: lungCopy(home.dir).dir, name: 'whole' })).id;
  }, 120_000);
  afterAll(() => {
    ctx?.db.close();
    home.cleanup();
  });

  it('a 2-image set without validation or test: every warning, each naming the problem and a fix', () => {
    const f = preflightTraining(ctx.db, tiny, full);
    expect(codes(f)).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split', 'smaller-than-batch']);
    expect(f.every((x) => x.severity === 'warning' && x.fix.length > 0)).toBe(true);
    const few = f.filter((x) => x.code === 'few-class-images').map((x) => x.message);
    expect(few).toEqual(['class "lung_aca" has only 1 training image (fewer than 5)', 'class "lung_n" has only 1 training image (fewer than 5)']);
    expect(f.find((x) => x.code === 'smaller-than-batch')!.message).toContain('2 training images, fewer than one batch (16)');
    expect(f.find((x) => x.code === 'no-val-split')!.fix).toContain('--val');
  });

  it('a head on a backbone takes no batch size: no batch warning, and the missing validation is about the C sweep', () => {
    const f = preflightTraining(ctx.db, tiny, { mode: 'head', batchSize: 16, accumulate: 1, backbone: resnetTiny!, head: 'logreg' });
    expect(codes(f)).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split']);
    expect(f.find((x) => x.code === 'no-val-split')!.message).toContain('cannot choose C');
    const mlp = preflightTraining(ctx.db, tiny, { mode: 'head', batchSize: 16, accumulate: 1, backbone: resnetTiny!, head: 'mlp' });
    expect(codes(mlp)).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split']);
    expect(mlp.find((x) => x.code === 'no-val-split')!.message).toContain('best epoch');
  });

  it('one class only is an error; createRun refuses it before a run exists', async () => {
    const f = preflightTraining(ctx.db, single, full);
    expect(f.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual(['too-few-classes']);
    const err = await createRun(ctx.db, { datasetId: single, arch: 'vit-ti16' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('preflight');
    expect((err as DomainError).message).toContain('dataset "single": only 1 class has training images');
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 });
  });

  it('an under-represented class is named with its count', () => {
    const few = preflightTraining(ctx.db, skewed, full).filter((x) => x.code === 'few-class-images');
    expect(few.map((x) => x.message)).toEqual(['class "lung_n" has only 3 training images (fewer than 5)']);
    expect(few[0]!.fix).toContain('lung_n');
  });

  it('the whole lung set raises nothing, except a head on random weights', () => {
    expect(preflightTraining(ctx.db, whole, full)).toEqual([]);
    expect(preflightTraining(ctx.db, whole, { mode: 'head', batchSize: 16, accumulate: 1, init: resnetTiny! })).toEqual([]);
    expect(preflightTraining(ctx.db, whole, { mode: 'head', batchSize: 16, accumulate: 1, backbone: resnetTiny! })).toEqual([]);
    expect(codes(preflightTraining(ctx.db, whole, { mode: 'head', batchSize: 16, accumulate: 1, arch: 'vit-ti16' }))).toEqual(['untrained-backbone']);
    const random = preflightTraining(ctx.db, whole, { mode: 'head', batchSize: 16, accumulate: 1, backbone: 'resnet-18', head: 'logreg' });
    expect(random).toHaveLength(1);
    expect(random[0]!.message).toContain('resnet-18, a built-in architecture with random weights');
  });

  it('createRun starts despite warnings and hands them back', async () => {
    const { runId, warnings } = await createRun(ctx.db, { datasetId: tiny, arch: 'vit-ti16', batchSize: 2 });
    expect(runId).toBeGreaterThan(0);
    expect(codes(warnings)).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split']);
  });

  it('training.preflight through the dispatch: by id, by an imported folder, and for a folder not imported yet', async () => {
    const handlers = createTrainingHandlers(ctx) as unknown as Handlers;
    const call = (input: unknown): Promise<any> => dispatch(handlers, 'training.preflight', input);
    const byId = await call({ datasetId: tiny, arch: 'vit-ti16', batchSize: 2 });
    expect(byId.datasetId).toBe(tiny);
    expect(codes(byId.findings)).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split']);
    const byFolder = await call({ data: join(home.dir, 'single'), arch: 'vit-ti16' });
    expect(byFolder.datasetId).toBe(single);
    expect(byFolder.findings.map((x: PreflightFinding) => x.severity)).toContain('error');
    expect(await call({ data: join(home.dir, 'not-imported'), arch: 'vit-ti16' })).toEqual({ datasetId: null, findings: [] });
    await expect(call({ datasetId: 999, arch: 'vit-ti16' })).rejects.toThrow(/no dataset with id 999/);
    await expect(call({ datasetId: tiny })).rejects.toThrow(/arch/);
  });
});

describe('tessella train pre-flight', { ...needs(lung, resnetTiny), timeout: 240_000 }, () => {
  const env = { TESSELLA_HOME: join(home.dir, 'cli-home') };

  it('refuses a single-class folder in one line, before any run exists', () => {
    const r = tessella(['train', '--data', subset('cli-single', { lung_scc: 6 }), '--arch', 'vit-ti16', '--out', join(home.dir, 'cli-out-single'), '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tessella: dataset "cli-single": only 1 class has training images; a classifier needs at least 2 \(fix: label images of another class, or import a folder with one subfolder per class\)$/m);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('trains despite warnings, printing each on stderr with its fix (stdout stays one JSON document)', () => {
    const imported = tessella(['dataset', 'import', subset('cli-tiny', { lung_aca: 1, lung_n: 1 }), '--train', '1', '--val', '0', '--test', '0', '--json'], env);
    expect(imported.code, imported.stderr).toBe(0);
    const r = tessella(['train', '--dataset', 'cli-tiny', '--backbone', resnetTiny!, '--out', join(home.dir, 'cli-out-tiny'), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(oneJson(r.stdout).status).toBe('completed');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toBe('warning: class "lung_aca" has only 1 training image (fewer than 5) (fix: label more "lung_aca" images, or remove the class)');
    expect(warnings.some((w) => w.startsWith('warning: no validation split: the regularisation sweep cannot choose C'))).toBe(true);
  });
});
