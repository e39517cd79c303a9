/**
 * The Add slides dialog adds what was ticked: a folder typed in to browse to is not added on top
 * of the files ticked in it; a folder scan says what it skipped and why; a folder of many plain
 * images is held back with a choice instead of filling the library.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { endSession, launchChromium, shots, startServe, type ServeProcess } from '../helpers/browser.js';
import { has, needs } from '../helpers/needs.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);
const lung = sharedPath('data/patches/lc25000_lung');

describe('adding slides in Chromium', needs(has.chromium, has.openslide, svs, lung), () => {
  const home = tempHome('tessella-e2e-add-');
  const dir = join(home.dir, 'incoming');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(join(dir, 'patches'), { recursive: true });
    copyFileSync(svs!, join(dir, 'case-1.svs'));
    copyFileSync(svs!, join(dir, 'case-2.svs'));
    writeFileSync(join(dir, 'notes.txt'), 'scanned 2026-11-30');
    for (const f of readdirSync(join(lung!, 'lung_n')).slice(0, 30)) copyFileSync(join(lung!, 'lung_n', f), join(dir, 'patches', f));
    serve = await startServe(join(home.dir, 'home'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  });

  afterAll(() => endSession(browser, serve, home));

  it('browsing to a typed folder and ticking one file adds that file only', async () => {
    await page.goto(serve.url);
    await page.getByTestId('add-slides-button').click();
    await page.getByTestId('add-slides-path').fill(dir);
    await page.getByTestId('add-slides-browse').click();
    await expect.poll(() => page.getByTestId('folder-browser-dir').textContent()).toBe(dir);
    await page.getByLabel('Tick case-1.svs').check();
    expect(await page.getByTestId('add-slides-submit').textContent()).toBe('Add 1 ticked');
    await page.getByTestId('add-slides-submit').click();
    await page.getByTestId('add-slides-dialog').waitFor({ state: 'hidden', timeout: 90_000 });
    await expect.poll(() => page.getByTestId('slide-card').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('slide-card').textContent()).toContain('case-1.svs');
  });

  it('a folder: skipped files listed with why, the patch set held back until asked for', async () => {
    await page.getByTestId('add-slides-button').click();
    await page.getByTestId('add-slides-path').fill(dir);
    await page.getByTestId('add-slides-submit').click();
    await page.getByTestId('add-slides-result').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('add-slides-summary').textContent()).toBe('Added 1 slide · 1 already in the library');
    expect(await page.getByTestId('add-slides-skipped').textContent()).toContain(`${join(dir, 'notes.txt')}: .txt is not a slide format Tessella reads`);
    expect(await page.getByTestId('add-slides-held').textContent()).toMatch(/30 plain images held back/);
    await page.getByTestId('add-slides-dialog').locator('.MuiDialog-paper').screenshot({ path: join(shots, 'add-slides-held.png') });
    await expect.poll(() => page.getByTestId('slide-card').count(), { timeout: 60_000 }).toBe(2);
    await page.getByTestId('add-slides-add-held').click();
    await expect.poll(() => page.getByTestId('add-slides-summary').textContent(), { timeout: 120_000 }).toBe('Added 30 slides · 2 already in the library');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('slide-card').count(), { timeout: 60_000 }).toBe(32);
  });
});
