/**
 * Model quality where a model is chosen, in Chromium against `tessella serve`: a model trained
 * here with a learning rate too small to learn (its validation balanced accuracy is chance, 1/3)
 * shows its dataset, classes and accuracy in the analysis form, is warned about, and analysing a
 * slide with it asks first: Cancel starts nothing, "Analyse anyway" starts the analysis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addSlidesByApi, apiCall, endSession, openAnalysisPanel, openSlideByUrl, startSession, type ServeProcess } from '../helpers/browser.js';
import { tessella } from '../helpers/cli.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';
import { lung, lungCopy, oneJson, vitTiny } from '../unit/train/fixtures.js';

const svs = sharedPath(SLIDES.svs);

describe('model quality in the analysis form (Chromium)', { ...needs(has.chromium, svs, lung, vitTiny), timeout: 300_000 }, () => {
  const home = tempHome('tessella-e2e-model-quality-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let modelDir = '';

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
    const data = lungCopy(home.dir);
    // One epoch of the head at lr 1e-9: it predicts one class for everything, balanced accuracy exactly 1/3.
    const r = tessella(
      ['train', '--data', data.dir, '--init', vitTiny!, '--mode', 'head', '--epochs', '1', '--batch-size', '16', '--lr', '1e-9', '--seed', '1', '--out', join(home.dir, 'model'), '--json'],
      { TESSELLA_HOME: join(home.dir, 'home') },
      240_000,
    );
    if (r.code !== 0) throw new Error(r.stderr);
    expect(oneJson(r.stdout).status).toBe('completed');
    const { models } = await apiCall<{ models: { dir: string; quality: { atChance: boolean } | null }[] }>(serve, 'models.list', {});
    const trained = models.find((m) => m.quality);
    if (!trained) throw new Error('the trained model has no quality record');
    modelDir = trained.dir;
    const [slideId] = await addSlidesByApi(serve, svs!);
    await openSlideByUrl(page, serve, slideId!);
  }, 300_000);
  afterAll(() => endSession(browser, serve, home));

  it('shows the model quality and asks before analysing with a model at chance', async () => {
    await openAnalysisPanel(page, modelDir);
    const form = page.getByTestId('analysis-new');
    await expect.poll(async () => (await form.textContent()) ?? '', { timeout: 60_000 }).toMatch(/lung · 3 classes · val balanced accuracy 33%/);
    expect(await form.textContent()).toMatch(/14 images; chance 33%/);
    const warning = page.getByTestId('analysis-model-chance-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/not clearly above the 33% of guessing among 3 classes/);

    await expect.poll(() => page.getByTestId('analysis-start').isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('analysis-start').click();
    await page.getByTestId('model-at-chance-dialog').waitFor();
    await page.getByTestId('model-at-chance-cancel').click();
    await expect.poll(() => page.getByTestId('model-at-chance-dialog').count()).toBe(0);
    expect(await page.getByTestId('analysis-status').count()).toBe(0);

    await page.getByTestId('analysis-start').click();
    await page.getByTestId('model-at-chance-proceed').click();
    await page.getByTestId('analysis-status').waitFor({ timeout: 60_000 });
  });
});
