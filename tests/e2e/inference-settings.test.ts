/**
 * Settings > Inference end to end in Chromium against `tessella serve`: the provider the engine
 * chose here (cpu, no GPU provider being usable) with its reason, precision int8 set by the user,
 * and the analysis panel running a ViT analysis at int8 and saying so, before and after it ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { apiCall, endSession, openSlideInUi, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');

describe('inference settings (Chromium)', needs(has.chromium, svs, vitTiny), () => {
  const home = tempHome('tessella-e2e-inference-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('shows the provider chosen and why, and keeps precision int8 as a setting', { timeout: 180_000 }, async () => {
    await page.goto(serve.url);
    await page.getByTestId('settings-open').click();
    const chosen = page.getByTestId('settings-provider-chosen');
    await expect.poll(() => chosen.getAttribute('data-provider'), { timeout: 90_000 }).toBe('cpu');
    expect(await chosen.textContent()).toMatch(/^Runs on cpu: no GPU provider is usable on .*\.$/);
    expect(await page.getByTestId('settings-training-gpu').textContent()).toMatch(/Training on the GPU: no \(.*tfjs-node-gpu/);

    await page.getByTestId('settings-precision-int8').click();
    await expect.poll(async () => (await apiCall(serve, 'settings.get', {})).engine.precision, { timeout: 30_000 }).toBe('int8');
    expect(await page.getByTestId('settings-precision-int8').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('settings-dialog').screenshot({ path: join(shots, 'settings-inference.png') });
    await page.keyboard.press('Escape');
    await page.getByTestId('settings-dialog').waitFor({ state: 'hidden' });
  });

  it('runs an analysis at int8 from the panel and shows its provider and precision', { timeout: 300_000 }, async () => {
    await openSlideInUi(page, svs!);
    await page.getByTestId('analysis-toggle').click();
    await page.getByTestId('analysis-panel').waitFor();
    await page.getByTestId('analysis-model').fill(vitTiny!);
    await page.getByTestId('analysis-mpp').fill('8');

    const planned = page.getByTestId('analysis-engine');
    await expect.poll(() => planned.getAttribute('data-provider'), { timeout: 90_000 }).toBe('cpu');
    expect(await planned.getAttribute('data-precision')).toBe('int8');
    expect(await planned.textContent()).toBe('Runs on cpu · int8');
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 90_000 }).toMatch(/tiles with tissue of/);

    await page.getByTestId('analysis-start').click();
    const status = page.getByTestId('analysis-status');
    await status.waitFor({ timeout: 60_000 });
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    const ran = page.getByTestId('analysis-run-engine');
    await expect.poll(async () => (await ran.textContent()) ?? '', { timeout: 30_000 }).toBe('Ran on cpu · int8');
    await page.getByTestId('analysis-panel').screenshot({ path: join(shots, 'analysis-engine.png') });

    // what the panel says is what the analysis stored
    const [a] = await apiCall(serve, 'analysis.list', {});
    expect(a.params.precision).toBe('int8');
    expect(a.summary.provider).toBe('cpu');
  });
});
