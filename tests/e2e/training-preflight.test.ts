/**
 * The Training page's checks before a run, in Chromium against browser mode: no dataset is chosen
 * for the user, the one chosen is remembered across a reload; a 2-image dataset without validation
 * or test split is reported (which class, how many, how to fix) and a start needs a confirmation;
 * a single-class dataset cannot start; a bare backbone is offered once, and its logistic-regression
 * head shows its own settings (the C sweep) instead of epochs, batch size and learning rate.
 * The datasets are copies of a few real LC25000 lung patches, imported over HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { has, needs } from '../helpers/needs.js';
import { sharedPath } from '../helpers/shared-data.js';
import { lungSubset } from '../helpers/lung-subset.js';
import { tempHome } from '../helpers/temp-home.js';

const lung = sharedPath('data/patches/lc25000_lung');
const dinov2 = sharedPath('oracle/fm/hf_dinov2');

describe('the Training page pre-flight in Chromium', { ...needs(has.chromium, lung, dinov2), timeout: 180_000 }, () => {
  const home = tempHome('tessella-e2e-preflight-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, number> = {};
  let backboneDir = '';
  const call = <T = any>(name: string, input: unknown) => apiCall<T>(serve, name, input);

  /** A class-per-folder copy of the first `n` patches of each named class. */
  const subset = (name: string, perClass: Record<string, number>) => lungSubset(join(home.dir, name), perClass);

  async function choose(testId: string, value: string) {
    await page.getByTestId(testId).click();
    await page.locator(`li[data-value="${value}"]`).click();
  }
  const findings = (severity: string) => page.locator(`[data-testid="train-preflight-finding"][data-severity="${severity}"]`);

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 1000 } }));
    const allTrain = { train: 1, val: 0, test: 0 };
    ids.tiny = (await call('datasets.import', { path: subset('tiny', { lung_aca: 1, lung_n: 1 }), name: 'tiny', splits: allTrain })).id;
    ids.single = (await call('datasets.import', { path: subset('single', { lung_scc: 6 }), name: 'single', splits: allTrain })).id;
    ids.lung = (await call('datasets.import', { path: lung, name: 'lung' })).id;
    backboneDir = (await call('models.import', { path: dinov2, name: 'dinov2-backbone' })).dir;
  }, 180_000);

  afterAll(() => endSession(browser, serve, home));

  it('asks for a dataset, warns about a broken one before Start, and remembers the choice', async () => {
    await page.goto(serve.url + '#/training');
    await page.getByTestId('training-page').waitFor();
    // three datasets, none chosen for the user (the newest is not a default)
    expect(await page.getByTestId('train-dataset').textContent()).not.toMatch(/tiny|single|lung/);
    await page.getByText('Choose the dataset to train on.').waitFor();

    await choose('train-dataset', String(ids.tiny));
    await choose('train-start-from', 'arch:vit-ti16');
    await page.getByTestId('train-mode-full').click();
    await page.getByTestId('train-preflight-warnings').waitFor();
    const codes = await findings('warning').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    expect(codes.sort()).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split', 'smaller-than-batch']);
    const text = (await page.getByTestId('train-preflight-warnings').textContent()) ?? '';
    expect(text).toContain('class "lung_aca" has only 1 training image');
    expect(text).toContain('2 training images, fewer than one batch (16)');
    expect(text).toMatch(/Fix: re-import it with validation and test shares/);
    await page.screenshot({ path: join(shots, 'training-preflight.png') });

    // Start asks first; going back starts nothing
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-preflight-dialog').getByText('Start despite 5 warnings?').waitFor();
    await page.getByTestId('train-preflight-cancel').click();
    await page.getByTestId('train-preflight-dialog').waitFor({ state: 'detached' });
    expect(await call('runs.list', {})).toEqual([]);

    // a batch that fits the two images takes that warning away
    await page.getByTestId('train-batch-size').fill('2');
    await expect.poll(() => findings('warning').count(), { timeout: 30_000 }).toBe(4);

    // remembered across a reload
    await page.reload();
    await page.getByTestId('training-page').waitFor();
    await expect.poll(() => page.getByTestId('train-dataset').textContent(), { timeout: 30_000 }).toContain('tiny');

    // a single class cannot start at all
    await choose('train-dataset', String(ids.single));
    await choose('train-start-from', 'arch:vit-ti16');
    await page.getByTestId('train-preflight-errors').waitFor();
    expect(await page.getByTestId('train-preflight-errors').textContent()).toContain('only 1 class has training images');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);

    // a sound dataset: nothing to say, Start is free
    await choose('train-dataset', String(ids.lung));
    await expect.poll(() => page.getByTestId('train-preflight').count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false);
  });

  it('lists a bare backbone once and shows a logistic-regression head only its own settings', async () => {
    await page.getByTestId('train-start-from').click();
    await page.locator(`li[data-value="backbone:${backboneDir}"]`).waitFor();
    expect(await page.locator(`li[data-value="backbone:${backboneDir}"]`).count()).toBe(1);
    expect(await page.locator(`li[data-value="init:${backboneDir}"]`).count()).toBe(0);
    await page.locator(`li[data-value="backbone:${backboneDir}"]`).click();

    await page.getByTestId('train-head-fields-logreg').waitFor();
    expect(await page.getByTestId('train-cs').getAttribute('placeholder')).toBe('0.01, 0.1, 1, 10');
    await page.getByTestId('train-head-balance').waitFor();
    await page.getByTestId('train-seed').waitFor();
    for (const id of ['train-epochs', 'train-batch-size', 'train-lr']) expect(await page.getByTestId(id).count(), id).toBe(0);
    expect(await page.getByTestId('train-augmentation').textContent()).toContain('augmentation not used in head mode');
    await page.screenshot({ path: join(shots, 'training-logreg-head.png') });

    // an MLP head has epochs, a learning rate and a width, still no batch size
    await page.getByTestId('train-head-mlp').click();
    await page.getByTestId('train-head-fields-mlp').waitFor();
    await page.getByTestId('train-epochs').waitFor();
    await page.getByTestId('train-hidden').waitFor();
    expect(await page.getByTestId('train-cs').count()).toBe(0);
    expect(await page.getByTestId('train-batch-size').count()).toBe(0);
  });
});
