/**
 * Heatmap tiles meet, on screen in Chromium: zoomed to 10-20× over a stored analysis, no row or
 * column of the heatmap canvas has a thin untinted line between tinted cells (the old 1-px gap
 * drew a lattice there); the Smooth switch blends cells into gradients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { addSlidesByApi, analyseByApi, endSession, openSlideByUrl, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const model = sharedPath('oracle/resnet_tiny');

/** Along the canvas's middle row and column: transparent runs between tinted pixels, and the distinct colours seen. */
function profile(canvas: Locator): Promise<{ thinGaps: number; tinted: number; colours: number }> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const lines = [ctx.getImageData(0, Math.floor(c.height / 2), c.width, 1).data, ctx.getImageData(Math.floor(c.width / 2), 0, 1, c.height).data];
    let thinGaps = 0;
    let tinted = 0;
    const colours = new Set<number>();
    for (const d of lines) {
      let run = 0;
      let seenTint = false;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0) {
          // A clear run of at most 3 device pixels between tinted ones is a seam, not an untissued cell.
          if (seenTint && run > 0 && run <= 3) thinGaps++;
          run = 0;
          seenTint = true;
          tinted++;
          colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        } else run++;
      }
    }
    return { thinGaps, tinted, colours: colours.size };
  });
}

function magnification(page: Page): Promise<number> {
  return page.getByTestId('magnification').textContent().then((t) => Number((t ?? '').replace(/[^\d.]/g, '')));
}

describe('heatmap without seams (Chromium)', { ...needs(has.chromium, svs, model), timeout: 300_000 }, () => {
  const home = tempHome('tessella-e2e-seams-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });
  afterAll(() => endSession(browser, serve, home));

  it('tiles meet at 10-20×, and Smooth blends them', async () => {
    const [slideId] = await addSlidesByApi(serve, svs!);
    // 1 µm/px tiles (about 450 level-0 pixels), every tile classified, so the view is all cells.
    await analyseByApi(serve, slideId!, model!, { mpp: 1, minTissue: 0 });

    await openSlideByUrl(page, serve, slideId!);
    const heatmap = page.getByTestId('heatmap-canvas');
    await expect.poll(async () => Number(await heatmap.getAttribute('data-tiles')), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('zoom-in').isEnabled(), { timeout: 60_000 }).toBe(true);

    // Full resolution (20×), then a step out: cells a few hundred pixels wide, several in view.
    await page.getByTestId('zoom-1to1').click();
    await page.waitForTimeout(1500);
    await page.getByTestId('zoom-out').click();
    await page.waitForTimeout(1500);
    const mag = await magnification(page);
    expect(mag).toBeGreaterThanOrEqual(10);
    expect(mag).toBeLessThanOrEqual(20.05);

    const flat = await profile(heatmap);
    expect(flat.tinted).toBeGreaterThan(500);
    expect(flat.thinGaps).toBe(0);
    // Flat cells: one colour each.
    expect(flat.colours).toBeLessThan(20);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'heatmap-flat.png') });

    await page.getByTestId('analysis-toggle').click();
    const section = page.getByTestId('analysis-section-heatmap');
    const header = section.locator('button').first();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await page.getByTestId('heatmap-smooth').click();
    await expect.poll(async () => (await profile(heatmap)).colours).toBeGreaterThan(flat.colours * 3);
    expect((await profile(heatmap)).thinGaps).toBe(0);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'heatmap-smooth.png') });
  });
});
