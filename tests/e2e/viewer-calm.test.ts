/**
 * A calmer viewer, in Chromium at 1400 x 900 against `tessella serve`: one side panel at a time
 * (switching replaces, never stacks) and the slide keeps more than 900 px; whether the heatmap
 * shows belongs to each analysis; Grad-CAM has a legend; GeoJSON export says what it wrote and where.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { addSlidesByApi, analyseByApi, apiCall, endSession, opaquePixels, openSlideByUrl, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const model = sharedPath('oracle/resnet_tiny');

async function openSection(page: Page, testId: string) {
  const header = page.getByTestId(testId).locator('button').first();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

/** The panels on screen, by test id. */
async function panelsShown(page: Page): Promise<string[]> {
  const shown: string[] = [];
  for (const id of ['annotation-panel', 'analysis-panel', 'metadata-panel']) if (await page.getByTestId(id).isVisible()) shown.push(id);
  return shown;
}

async function viewerWidth(page: Page): Promise<number> {
  return (await page.getByTestId('viewer').boundingBox())!.width;
}

async function showAnalysis(page: Page, id: number) {
  await page.getByTestId('analysis-select').click();
  await page.locator(`li[data-value="${id}"]`).click();
}

describe('a calmer viewer (Chromium, 1400 x 900)', { ...needs(has.chromium, svs, model), timeout: 300_000 }, () => {
  const home = tempHome('tessella-e2e-viewer-calm-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let ids: number[] = [];

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 }, acceptDownloads: true }));
    const [slideId] = await addSlidesByApi(serve, svs!);
    // Two analyses of the slide (coarse tiles, so they finish quickly), and one drawn shape to export.
    for (const mpp of [4, 2]) ids.push(await analyseByApi(serve, slideId!, model!, { mpp, minTissue: 0 }));
    await apiCall(serve, 'annotations.create', { slideId, geometry: { type: 'Polygon', coordinates: [[[100, 100], [900, 100], [900, 700], [100, 700], [100, 100]]] } });
    await openSlideByUrl(page, serve, slideId!);
  }, 300_000);
  afterAll(() => endSession(browser, serve, home));

  it('shows one side panel at a time and keeps the slide wider than 900 px', async () => {
    const empty = await viewerWidth(page);
    await page.getByTestId('analysis-toggle').click();
    await page.getByTestId('analysis-panel').waitFor();
    expect(await panelsShown(page)).toEqual(['analysis-panel']);
    const withPanel = await viewerWidth(page);
    console.log(`[viewer] slide ${Math.round(empty)} px wide, ${Math.round(withPanel)} px with a panel open`);
    expect(withPanel).toBeGreaterThan(900);

    // Another panel replaces it; the slide keeps its width.
    await page.getByTestId('metadata-toggle').click();
    await page.getByTestId('metadata-panel').waitFor();
    expect(await panelsShown(page)).toEqual(['metadata-panel']);
    await page.getByTestId('annotations-panel-toggle').click();
    await page.getByTestId('annotation-panel').waitFor();
    expect(await panelsShown(page)).toEqual(['annotation-panel']);
    expect(await viewerWidth(page)).toBeCloseTo(withPanel, 0);

    // The tab strip switches in place.
    await page.getByTestId('side-panel-tab-analysis').click();
    await page.getByTestId('analysis-panel').waitFor();
    expect(await panelsShown(page)).toEqual(['analysis-panel']);
    expect(await page.getByTestId('side-panel').count()).toBe(1);

    // Closing it gives the slide the room back.
    await page.getByTestId('analysis-toggle').click();
    await expect.poll(() => panelsShown(page)).toEqual([]);
    expect(await viewerWidth(page)).toBeGreaterThan(withPanel);
  });

  it('remembers heatmap visibility per analysis', async () => {
    await page.getByTestId('analysis-toggle').click();
    await page.getByTestId('analysis-panel').waitFor();
    const heatmap = page.getByTestId('heatmap-canvas');
    const visible = page.getByTestId('heatmap-visible').locator('input');
    const [first, second] = ids as [number, number];

    await showAnalysis(page, first);
    await openSection(page, 'analysis-section-heatmap');
    await expect.poll(() => opaquePixels(heatmap), { timeout: 60_000 }).toBeGreaterThan(1000);
    expect(await visible.isChecked()).toBe(true);
    // Hide the first analysis's heatmap...
    await visible.click();
    await expect.poll(() => opaquePixels(heatmap)).toBe(0);

    // ...the second still shows its own.
    await showAnalysis(page, second);
    await expect.poll(() => visible.isChecked()).toBe(true);
    await expect.poll(() => opaquePixels(heatmap), { timeout: 60_000 }).toBeGreaterThan(1000);

    // Back to the first: still hidden, also after a reload.
    await showAnalysis(page, first);
    await expect.poll(() => visible.isChecked()).toBe(false);
    await expect.poll(() => opaquePixels(heatmap)).toBe(0);
    await page.reload();
    await page.getByTestId('analysis-panel').waitFor();
    await showAnalysis(page, first);
    await openSection(page, 'analysis-section-heatmap');
    await expect.poll(() => visible.isChecked()).toBe(false);
    await showAnalysis(page, second);
    await expect.poll(() => visible.isChecked()).toBe(true);
    await expect.poll(() => opaquePixels(heatmap), { timeout: 60_000 }).toBeGreaterThan(1000);
  });

  it('keys the Grad-CAM overlay with a low-to-high colour bar', async () => {
    await showAnalysis(page, ids[1]!);
    await page.getByTestId('zoom-fit').click();
    await openSection(page, 'analysis-section-explain');
    await page.getByTestId('analysis-explain').click();
    const legend = page.getByTestId('explain-legend');
    await legend.waitFor({ timeout: 120_000 });
    const text = (await legend.textContent()) ?? '';
    expect(text).toMatch(/Grad-CAM: evidence for (cat|dog|bird)/);
    expect(text).toMatch(/low.*high/);
    const bar = await page.getByTestId('explain-legend-bar').evaluate((el) => getComputedStyle(el).backgroundImage);
    expect(bar).toMatch(/^linear-gradient/);
    // The legend sits on the slide, clear of the navigator in the top right corner.
    const box = (await legend.boundingBox())!;
    const viewer = (await page.getByTestId('viewer').boundingBox())!;
    expect(box.y).toBeGreaterThan(viewer.y + viewer.height / 2);
    // Hiding the map hides its key.
    await page.getByTestId('explain-visible').click();
    await expect.poll(() => legend.count()).toBe(0);
  });

  it('says where the GeoJSON export went', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('annotations-export').click();
    const file = await download;
    const notice = page.getByTestId('annotations-notice');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('1 shape');
    expect(text).toContain(file.suggestedFilename());
    expect(text).toMatch(/downloads folder/);
  });
});
