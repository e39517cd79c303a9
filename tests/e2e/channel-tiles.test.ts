/**
 * Every channel of a QPTIFF can be seen (Chromium against `tessella serve`): the viewer mixes
 * each channel's own tiles in its colour, and the channel controls pick which ones show. The
 * synthetic slide lights a different third of its width per channel (DAPI blue left, CD8 green
 * middle, PD-L1 red right), so the screenshot says which channels are on screen. The NDPI
 * fluorescence scan, whose one channel rides in the ordinary tiles, still shows through the filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Locator, Page } from 'playwright-core';
import { addSlideInUi, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { makePattern16Qptiff, makePatternOmeTiff } from '../helpers/make-fluorescence.js';
import { makePatternQptiff } from '../helpers/make-fluorescence.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

type Hue = 'black' | 'red' | 'green' | 'blue' | 'yellow' | 'other';

/** What each pixel of the viewer canvas's middle row shows, from a screenshot. */
async function middleRow(page: Page, name: string): Promise<Hue[]> {
  // The OpenSeadragon drawer's canvas, not the navigator's or an overlay's.
  const png = await page.locator('[data-testid="viewer"] .openseadragon-canvas canvas').first().screenshot({ path: join(shots, name) });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const y = Math.floor(info.height / 2);
  const row: Hue[] = [];
  for (let x = 0; x < info.width; x++) {
    const o = (y * info.width + x) * 3;
    const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
    const hi = Math.max(r, g, b);
    if (hi < 6) row.push('black');
    else if (r > 60 && r > g + 40 && r > b + 40) row.push('red');
    else if (g > 60 && g > r + 40 && g > b + 40) row.push('green');
    else if (b > 60 && b > r + 40 && b > g + 40) row.push('blue');
    else if (r > 60 && g > 60 && Math.abs(r - g) < 40 && b < Math.min(r, g) - 40) row.push('yellow');
    else row.push('other');
  }
  return row;
}

/** The columns of the slide image (black or one channel's colour; the viewer's background is neither) and of each hue. */
function spans(row: Hue[]) {
  const at = (pred: (h: Hue) => boolean) => {
    const xs = row.flatMap((h, x) => (pred(h) ? [x] : []));
    return xs.length ? { from: xs[0]!, to: xs[xs.length - 1]!, count: xs.length } : null;
  };
  return {
    image: at((h) => h !== 'other'),
    red: at((h) => h === 'red'),
    green: at((h) => h === 'green'),
    blue: at((h) => h === 'blue'),
    yellow: at((h) => h === 'yellow'),
  };
}

describe('channels of a QPTIFF in the viewer (Chromium)', needs(has.chromium), () => {
  const home = tempHome('tessella-e2e-channel-tiles-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  /** Adds a fluorescence slide from the Slides page, opens its viewer and returns its channels panel. */
  async function openChannels(path: string): Promise<Locator> {
    await page.goto(serve.url);
    const card = await addSlideInUi(page, path);
    await expect.poll(() => card.getByTestId('slide-fluorescence').count()).toBe(1);
    await card.click();
    await page.getByTestId('viewer').waitFor();
    const panel = page.getByTestId('channels-panel');
    await panel.waitFor();
    return panel;
  }

  it('shows each channel in its colour, and channel 2 alone once channel 1 is off', { timeout: 300_000 }, async () => {
    const panel = await openChannels(await makePatternQptiff());
    expect(await panel.getByTestId('channel-row').allTextContents()).toEqual([
      expect.stringContaining('DAPI'),
      expect.stringContaining('CD8 (Opal 520)'),
      expect.stringContaining('PD-L1 (Opal 690)'),
    ]);
    // Channels mixed in the tiles, not by the canvas filter of RGB-packed channels.
    expect(await page.locator('[data-testid="viewer"] .openseadragon-canvas canvas').first().evaluate((c) => (c as HTMLCanvasElement).style.filter)).toBe('');
    // Collapsed, the panel keeps clear of the middle row the checks read.
    const collapse = async () => panel.getByLabel('Collapse channels').click();
    const expand = async () => panel.getByLabel('Expand channels').click();

    // All three on: blue, green and red thirds, left to right.
    await collapse();
    await expect
      .poll(async () => {
        const s = spans(await middleRow(page, 'channels-all.png'));
        return Boolean(s.image && s.blue && s.green && s.red && s.blue.to < s.green.from && s.green.to < s.red.from);
      }, { timeout: 90_000 })
      .toBe(true);

    // Channel 1 off, channel 2 on (and channel 3 off): only the middle third lights, in green.
    await expand();
    await page.screenshot({ path: join(shots, 'channels-panel-open.png') });
    await panel.getByLabel('Show DAPI').uncheck();
    await panel.getByLabel('Show PD-L1 (Opal 690)').uncheck();
    await panel.getByLabel('Show CD8 (Opal 520)').check();
    await collapse();
    await expect
      .poll(async () => {
        const s = spans(await middleRow(page, 'channels-cd8-only.png'));
        if (!s.image || !s.green || s.blue || s.red) return `image ${JSON.stringify(s)}`;
        const width = s.image.to - s.image.from + 1;
        const third = width / 3;
        // the green run is the middle third of the image, within a few percent
        const ok = Math.abs(s.green.from - (s.image.from + third)) < width * 0.04 && Math.abs(s.green.to - (s.image.from + 2 * third)) < width * 0.04;
        return ok ? 'middle third' : `green ${s.green.from}-${s.green.to} of image ${s.image.from}-${s.image.to}`;
      }, { timeout: 90_000 })
      .toBe('middle third');
  });

  it('a 16-bit QPTIFF: each channel in its colour, ranges and histograms in 16-bit units', { timeout: 300_000 }, async () => {
    const panel = await openChannels(await makePattern16Qptiff());
    // Auto-contrast on the 16-bit histograms: ranges far above 255, said to be 16-bit.
    await expect
      .poll(async () => (await panel.getByTestId('channel-range-text').allTextContents()).map((t) => /^(\d+)–(\d+) \(16-bit\)$/.exec(t)?.[2] ?? t), { timeout: 60_000 })
      .toEqual([expect.stringMatching(/^\d{5}$/), expect.stringMatching(/^\d{5}$/), expect.stringMatching(/^\d{5}$/)]);
    const maxima = await panel.getByRole('slider').evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuemax'))));
    expect(maxima.every((m) => m === 65535)).toBe(true);
    await page.screenshot({ path: join(shots, 'channels-16bit-panel.png') });
    await panel.getByLabel('Collapse channels').click();
    await expect
      .poll(async () => {
        const s = spans(await middleRow(page, 'channels-16bit.png'));
        return Boolean(s.image && s.blue && s.green && s.red && s.blue.to < s.green.from && s.green.to < s.red.from);
      }, { timeout: 90_000 })
      .toBe(true);
  });

  it('a multi-channel OME-TIFF lists every channel by name and mixes them', { timeout: 300_000 }, async () => {
    const panel = await openChannels(await makePatternOmeTiff());
    expect(await panel.getByTestId('channel-row').allTextContents()).toEqual([
      expect.stringContaining('Hoechst 33342'),
      expect.stringContaining('CD20 (AF488)'),
      expect.stringContaining('Pan-CK (AF647)'),
    ]);
    // Only the second channel (yellow): the middle third lights, red and green alike, no blue.
    await panel.getByLabel('Show Hoechst 33342').uncheck();
    await panel.getByLabel('Show Pan-CK (AF647)').uncheck();
    await panel.getByLabel('Collapse channels').click();
    await expect
      .poll(async () => {
        const s = spans(await middleRow(page, 'channels-ome-cd20-only.png'));
        if (!s.image || !s.yellow || s.blue || s.red || s.green) return `image ${JSON.stringify(s)}`;
        const width = s.image.to - s.image.from + 1;
        const ok = Math.abs(s.yellow.from - (s.image.from + width / 3)) < width * 0.04 && Math.abs(s.yellow.to - (s.image.from + (2 * width) / 3)) < width * 0.04;
        return ok ? 'middle third' : `yellow ${s.yellow.from}-${s.yellow.to} of image ${s.image.from}-${s.image.to}`;
      }, { timeout: 90_000 })
      .toBe('middle third');
  });

  const ndpi = sharedPath(SLIDES.ndpi);
  it('still shows the NDPI fluorescence scan through the channel filter', { ...needs(ndpi, has.openslide), timeout: 300_000 }, async () => {
    await page.goto(serve.url);
    const card = await addSlideInUi(page, ndpi!);
    await card.click();
    await page.getByTestId('viewer').waitFor();
    await page.getByTestId('channels-panel').waitFor();
    const canvas = page.locator('[data-testid="viewer"] .openseadragon-canvas canvas').first();
    await expect.poll(() => canvas.evaluate((c) => (c as HTMLCanvasElement).style.filter)).toContain('tessella-viewer-channels');
    // DAPI nuclei: blue pixels somewhere on the middle row once tiles are in.
    await page.getByTestId('channels-panel').getByLabel('Collapse channels').click();
    await expect.poll(async () => spans(await middleRow(page, 'ndpi-fluorescence.png')).blue?.count ?? 0, { timeout: 90_000 }).toBeGreaterThan(0);
  });
});
