/**
 * First run in browser mode (the desktop app shows the same renderer): an empty library that says
 * what to do (add slides, import a dataset, pull a model), and a sample slide offered, and opened in
 * the viewer, once one is in the sample folder (resources/sample/ in an installer or checkout; here
 * TESSELLA_SAMPLE_DIR, read by the server on each app.info).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { testPicture } from '../helpers/make-slides.js';
import { has, needs } from '../helpers/needs.js';
import { tempHome } from '../helpers/temp-home.js';

describe('first run: the empty library (Chromium)', needs(has.chromium), () => {
  const home = tempHome('tessella-e2e-first-run-');
  const sampleDir = join(home.dir, 'sample');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(sampleDir, { recursive: true });
    // This file runs in a process of its own; the server it starts inherits this.
    process.env['TESSELLA_SAMPLE_DIR'] = sampleDir;
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('says what to do first, and each step leads there', async () => {
    await page.goto(serve.url);
    const empty = page.getByTestId('slides-empty');
    await empty.waitFor();
    const text = (await empty.textContent()) ?? '';
    expect(text).toContain('Your slide library is empty');
    for (const step of ['Add slides', 'Import a dataset', 'Pull a model']) expect(text).toContain(step);
    // No sample ships unless one is in the sample folder.
    expect(await page.getByTestId('empty-open-sample').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'first-run-empty.png') });

    await page.getByTestId('empty-go-models').click();
    await page.getByTestId('models-page').waitFor();
    expect(new URL(page.url()).hash).toBe('#/models');
    await page.goBack();
    await page.getByTestId('empty-go-datasets').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/datasets');
    await page.goBack();
    await page.getByTestId('empty-add-slides').click();
    await page.getByTestId('add-slides-path').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('add-slides-dialog').waitFor({ state: 'detached' });
  });

  it('offers the sample slide when one is there, and opens it in the viewer', async () => {
    const [width, height] = [2400, 1600];
    const sample = join(sampleDir, 'sample-gradient.tif');
    await sharp(testPicture(width, height), { raw: { width, height, channels: 3 } }).tiff({ tile: true, pyramid: true, compression: 'jpeg' }).toFile(sample);
    await page.reload();
    const open = page.getByTestId('empty-open-sample');
    await open.waitFor();
    expect((await page.getByTestId('slides-empty').textContent()) ?? '').toContain('sample-gradient.tif');
    await page.screenshot({ path: join(shots, 'first-run-sample.png') });

    await open.click();
    await page.getByTestId('viewer').waitFor();
    const slides = await apiCall<{ id: number; path: string }[]>(serve, 'slides.list', {});
    expect(slides.map((s) => s.path)).toEqual([sample]);
    expect(new URL(page.url()).hash).toBe(`#/slides/${slides[0]!.id}`);
  });
});
