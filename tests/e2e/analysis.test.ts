/**
 * Slide analysis from the viewer, end to end in Chromium against `tessella serve`: run a small
 * model on CMU-1-Small-Region.svs from the Analysis panel, watch it finish, check the heatmap,
 * hover card, slide label, class fractions, gallery, tissue overlay, explanation, export, the
 * queue view, cancel/resume, the slide-mpp prompt, and that a reload shows the stored analysis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { endSession, opaquePixels, openAnalysisPanel, openSlideInUi, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const noMppImage = sharedPath(SLIDES.ihc);
const model = sharedPath('oracle/resnet_tiny');
const labels = ['cat', 'dog', 'bird'];

/** Mean alpha (0..255) of the canvas's non-transparent pixels. */
function meanAlpha(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    let sum = 0;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] > 0) {
        n++;
        sum += data[i];
      }
    }
    return n ? sum / n : 0;
  });
}

/** Expands a collapsible part of the analysis panel (by its test id) and returns it. */
async function openSection(page: Page, testId: string) {
  const section = page.getByTestId(testId);
  const header = section.locator('button').first();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return section;
}

async function setSlider(page: Page, testId: string, key: 'Home' | 'End') {
  await page.getByTestId(testId).locator('input').focus();
  await page.keyboard.press(key);
}

describe('slide analysis in the viewer (Chromium)', needs(has.chromium, svs, model), () => {
  const home = tempHome('tessella-e2e-analysis-');
  const exportDir = join(home.dir, 'export');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let slideUrl = '';

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 950 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('runs an analysis from the Analysis panel and draws its heatmap', { timeout: 240_000 }, async () => {
    await page.goto(serve.url);
    await openSlideInUi(page, svs!);
    slideUrl = page.url();

    await openAnalysisPanel(page, model!);
    // The plan: tile counts for this model at the default 0.5 µm/px.
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 60_000 }).toMatch(/tiles with tissue of/);
    const planText = (await page.getByTestId('analysis-plan').textContent())!;
    expect(planText).toMatch(/0\.5 µm\/px/);
    await page.screenshot({ path: join(shots, 'analysis-plan.png') });

    await page.getByTestId('analysis-start').click();
    const status = page.getByTestId('analysis-status');
    await status.waitFor({ timeout: 60_000 });
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 180_000, interval: 500 }).toBe('completed');
    const progress = page.getByTestId('analysis-progress');
    expect(Number(await progress.getAttribute('data-done'))).toBeGreaterThan(0);
    expect(await progress.getAttribute('data-done')).toBe(await progress.getAttribute('data-total'));

    const heatmap = page.getByTestId('heatmap-canvas');
    await expect.poll(async () => Number(await heatmap.getAttribute('data-tiles')), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => opaquePixels(heatmap), { timeout: 60_000 }).toBeGreaterThan(1000);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-heatmap.png') });
    await page.screenshot({ path: join(shots, 'analysis-panel.png') });

    // Slide label and class fractions from analysis.slideLabel.
    await expect.poll(async () => (await page.getByTestId('slide-label').getAttribute('data-label')) ?? '', { timeout: 60_000 }).toMatch(/^(cat|dog|bird)$/);
    const fractions = await page
      .getByTestId('class-fractions')
      .locator('[data-fraction]')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-fraction'))));
    expect(fractions).toHaveLength(3);
    expect(fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it('shows the tile under the pointer with its class and probabilities', async () => {
    const viewer = page.getByTestId('viewer');
    const box = (await viewer.boundingBox())!;
    const hover = page.getByTestId('heatmap-hover');
    let found = false;
    // Sweep the slide until the pointer is over a classified (tissue) tile.
    for (let fy = 0.2; fy <= 0.8 && !found; fy += 0.1) {
      for (let fx = 0.2; fx <= 0.8 && !found; fx += 0.05) {
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
        await page.waitForTimeout(40);
        found = await hover.isVisible();
      }
    }
    expect(found).toBe(true);
    const text = (await hover.textContent())!;
    for (const l of labels) expect(text).toContain(l);
    expect(text).toMatch(/0\.\d{3}/);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-hover.png') });
    await page.mouse.move(box.x + 5, box.y + box.height - 5);
  });

  it('recolours with the class, colour map, opacity and threshold controls', async () => {
    const heatmap = page.getByTestId('heatmap-canvas');
    const before = await opaquePixels(heatmap);
    const alphaBefore = await meanAlpha(heatmap);

    await setSlider(page, 'heatmap-opacity', 'End');
    await expect.poll(() => meanAlpha(heatmap)).toBeGreaterThan(alphaBefore + 20);

    await page.getByTestId('heatmap-class').click();
    await page.getByRole('option', { name: 'dog' }).click();
    await expect.poll(async () => (await page.getByTestId('heatmap-class').textContent()) ?? '').toBe('dog');
    await page.getByTestId('heatmap-colormap').click();
    await page.getByRole('option', { name: /Diverging/ }).click();
    await page.waitForTimeout(300);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-heatmap-dog-diverging.png') });

    // Every tile's probability is below 1: the top threshold hides them all.
    await setSlider(page, 'heatmap-threshold', 'End');
    await expect.poll(() => opaquePixels(heatmap)).toBe(0);
    await setSlider(page, 'heatmap-threshold', 'Home');
    await expect.poll(() => opaquePixels(heatmap)).toBe(before);

    await page.getByTestId('heatmap-mode-label').click();
    await page.waitForTimeout(300);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-labels.png') });
    expect(await opaquePixels(heatmap)).toBe(before);

    // O hides and shows the overlay.
    await page.getByTestId('viewer').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('o');
    await expect.poll(() => opaquePixels(heatmap)).toBe(0);
    await page.keyboard.press('o');
    await expect.poll(() => opaquePixels(heatmap)).toBe(before);

    // Back to the default look (probability, 55% opacity) for the screenshots that follow.
    await page.getByTestId('heatmap-mode-probability').click();
    await setSlider(page, 'heatmap-opacity', 'Home');
    for (let i = 0; i < 11; i++) await page.keyboard.press('ArrowRight');
  });

  it('aggregates the slide label by method and threshold', async () => {
    await openSection(page, 'analysis-section-label');
    const label = page.getByTestId('slide-label');
    await page.getByTestId('slide-label-method').click();
    await page.getByRole('option', { name: 'Majority vote' }).click();
    await expect.poll(async () => (await label.textContent()) ?? '').toMatch(/vote share/);
    await setSlider(page, 'slide-label-threshold', 'End');
    await expect.poll(async () => (await label.getAttribute('data-label')) ?? 'x', { timeout: 60_000 }).toBe('');
    await expect.poll(async () => (await label.textContent()) ?? '').toContain('No label');
    await setSlider(page, 'slide-label-threshold', 'Home');
    await expect.poll(async () => (await label.getAttribute('data-label')) ?? '', { timeout: 60_000 }).toMatch(/^(cat|dog|bird)$/);
  });

  it('jumps the viewer to a tile of the gallery', async () => {
    const gallery = page.getByTestId('top-tiles');
    await gallery.scrollIntoViewIfNeeded();
    const tiles = gallery.getByTestId('top-tile');
    await expect.poll(() => tiles.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'analysis-gallery.png') });
    const zoomBefore = await page.getByTestId('magnification').textContent();
    await tiles.first().click();
    await expect.poll(async () => page.getByTestId('magnification').textContent(), { timeout: 60_000 }).not.toBe(zoomBefore);
    await page.waitForTimeout(800);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-gallery-jump.png') });
  });

  it('explains the view (Grad-CAM for a ResNet) as an overlay', { timeout: 120_000 }, async () => {
    const section = await openSection(page, 'analysis-section-explain');
    await section.scrollIntoViewIfNeeded();
    await page.getByTestId('analysis-explain').click();
    await page.getByTestId('explain-result').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('explain-result').textContent()).toMatch(/Grad-CAM/);
    await expect.poll(() => opaquePixels(page.getByTestId('explain-canvas'))).toBeGreaterThan(1000);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-explain.png') });
    await page.screenshot({ path: join(shots, 'analysis-explain-panel.png') });
    await page.getByTestId('explain-visible').click();
    await expect.poll(() => opaquePixels(page.getByTestId('explain-canvas'))).toBe(0);
  });

  it('shows detected tissue with adjustable thresholds', { timeout: 60_000 }, async () => {
    await page.getByTestId('zoom-fit').click();
    await page.getByTestId('heatmap-visible').click();
    const section = await openSection(page, 'analysis-section-tissue');
    await section.scrollIntoViewIfNeeded();
    await page.getByTestId('tissue-toggle').click();
    const tissue = page.getByTestId('tissue-canvas');
    await expect.poll(() => opaquePixels(tissue), { timeout: 60_000 }).toBeGreaterThan(1000);
    await expect.poll(async () => (await page.getByTestId('tissue-stats').textContent()) ?? '').toMatch(/Tissue \d+/);
    const auto = await opaquePixels(tissue);
    await page.waitForTimeout(500);
    await page.getByTestId('viewer').screenshot({ path: join(shots, 'analysis-tissue.png') });
    // A fixed, very high saturation threshold leaves (almost) nothing as tissue.
    await section.getByRole('checkbox', { name: 'Auto' }).first().click();
    await setSlider(page, 'tissue-saturation', 'End');
    await expect.poll(() => opaquePixels(tissue), { timeout: 60_000 }).toBeLessThan(auto);
    await page.getByTestId('tissue-toggle').click();
    await expect.poll(() => opaquePixels(tissue)).toBe(0);
    await page.getByTestId('heatmap-visible').click();
  });

  it('exports heatmap, CSV, GeoJSON and summary to a typed folder', { timeout: 60_000 }, async () => {
    const section = await openSection(page, 'analysis-section-export');
    await section.scrollIntoViewIfNeeded();
    await page.getByTestId('analysis-export-dir').fill(exportDir);
    await page.getByTestId('analysis-export').click();
    const files = page.getByTestId('analysis-export-files');
    await files.waitFor({ timeout: 60_000 });
    const text = (await files.textContent())!;
    for (const name of ['heatmap.png', 'tiles.csv', 'tiles.geojson', 'summary.json']) {
      expect(text).toContain(name);
      expect(existsSync(join(exportDir, name))).toBe(true);
    }
    expect(readFileSync(join(exportDir, 'tiles.csv'), 'utf8').split('\n').length).toBeGreaterThan(10);
  });

  it('shows the stored analysis at once after a reload', { timeout: 60_000 }, async () => {
    await page.goto(slideUrl);
    await page.reload();
    const heatmap = page.getByTestId('heatmap-canvas');
    await expect.poll(async () => Number(await heatmap.getAttribute('data-tiles')), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => opaquePixels(heatmap), { timeout: 60_000 }).toBeGreaterThan(1000);
    expect(await page.getByTestId('analysis-status').getAttribute('data-status')).toBe('completed');
    await page.screenshot({ path: join(shots, 'analysis-reopened.png') });
  });

  it('cancels and resumes an analysis', { timeout: 300_000 }, async () => {
    await openSection(page, 'analysis-new');
    await page.getByTestId('analysis-model').fill(model!);
    // Half-overlapping tiles: about four times the work, long enough to cancel mid-way.
    await setSlider(page, 'analysis-overlap', 'Home');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 60_000 }).toMatch(/tiles with tissue/);
    await page.getByTestId('analysis-start').click();
    const status = page.getByTestId('analysis-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000, interval: 200 }).toMatch(/queued|running/);
    const progress = page.getByTestId('analysis-progress');
    // Cancel as soon as tiles are coming: a fast engine finishes this slide in seconds.
    await expect.poll(async () => Number(await progress.getAttribute('data-done')), { timeout: 90_000, interval: 100 }).toBeGreaterThan(0);
    await page.getByTestId('analysis-cancel').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    const doneAtCancel = Number(await progress.getAttribute('data-done'));
    const total = Number(await progress.getAttribute('data-total'));
    expect(doneAtCancel).toBeLessThan(total);

    // While the resumed run runs, the page shows rate and time left (from the analysis.progress
    // events) and draws the tiles already classified. Recorded by the page itself on every change
    // of the DOM, so that a run of a few seconds cannot slip between two polls.
    await page.evaluate(() => {
      const seen: Record<string, boolean> = { rate: false, drawn: false };
      (window as unknown as { seen: Record<string, boolean> }).seen = seen;
      const check = () => {
        if (document.querySelector('[data-testid="analysis-status"]')?.getAttribute('data-status') !== 'running') return;
        if (/tiles\/s · about \d+ (s|min)/.test(document.querySelector('[data-testid="analysis-progress"]')?.textContent ?? '')) seen.rate = true;
        if (Number(document.querySelector('[data-testid="heatmap-canvas"]')?.getAttribute('data-tiles') ?? 0) > 0) seen.drawn = true;
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.getByTestId('analysis-resume').click();
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    expect(await page.evaluate(() => (window as unknown as { seen: Record<string, boolean> }).seen)).toEqual({ rate: true, drawn: true });
    await page.screenshot({ path: join(shots, 'analysis-resumed.png') });
    // Two analyses of this slide now: the panel offers a choice.
    await page.getByTestId('analysis-select').waitFor();
  });

  it('lists every analysis in the queue view from the Slides page', async () => {
    await page.goto(slideUrl.replace(/#.*$/, '#/slides'));
    await page.getByTestId('analysis-queue-button').click();
    const rows = page.getByTestId('analysis-queue-row');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    expect(await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-status')))).toEqual(['completed', 'completed']);
    await page.screenshot({ path: join(shots, 'analysis-queue.png') });
    await page.keyboard.press('Escape');
  });

  it('asks for the pixel size of a slide that has none', { ...needs(noMppImage), timeout: 90_000 }, async () => {
    await openSlideInUi(page, noMppImage!);
    await page.getByTestId('analysis-panel').waitFor();
    await page.getByTestId('analysis-model').fill(model!);
    await page.getByTestId('analysis-needs-mpp').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('analysis-start').isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, 'analysis-needs-mpp.png') });
    await page.getByTestId('analysis-slide-mpp').fill('0.5');
    await page.getByTestId('analysis-slide-mpp-set').click();
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 60_000 }).toMatch(/tiles with tissue of/);
    expect(await page.getByTestId('analysis-start').isDisabled()).toBe(false);
  });

  it('queues several slides at once from the queue view', { ...needs(noMppImage), timeout: 120_000 }, async () => {
    await page.goto(slideUrl.replace(/#.*$/, '#/slides'));
    await page.getByTestId('analysis-queue-button').click();
    await page.getByTestId('analyse-slides-toggle').click();
    await page.getByRole('checkbox', { name: 'Select every slide' }).click();
    await page.getByTestId('analyse-slides-model').fill(model!);
    await page.getByTestId('analyse-slides-mpp').fill('');
    await page.getByTestId('analyse-slides-overlap').locator('input').focus();
    await page.keyboard.press('Home');
    await page.screenshot({ path: join(shots, 'analysis-queue-form.png') });
    await page.getByTestId('analyse-slides-start').click();
    // The SVS was analysed with these settings already; only the PNG is new work.
    await expect.poll(async () => (await page.getByTestId('analysis-queue').textContent()) ?? '', { timeout: 60_000 }).toMatch(/Queued 1 slide; 1 already analysed/);
    const row = page.getByTestId('analysis-queue-row').filter({ hasText: 'skimage_ihc.png' });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 90_000, interval: 500 }).toBe('completed');
    expect(await page.getByTestId('analysis-queue-row').count()).toBe(3);
    await page.screenshot({ path: join(shots, 'analysis-queue-many.png') });
  });
});
