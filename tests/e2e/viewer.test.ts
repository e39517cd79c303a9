import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { addSlideInUi, endSession, openSlideInUi, shots, startServe, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);

describe('slide viewer end to end in Chromium', needs(has.chromium, svs), () => {
  const home = tempHome('tessella-e2e-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const tileResponses: { url: string; status: number }[] = [];

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
    page.on('response', (r) => {
      if (r.url().includes('/r/tiles/')) tileResponses.push({ url: r.url(), status: r.status() });
    });
  });

  afterAll(() => endSession(browser, serve, home));

  it('adds CMU-1-Small-Region.svs, opens it, zooms in and shows real tiles', async () => {
    await page.goto(serve.url);
    const card = await addSlideInUi(page, svs!);
    await page.screenshot({ path: join(shots, 'slides-page.png') });

    await card.click();
    const viewer = page.getByTestId('viewer');
    await viewer.waitFor();
    await expect.poll(() => tileResponses.filter((t) => t.status === 200).length, { timeout: 60_000 }).toBeGreaterThan(0);
    const before = tileResponses.length;

    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-in').click();
    await page.getByTestId('zoom-in').click();
    await expect.poll(() => tileResponses.length, { timeout: 60_000 }).toBeGreaterThan(before);
    await page.waitForTimeout(1500);
    expect(tileResponses.every((t) => t.status === 200)).toBe(true);

    // Deeper levels were requested after zooming in.
    const levels = tileResponses.map((t) => Number(/\/r\/tiles\/\d+\/(\d+)\//.exec(t.url)![1]));
    expect(Math.max(...levels.slice(before))).toBeGreaterThan(Math.max(...levels.slice(0, before)));

    await expect.poll(async () => (await page.getByTestId('scale-bar').textContent()) ?? '').toMatch(/µm|mm/);
    await expect.poll(async () => (await page.getByTestId('magnification').textContent()) ?? '').toMatch(/×|x/);

    const png = await viewer.screenshot({ path: join(shots, 'viewer.png') });
    const stats = await sharp(png).stats();
    // H&E tissue, not a blank or single-colour canvas.
    expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(10);

    await page.getByTestId('metadata-toggle').click();
    await expect.poll(async () => (await page.getByTestId('metadata-panel').textContent()) ?? '').toContain('aperio');
    await page.screenshot({ path: join(shots, 'viewer-metadata.png') });
  });

  const others = [SLIDES.ndpi, SLIDES.dicom, SLIDES.ihc].map((rel) => sharedPath(rel));
  it('opens, pans and zooms every shared slide and image', { ...needs(...others), timeout: 300_000 }, async () => {
    for (const file of others as string[]) {
      const name = file.split('/').pop()!;
      await page.goto(serve.url.replace(/\?.*$/, '') + '#/slides');
      const viewer = await openSlideInUi(page, file);
      const start = tileResponses.length;
      await page.getByTestId('zoom-in').click();
      await page.getByTestId('zoom-in').click();
      const box = (await viewer.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 120, { steps: 8 });
      await page.mouse.up();
      await expect.poll(() => tileResponses.length, { timeout: 60_000 }).toBeGreaterThan(start);
      await page.waitForTimeout(1000);
      expect(tileResponses.slice(start).every((t) => t.status === 200), name).toBe(true);
      const png = await viewer.screenshot({ path: join(shots, `viewer-${name}.png`) });
      const stats = await sharp(png).stats();
      expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev)), name).toBeGreaterThan(5);
    }
  });

  it('keeps the library across a restart of browser mode', async () => {
    await serve.stop();
    serve = await startServe(join(home.dir, 'home'));
    await page.goto(serve.url);
    await page.getByTestId('slide-card').filter({ hasText: 'CMU-1-Small-Region.svs' }).waitFor({ timeout: 60_000 });
  });
});
