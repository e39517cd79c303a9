/**
 * A fluorescence slide in the UI (Chromium against `tessella serve`): its card says fluorescence,
 * the viewer shows channel controls (on/off, colour, range, auto), and starting a brightfield
 * model on it warns and asks first: Cancel queues nothing, "Analyse anyway" runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addSlideInUi, apiCall, endSession, openAnalysisPanel, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const ndpi = sharedPath(SLIDES.ndpi);
const model = sharedPath('oracle/resnet_tiny');

describe('a fluorescence slide and a brightfield model (Chromium)', needs(has.chromium, ndpi, model), () => {
  const home = tempHome('tessella-e2e-image-type-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 950 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('marks the slide as fluorescence and asks before analysing it with a brightfield model', { timeout: 300_000 }, async () => {
    await page.goto(serve.url);
    const card = await addSlideInUi(page, ndpi!);
    await expect.poll(() => card.getByTestId('slide-fluorescence').count()).toBe(1);
    await card.click();
    await page.getByTestId('viewer').waitFor();

    // Channel controls: the DAPI channel (the tiles' blue), auto-contrasted, can be hidden.
    const channelsPanel = page.getByTestId('channels-panel');
    await channelsPanel.waitFor();
    expect(await channelsPanel.getByTestId('channel-row').allTextContents()).toEqual([expect.stringContaining('DAPI 2 (387)')]);
    const canvasFilter = () => page.locator('[data-testid="viewer"] canvas').first().evaluate((c) => (c as HTMLCanvasElement).style.filter);
    await expect.poll(canvasFilter).toContain('tessella-viewer-channels');
    const blueSlope = () => page.locator('#tessella-viewer-channels feFuncB').getAttribute('slope');
    await expect.poll(async () => Number(await blueSlope())).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'fluorescence-channels.png') });
    await channelsPanel.getByLabel('Show DAPI 2 (387)').uncheck();
    await expect.poll(async () => Number(await blueSlope())).toBe(0);
    await channelsPanel.getByLabel('Show DAPI 2 (387)').check();

    await openAnalysisPanel(page, model!);
    const warning = page.getByTestId('analysis-image-type-warning');
    await warning.waitFor({ timeout: 90_000 });
    expect(await warning.textContent()).toMatch(/^Slide "slideio_test3-DAPI-2-387.ndpi" is a fluorescence image but model "resnet_tiny" was trained on brightfield images/);
    await page.screenshot({ path: join(shots, 'image-type-warning.png') });

    // Cancel: nothing is queued.
    await page.getByTestId('analysis-start').click();
    const dialog = page.getByTestId('image-type-mismatch-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('image-type-mismatch-message').textContent()).toMatch(/fluorescence image/);
    await page.getByTestId('image-type-mismatch-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    const slides = await apiCall<{ id: number; imageType: string; channels: { name: string }[] }[]>(serve, 'slides.list', {});
    expect(slides.map((s) => [s.imageType, s.channels.map((c) => c.name)])).toEqual([['fluorescence', ['DAPI 2 (387)']]]);
    expect(await apiCall<unknown[]>(serve, 'analysis.list', { slideId: slides[0]!.id })).toEqual([]);

    // Analyse anyway: it runs, on the fluorescence tissue.
    await page.getByTestId('analysis-start').click();
    await dialog.waitFor();
    await page.getByTestId('image-type-mismatch-proceed').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => (await apiCall<{ status: string }[]>(serve, 'analysis.list', { slideId: slides[0]!.id })).map((a) => a.status), { timeout: 180_000 })
      .toEqual(['completed']);
    const [analysis] = await apiCall<{ grid: { tiles: number; tissueTiles: number } }[]>(serve, 'analysis.list', { slideId: slides[0]!.id });
    expect(analysis!.grid.tissueTiles).toBeGreaterThan(analysis!.grid.tiles / 2);
  });
});
