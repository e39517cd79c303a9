/**
 * A last-k fine-tuning cross-validation started from the Training page, in Chromium against
 * browser mode, on the tiny ViT over 6 lung patches a class: the preview says what it costs in
 * runs and epochs, 2 folds are refused (fine-tuning needs a third to choose on), a long full
 * fine-tuning is warned of and asks before starting; 3 folds of last 1 block, 1 epoch, run live
 * beside the form to mean ± sd, one run per fold.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shots } from '../helpers/browser.js';
import { e2eSession } from '../helpers/e2e-session.js';
import { has, needs } from '../helpers/needs.js';
import { sharedPath } from '../helpers/shared-data.js';
import { lungSubset } from '../helpers/lung-subset.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('fine-tuning cross-validation from the Training page in Chromium', { ...needs(has.chromium, lung, vitTiny), timeout: 300_000 }, () => {
  const session = e2eSession('tessella-e2e-cv-fine-tune-', { viewport: { width: 1600, height: 1100 } });
  const { home, call, choose } = session;
  let datasetId = 0;

  beforeAll(async () => {
    const few = lungSubset(join(home.dir, 'few'), 6);
    datasetId = (await call('datasets.import', { path: few, name: 'few' })).id;
    await call('models.import', { path: vitTiny, name: 'vit_tiny' });
  }, 180_000);

  it('previews the cost, refuses 2 folds, asks before a long one, then runs 3 folds live to mean ± sd', async () => {
    await session.page.goto(session.serve.url + '#/training');
    await session.page.getByTestId('training-page').waitFor();
    await choose('train-dataset', String(datasetId));
    await choose('train-start-from', `init:${vitTiny}`);
    await session.page.getByTestId('train-mode-full').click();
    await session.page.getByTestId('train-epochs').fill('500');
    await session.page.getByTestId('train-batch-size').fill('6');
    await session.page.getByTestId('train-cv-toggle').check();
    expect(await session.page.getByTestId('train-start').textContent()).toBe('Start cross-validation');

    // two folds leave none to fit on once one is held out and one chooses
    await session.page.getByTestId('train-cv-folds').fill('2');
    await expect.poll(() => session.page.getByTestId('train-cv-folds-error').textContent()).toBe('3 to 10 folds');

    // 3 folds x 2 seeds of 500 epochs of every weight: the preview counts it, the pre-flight warns
    await session.page.getByTestId('train-cv-folds').fill('3');
    await session.page.getByTestId('train-cv-repeats').fill('2');
    await expect.poll(() => session.page.getByTestId('train-cv-preview').textContent()).toBe('3 folds × 2 seeds = 6 fine-tunes of vit_tiny, every weight, ~500 epochs each');
    const warning = session.page.locator('[data-testid="train-preflight-finding"][data-code="long-cross-validation"]');
    await expect.poll(() => warning.count(), { timeout: 30_000 }).toBe(1);
    expect(await warning.textContent()).toMatch(/6 full fine-tunes pass about [\d,]+ images forward and back/);
    // Start asks first; cancelled, nothing starts
    await session.page.getByTestId('train-start').click();
    await session.page.getByTestId('train-preflight-dialog').waitFor();
    await session.page.getByTestId('train-preflight-cancel').click();
    expect(await call('runs.groups', {})).toEqual([]);

    // last 1 block, 1 epoch, one seed, no augmentation: seconds
    await session.page.getByTestId('train-mode-last-k').click();
    await session.page.getByTestId('train-last-k').fill('1');
    await session.page.getByTestId('train-epochs').fill('1');
    await session.page.getByTestId('train-cv-repeats').fill('1');
    await session.page.getByTestId('train-augmentation-toggle').click();
    await session.page.getByTestId('aug-enabled').uncheck();
    await expect.poll(() => session.page.getByTestId('train-cv-preview').textContent()).toBe('3 folds × 1 seed = 3 fine-tunes of vit_tiny, last 1 block, ~1 epoch each');
    await expect.poll(() => session.page.getByTestId('train-preflight').count(), { timeout: 30_000 }).toBe(0);
    await session.page.getByTestId('train-start').click();

    const panel = session.page.getByTestId('live-group');
    await panel.waitFor();
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    expect(await session.page.getByTestId('live-group-summary').textContent()).toMatch(/^Across folds: test accuracy \d+\.\d% ± \d+\.\d%, val_accuracy \d+\.\d% ± \d+\.\d%$/);
    await session.page.screenshot({ path: join(shots, 'training-cross-validation-last-k.png') });

    const groups = await call<any[]>('runs.groups', {});
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ status: 'completed', kind: 'cv', mode: 'last-k', head: null, folds: 3, repeats: 1, done: 3, total: 3, datasetName: 'few' });
    const g = await call<any>('runs.group', { id: groups[0].id });
    expect(g.results.reduce((a: number, f: any) => a + f.n.test, 0)).toBe(18);
    // each fold is an ordinary run, listed with the others
    const runs = await call<any[]>('runs.list', {});
    expect(runs.map((r) => r.id).sort()).toEqual(g.results.map((f: any) => f.runId).sort());
    for (const r of runs) expect(r).toMatchObject({ status: 'completed', mode: 'last-k', epochsCompleted: 1 });
  });
});
