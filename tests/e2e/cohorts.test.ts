/**
 * The Cohorts page in Chromium against `tessella serve`: a cohort made with `tessella cohort run`
 * (one real slide scored by the tiny oracle ViT, one unreadable file) in another data home is
 * added by its folder, shows each slide's state with the failure's line, and Collect brings the
 * done slide into the library with a link that opens it in the viewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { tessella } from '../helpers/cli.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const vitTiny = sharedPath('oracle/vit_tiny');

describe('Cohorts page (Chromium)', needs(has.chromium, has.openslide, svs, vitTiny), () => {
  const home = tempHome('tessella-e2e-cohorts-');
  const dir = join(home.dir, 'cohort');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const bad = join(home.dir, 'broken.svs');
    writeFileSync(bad, 'not a slide at all\n');
    // Run in another data home: the served one only learns of the folder when the user adds it.
    const r = tessella(['cohort', 'run', svs!, bad, '--model', vitTiny!, '--mpp', '8', '--out', dir, '--json'], { TESSELLA_HOME: join(home.dir, 'cli-home') });
    expect(r.code, r.stderr).toBe(0);
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  }, 300_000);

  afterAll(() => endSession(browser, serve, home));

  it('adds a cohort folder, shows per-slide states and collects the done slide into the library', { timeout: 300_000 }, async () => {
    await page.goto(serve.url);
    await page.getByTestId('nav-cohorts').click();
    await page.getByTestId('cohorts-empty').waitFor();

    // A folder that is no cohort is refused, saying so.
    await page.getByTestId('cohort-add-path').fill(home.dir);
    await page.getByTestId('cohort-add-submit').click();
    await page.getByText(/no cohort manifest/).waitFor();

    await page.getByTestId('cohort-add-path').fill(dir);
    await page.getByTestId('cohort-add-submit').click();
    const card = page.locator(`[data-testid="cohort-card"][data-dir="${dir}"]`);
    await card.waitFor();
    expect(await card.getByTestId('cohort-count-done').textContent()).toBe('1 done');
    expect(await card.getByTestId('cohort-count-failed').textContent()).toBe('1 failed');

    await card.getByTestId('cohort-toggle').click();
    const rows = card.getByTestId('cohort-slide-row');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    expect(await rows.nth(0).getAttribute('data-state')).toBe('done');
    expect(await rows.nth(0).textContent()).toContain('CMU-1-Small-Region.svs');
    expect(await rows.nth(1).getAttribute('data-state')).toBe('failed');
    expect(await rows.nth(1).textContent()).toMatch(/Cannot open broken\.svs: .* its content is text/);

    expect(await apiCall(serve, 'slides.list', {})).toEqual([]);
    await card.getByTestId('cohort-collect').click();
    const result = card.getByTestId('cohort-collected');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toMatch(/1 analysis\(es\) imported, 0 already in the library, 1 slide\(s\) not collected/);
    await page.screenshot({ path: join(shots, 'cohorts-collected.png') });
    const slides = await apiCall<{ id: number; path: string }[]>(serve, 'slides.list', {});
    expect(slides.map((s) => s.path)).toEqual([svs]);
    const link = result.getByTestId('cohort-collected-slide');
    expect(await link.getAttribute('data-imported')).toBe('true');

    // The link opens the collected slide in the viewer.
    await link.click();
    await page.getByTestId('viewer').waitFor();
    expect(new URL(page.url()).hash).toBe(`#/slides/${slides[0]!.id}`);

    // Collecting again keeps what is there.
    await page.getByTestId('nav-cohorts').click();
    await card.getByTestId('cohort-collect').click();
    await expect.poll(async () => (await card.getByTestId('cohort-collected').textContent()) ?? '', { timeout: 120_000 }).toMatch(/0 analysis\(es\) imported, 1 already in the library/);
  });

  it('runs a cohort here from its dialog and follows it to the end', { timeout: 300_000 }, async () => {
    const here = join(home.dir, 'run-here');
    await page.getByTestId('nav-cohorts').click();
    await page.getByTestId('run-cohort-button').click();
    const dialog = page.getByTestId('run-cohort-dialog');
    await dialog.waitFor();
    await page.getByTestId('run-cohort-slides').fill(svs!);
    await page.getByTestId('run-cohort-model').fill(vitTiny!);
    await page.getByTestId('run-cohort-mpp').fill('8');
    await page.getByTestId('run-cohort-out').fill(here);
    await page.getByTestId('run-cohort-start').click();
    await dialog.waitFor({ state: 'detached', timeout: 120_000 });

    const progress = page.getByTestId('cohort-run-progress');
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 240_000, interval: 500 }).toBe('completed');
    const card = page.locator(`[data-testid="cohort-card"][data-dir="${here}"]`);
    await expect.poll(async () => (await card.getByTestId('cohort-count-done').textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toBe('1 done');
    const list = await apiCall<{ dir: string }[]>(serve, 'cohorts.list', {});
    expect(list.map((c) => c.dir)).toEqual([here, dir]);
  });
});
