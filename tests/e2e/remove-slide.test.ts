import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, startServe, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';

const svs = sharedPath(SLIDES.svs);

describe.skipIf(!hasChromium || !svs)('removing a slide from the library in Chromium', () => {
  const home = tempHome('tessella-e2e-remove-');
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe(join(home.dir, 'home'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    home.cleanup();
  });

  it('asks first, then removes it and shows the empty library', async () => {
    const page = await browser.newPage();
    await page.goto(serve.url);
    await page.getByTestId('add-slides-button').click();
    await page.getByTestId('add-slides-path').fill(svs!);
    await page.getByTestId('add-slides-submit').click();
    const card = page.getByTestId('slide-card').filter({ hasText: 'CMU-1-Small-Region.svs' });
    await card.waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await card.getByTestId('slide-remove').click();
    await page.getByTestId('remove-confirm').click();
    await page.getByTestId('slides-empty').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('slide-card').count()).toBe(0);
  });
});
