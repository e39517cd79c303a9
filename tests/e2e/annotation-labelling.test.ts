/**
 * Labelling as in QuPath, in browser mode: a rectangle is listed as a rectangle; a number key
 * classifies the selected shape (not only new ones) without zooming to full resolution; zooming
 * to a small shape stops at the scan's native magnification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addSlidesByApi, apiCall, appUrl, endSession, openSlideInUi, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);

describe('annotation labelling in Chromium', { ...needs(has.chromium, svs), timeout: 300_000 }, () => {
  const home = tempHome('tessella-e2e-labelling-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });
  afterAll(() => endSession(browser, serve, home));

  it('lists a rectangle as a rectangle, classifies the selection with number keys, and zooms no further than 20×', async () => {
    await page.goto(serve.url);
    const [slideId] = await addSlidesByApi(serve, svs!);
    await apiCall(serve, 'annotations.setClass', { name: 'Tumour', color: '#c62828' });
    await apiCall(serve, 'annotations.setClass', { name: 'Stroma', color: '#2e7d32' });
    // A nucleus-sized box: 24 level-0 pixels (12 µm) across.
    const box = await apiCall<{ id: string }>(serve, 'annotations.create', {
      slideId,
      geometry: { type: 'Polygon', coordinates: [[[1000, 1200], [1024, 1200], [1024, 1224], [1000, 1224], [1000, 1200]]] },
    });
    const classOf = async () =>
      (await apiCall<{ annotations: { id: string; className: string | null }[] }>(serve, 'annotations.list', { slideId })).annotations.find((a) => a.id === box.id)?.className;

    await page.goto(appUrl(serve, 'slides'));
    await openSlideInUi(page, svs!);
    await page.getByTestId('annotations-panel-toggle').click();
    const item = page.getByTestId('annotation-item').filter({ hasText: 'Rectangle' });
    await item.waitFor();

    await item.click();
    await expect.poll(() => item.getAttribute('aria-selected')).toBe('true');
    // CMU-1 is a 20× scan: the zoom to the shape stops at 20×, not at OpenSeadragon's 40× limit.
    await expect.poll(async () => Number(((await page.getByTestId('magnification').textContent()) ?? '').replace(/[^\d.]/g, '')), { timeout: 30_000 }).toBeGreaterThan(10);
    await page.waitForTimeout(1500);
    const zoomed = Number(((await page.getByTestId('magnification').textContent()) ?? '').replace(/[^\d.]/g, ''));
    expect(zoomed).toBeLessThanOrEqual(20.05);

    // Close the panel: with a shape selected, 2 classifies it anyway.
    await page.keyboard.press('a');
    await page.getByTestId('annotation-list').waitFor({ state: 'detached' });
    await page.keyboard.press('2');
    await expect.poll(classOf).toBe('Stroma');
    await page.keyboard.press('1');
    await expect.poll(classOf).toBe('Tumour');
    await page.waitForTimeout(800);
    expect(Number(((await page.getByTestId('magnification').textContent()) ?? '').replace(/[^\d.]/g, ''))).toBeCloseTo(zoomed, 1);
    await page.screenshot({ path: join(shots, 'annotation-labelling.png') });

    // With nothing selected and the panel closed, 1 is full resolution again, and classifies nothing.
    await page.keyboard.press('Escape');
    await page.keyboard.press('0');
    await page.waitForTimeout(1200);
    await page.keyboard.press('1');
    await expect.poll(async () => Number(((await page.getByTestId('magnification').textContent()) ?? '').replace(/[^\d.]/g, ''))).toBeCloseTo(20, 0);
    expect(await classOf()).toBe('Tumour');
  });
});
