/**
 * The Training page's checks before a run, in Chromium against browser mode: no dataset is chosen
 * for the user, the one chosen is remembered across a reload; a 2-image dataset without validation
 * or test split is reported (which class, how many, how to fix) and a start needs a confirmation;
 * a single-class dataset cannot start; a bare backbone is offered once, and its logistic-regression
 * head shows its own settings (the C sweep) instead of epochs, batch size and learning rate.
 * The datasets are copies of a few real LC25000 lung patches, imported over HTTP.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shots } from '../helpers/browser.js';
import { e2eSession } from '../helpers/e2e-session.js';
import { has, needs } from '../helpers/needs.js';
import { sharedPath } from '../helpers/shared-data.js';
import { lungSubset } from '../helpers/lung-subset.js';

const lung = sharedPath('data/patches/lc25000_lung');
const dinov2 = sharedPath('oracle/fm/hf_dinov2');

describe('the Training page pre-flight in Chromium', { ...needs(has.chromium, lung, dinov2), timeout: 180_000 }, () => {
  const session = e2eSession('tessella-e2e-preflight-', { viewport: { width: 1500, height: 1000 } });
  const { home, call, choose } = session;
  const ids: Record<string, number> = {};
  let backboneDir = '';

  /** A class-per-folder copy of the first `n` patches of each named class. */
  const subset = (name: string, perClass: Record<string, number>) => lungSubset(join(home.dir, name), perClass);

  const findings = (severity: string) => session.page.locator(`[data-testid="train-preflight-finding"][data-severity="${severity}"]`);

  beforeAll(async () => {
    const allTrain = { train: 1, val: 0, test: 0 };
    ids.tiny = (await call('datasets.import', { path: subset('tiny', { lung_aca: 1, lung_n: 1 }), name: 'tiny', splits: allTrain })).id;
    ids.single = (await call('datasets.import', { path: subset('single', { lung_scc: 6 }), name: 'single', splits: allTrain })).id;
    ids.lung = (await call('datasets.import', { path: lung, name: 'lung' })).id;
    backboneDir = (await call('models.import', { path: dinov2, name: 'dinov2-backbone' })).dir;
  }, 180_000);

  it('asks for a dataset, warns about a broken one before Start, and remembers the choice', async () => {
    await session.page.goto(session.serve.url + '#/training');
    await session.page.getByTestId('training-page').waitFor();
    // three datasets, none chosen for the user (the newest is not a default)
    expect(await session.page.getByTestId('train-dataset').textContent()).not.toMatch(/tiny|single|lung/);
    await session.page.getByText('Choose the dataset to train on.').waitFor();

    await choose('train-dataset', String(ids.tiny));
    await choose('train-start-from', 'arch:vit-ti16');
    await session.page.getByTestId('train-mode-full').click();
    await session.page.getByTestId('train-preflight-warnings').waitFor();
    const codes = await findings('warning').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    expect(codes.sort()).toEqual(['few-class-images', 'few-class-images', 'no-test-split', 'no-val-split', 'smaller-than-batch']);
    const text = (await session.page.getByTestId('train-preflight-warnings').textContent()) ?? '';
    expect(text).toContain('class "lung_aca" has only 1 training image');
    expect(text).toContain('2 training images, fewer than one batch (16)');
    expect(text).toMatch(/Fix: re-import it with validation and test shares/);
    await session.page.screenshot({ path: join(shots, 'training-preflight.png') });

    // Start asks first; going back starts nothing
    await session.page.getByTestId('train-start').click();
    await session.page.getByTestId('train-preflight-dialog').getByText('Start despite 5 warnings?').waitFor();
    await session.page.getByTestId('train-preflight-cancel').click();
    await session.page.getByTestId('train-preflight-dialog').waitFor({ state: 'detached' });
    expect(await call('runs.list', {})).toEqual([]);

    // a batch that fits the two images takes that warning away
    await session.page.getByTestId('train-batch-size').fill('2');
    await expect.poll(() => findings('warning').count(), { timeout: 30_000 }).toBe(4);

    // remembered across a reload
    await session.page.reload();
    await session.page.getByTestId('training-page').waitFor();
    await expect.poll(() => session.page.getByTestId('train-dataset').textContent(), { timeout: 30_000 }).toContain('tiny');

    // a single class cannot start at all
    await choose('train-dataset', String(ids.single));
    await choose('train-start-from', 'arch:vit-ti16');
    await session.page.getByTestId('train-preflight-errors').waitFor();
    expect(await session.page.getByTestId('train-preflight-errors').textContent()).toContain('only 1 class has training images');
    expect(await session.page.getByTestId('train-start').isDisabled()).toBe(true);

    // a sound dataset: nothing to say, Start is free
    await choose('train-dataset', String(ids.lung));
    await expect.poll(() => session.page.getByTestId('train-preflight').count(), { timeout: 30_000 }).toBe(0);
    expect(await session.page.getByTestId('train-start').isDisabled()).toBe(false);
  });

  it('lists a bare backbone once and shows a logistic-regression head only its own settings', async () => {
    await session.page.getByTestId('train-start-from').click();
    await session.page.locator(`li[data-value="backbone:${backboneDir}"]`).waitFor();
    expect(await session.page.locator(`li[data-value="backbone:${backboneDir}"]`).count()).toBe(1);
    expect(await session.page.locator(`li[data-value="init:${backboneDir}"]`).count()).toBe(0);
    await session.page.locator(`li[data-value="backbone:${backboneDir}"]`).click();

    await session.page.getByTestId('train-head-fields-logreg').waitFor();
    expect(await session.page.getByTestId('train-cs').getAttribute('placeholder')).toBe('0.01, 0.1, 1, 10');
    await session.page.getByTestId('train-head-balance').waitFor();
    await session.page.getByTestId('train-seed').waitFor();
    for (const id of ['train-epochs', 'train-batch-size', 'train-lr']) expect(await session.page.getByTestId(id).count(), id).toBe(0);
    expect(await session.page.getByTestId('train-augmentation').textContent()).toContain('augmentation not used in head mode');
    await session.page.screenshot({ path: join(shots, 'training-logreg-head.png') });

    // an MLP head has epochs, a learning rate and a width, still no batch size
    await session.page.getByTestId('train-head-mlp').click();
    await session.page.getByTestId('train-head-fields-mlp').waitFor();
    await session.page.getByTestId('train-epochs').waitFor();
    await session.page.getByTestId('train-hidden').waitFor();
    expect(await session.page.getByTestId('train-cs').count()).toBe(0);
    expect(await session.page.getByTestId('train-batch-size').count()).toBe(0);
  });
});
