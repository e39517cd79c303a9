import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { addSlideInUi, endSession, launchChromium, startServe, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);

describe('removing a slide from the library in Chromium', needs(has.chromium, svs), () => {
  const home = tempHome('tessella-e2e-remove-');
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    serve = await startServe(join(home.dir, 'home'));
    browser = await launchChromium();
  });

  afterAll(() => endSession(browser, serve, home));

  it('asks first, then removes it and shows the empty library', async () => {
    const page = await browser.newPage();
    await page.goto(serve.url);
    const card = await addSlideInUi(page, svs!);
    await card.getByTestId('slide-remove').click();
    await page.getByTestId('remove-confirm').click();
    await page.getByTestId('slides-empty').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('slide-card').count()).toBe(0);
  });
});
