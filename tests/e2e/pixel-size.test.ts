/**
 * A pixel size typed in, end to end in browser mode: set in the metadata panel of an image that
 * records none, it is marked "set by the user" there and in the library, and the scale bar and
 * the ruler switch to µm at once, without the viewer being rebuilt; one set from elsewhere (the
 * CLI's call) follows too, and forgetting it brings the pixels back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { apiCall, appUrl, endSession, openSlideInUi, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const ihc = sharedPath(SLIDES.ihc);

/** The ruler's label as a number of µm (or px), and its unit. */
function parseLength(text: string): { value: number; unit: string } {
  const m = /^([\d.,]+)\s*(px|nm|µm|mm)$/.exec(text.trim());
  if (!m) throw new Error(`not a length: "${text}"`);
  const value = Number(m[1]!.replace(/,/g, ''));
  const unit = m[2]!;
  return unit === 'mm' ? { value: value * 1000, unit: 'µm' } : unit === 'nm' ? { value: value / 1000, unit: 'µm' } : { value, unit };
}

describe('typed-in pixel size in the viewer and the library', { ...needs(has.chromium, ihc), timeout: 300_000 }, () => {
  const home = tempHome('tessella-e2e-mpp-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });
  afterAll(() => endSession(browser, serve, home));

  it('marks the value as the user’s and updates the scale bar and ruler at once', async () => {
    await page.goto(serve.url);
    const viewer = await openSlideInUi(page, ihc!);
    await page.getByTestId('scale-bar-unavailable').waitFor();
    // Tag OpenSeadragon's canvas: the same element afterwards means the viewer was not rebuilt.
    await page.waitForFunction(() => !!document.querySelector('.openseadragon-canvas'));
    await page.evaluate(() => ((window as any).__osdCanvas = document.querySelector('.openseadragon-canvas')));

    await page.getByTestId('ruler-toggle').click();
    const box = (await viewer.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2, { steps: 10 });
    await page.mouse.up();
    const inPixels = parseLength((await page.getByTestId('ruler-length').textContent())!);
    expect(inPixels.unit).toBe('px');

    await page.getByTestId('metadata-toggle').click();
    await expect.poll(async () => (await page.getByTestId('metadata-pixel-size-text').textContent()) ?? '').toBe('Not recorded');
    await page.getByTestId('metadata-mpp-edit').click();
    await page.getByTestId('metadata-mpp-input').fill('0.5');
    await page.getByTestId('metadata-mpp-set').click();

    await expect.poll(async () => (await page.getByTestId('metadata-pixel-size-text').textContent()) ?? '').toBe('0.5 µm/px, set by the user');
    await page.getByTestId('scale-bar').waitFor();
    expect(Number(await page.getByTestId('scale-bar').getAttribute('data-microns'))).toBeGreaterThan(0);
    await expect.poll(async () => parseLength((await page.getByTestId('ruler-length').textContent()) ?? '0 px').unit).toBe('µm');
    const at05 = parseLength((await page.getByTestId('ruler-length').textContent())!);
    // The same line, now in µm: its pixels times 0.5.
    expect(at05.value).toBeCloseTo(inPixels.value * 0.5, -1);
    expect(await page.evaluate(() => document.querySelector('.openseadragon-canvas') === (window as any).__osdCanvas)).toBe(true);
    await page.screenshot({ path: join(shots, 'viewer-typed-mpp.png') });

    // Set elsewhere (the call `tessella slide mpp` makes): the open viewer follows.
    const slideId = Number(/#\/slides\/(\d+)/.exec(page.url())![1]);
    await apiCall(serve, 'slides.setMpp', { id: slideId, mpp: 1 });
    await expect.poll(async () => parseLength((await page.getByTestId('ruler-length').textContent()) ?? '0 px').value).toBeCloseTo(at05.value * 2, -1);
    await expect.poll(async () => (await page.getByTestId('metadata-pixel-size-text').textContent()) ?? '').toBe('1 µm/px, set by the user');

    await page.getByTestId('metadata-mpp-clear').click();
    await page.getByTestId('scale-bar-unavailable').waitFor();
    await expect.poll(async () => parseLength((await page.getByTestId('ruler-length').textContent()) ?? '0 µm').unit).toBe('px');
    expect(await page.evaluate(() => document.querySelector('.openseadragon-canvas') === (window as any).__osdCanvas)).toBe(true);
  });

  it('the library card says the pixel size was set by the user', async () => {
    const slideId = Number(/#\/slides\/(\d+)/.exec(page.url())![1]);
    await apiCall(serve, 'slides.setMpp', { id: slideId, mpp: 0.5 });
    await page.goto(appUrl(serve, 'slides'));
    const chip = page.getByTestId('slide-card').filter({ hasText: 'skimage_ihc.png' }).getByTestId('slide-mpp');
    await expect.poll(async () => chip.getAttribute('data-mpp-source')).toBe('user');
    expect(await chip.textContent()).toContain('0.5 µm/px, set by the user');
    await page.screenshot({ path: join(shots, 'library-typed-mpp.png') });
  });
});
