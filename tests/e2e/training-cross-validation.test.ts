/**
 * Cross-validation started from the Training page, in Chromium against browser mode: a logistic-
 * regression head on a frozen backbone over the lung patches, 2 folds; too many folds for a small
 * set is refused in one line before anything starts; the preview counts the heads a sweep fits;
 * the group shows live beside the form and ends with mean ± sd per metric, and is listed with
 * them on the Runs page.
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

describe('cross-validation from the Training page in Chromium', { ...needs(has.chromium, lung, dinov2), timeout: 300_000 }, () => {
  const session = e2eSession('tessella-e2e-cv-', { viewport: { width: 1600, height: 1100 } });
  const { home, call, choose } = session;
  const ids: Record<string, number> = {};
  let backboneDir = '';

  beforeAll(async () => {
    // 4 images of each of two classes: fewer than 5 folds
    const small = lungSubset(join(home.dir, 'small'), 4, ['lung_aca', 'lung_n']);
    ids.small = (await call('datasets.import', { path: small, name: 'small' })).id;
    ids.lung = (await call('datasets.import', { path: lung, name: 'lung' })).id;
    backboneDir = (await call('models.import', { path: dinov2, name: 'dinov2-backbone' })).dir;
  }, 180_000);

  it('refuses too many folds before starting, previews a sweep, then runs 2 folds live to mean ± sd', async () => {
    await session.page.goto(session.serve.url + '#/training');
    await session.page.getByTestId('training-page').waitFor();
    await choose('train-dataset', String(ids.small));
    await choose('train-start-from', `backbone:${backboneDir}`);
    await session.page.getByTestId('train-head-fields-logreg').waitFor();
    await session.page.getByTestId('train-cv-toggle').check();
    expect(await session.page.getByTestId('train-start').textContent()).toBe('Start cross-validation');

    // 5 folds (the default) over 4 images a class: said in one line, Start is blocked
    await session.page.getByTestId('train-preflight-errors').waitFor();
    const finding = session.page.locator('[data-testid="train-preflight-finding"][data-code="too-few-for-folds"]');
    expect(await finding.count()).toBe(2);
    expect(await finding.first().textContent()).toContain('class "lung_aca" has 4 images, fewer than the 5 folds');
    expect(await session.page.getByTestId('train-start').isDisabled()).toBe(true);

    // a sweep of C: the preview counts folds x seeds x settings
    await session.page.getByTestId('train-cv-repeats').fill('2');
    await session.page.getByTestId('train-cv-sweep-c').fill('0.1, 1, 10');
    await expect.poll(() => session.page.getByTestId('train-cv-preview').textContent()).toBe('5 folds × 2 seeds × 3 settings = 30 heads fitted');
    await session.page.getByTestId('train-cv-folds').fill('11');
    await session.page.getByTestId('train-cv-folds-error').waitFor();
    expect(await session.page.getByTestId('train-cv-folds-error').textContent()).toBe('2 to 10 folds');

    // the full lung set, 2 folds, one seed, C chosen per fold: no finding, Start is free
    await choose('train-dataset', String(ids.lung));
    await session.page.getByTestId('train-cv-folds').fill('2');
    await session.page.getByTestId('train-cv-repeats').fill('1');
    await session.page.getByTestId('train-cv-sweep-c').fill('');
    await expect.poll(() => session.page.getByTestId('train-cv-preview').textContent()).toBe('2 folds × 1 seed × 1 setting = 2 heads fitted');
    await expect.poll(() => session.page.getByTestId('train-preflight').count(), { timeout: 30_000 }).toBe(0);
    await session.page.getByTestId('train-start').click();

    const panel = session.page.getByTestId('live-group');
    await panel.waitFor();
    // embedding 90 images with the backbone, then the folds; it ends completed
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    const summary = (await session.page.getByTestId('live-group-summary').textContent()) ?? '';
    expect(summary).toMatch(/^Across folds: test accuracy \d+\.\d% ± \d+\.\d%, val_accuracy \d+\.\d% ± \d+\.\d%$/);
    const row = panel.locator('[data-testid="run-group-point"]');
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('completed');
    expect(await row.locator('[data-metric="test_accuracy"]').textContent()).toMatch(/^\d+\.\d% ± \d+\.\d%$/);
    await session.page.screenshot({ path: join(shots, 'training-cross-validation.png') });

    // the same numbers through the contract: 2 folds, each image held out once
    const groups = await call<any[]>('runs.groups', {});
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ status: 'completed', kind: 'cv', mode: 'head', head: 'logreg', folds: 2, repeats: 1, done: 2, total: 2, datasetName: 'lung' });
    const g = await call<any>('runs.group', { id: groups[0].id });
    expect(g.results.reduce((a: number, f: any) => a + f.n.test, 0)).toBe(90);

    // listed on the Runs session.page with its mean ± sd
    await session.page.goto(session.serve.url + '#/runs');
    await session.page.getByTestId('run-groups').waitFor();
    const listed = session.page.locator(`[data-testid="run-group-point"][data-group-id="${groups[0].id}"]`);
    expect(await listed.locator('[data-metric="test_auc"]').textContent()).toMatch(/ ± /);
  });
});
