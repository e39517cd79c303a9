/**
 * Reports end to end in Chromium against `tessella serve`: a slide report from the viewer's
 * analysis panel (notes typed by the user end up in the PDF), a cohort report of two slides from
 * the Reports page (its CSV has one row per slide), a run report of a quick training run, and
 * removing a report with its files. Files are fetched through the links the page shows, as a
 * browser-mode user would get them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { apiCall, endSession, openSlideInUi, serveOrigin, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const model = sharedPath('oracle/resnet_tiny');
const lung = sharedPath('data/patches/lc25000_lung');

/** pdftotext of a PDF held in memory, whitespace folded; the PDF is kept in test-results to look at. */
function pdfText(bytes: Buffer, name: string): string {
  const file = join(shots, name);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('reports from the UI (Chromium)', needs(has.chromium, has.poppler, svs, model), () => {
  const home = tempHome('tessella-e2e-reports-');
  const notes = 'Reviewed for the Thursday tumour board; tiles below 0.5 µm/px were excluded.';
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  const origin = () => serveOrigin(serve);
  /** A contract call over HTTP, for set-up the test does not need to click through. */
  const call = <T = any>(name: string, input: unknown) => apiCall<T>(serve, name, input);

  /** Follows a link of the page (it carries the token, as the browser would send it). */
  async function follow(link: Locator): Promise<Response> {
    const hrefValue = await link.getAttribute('href');
    expect(hrefValue).toBeTruthy();
    return fetch(new URL(hrefValue!, origin()));
  }

  const row = (id: number) => page.locator(`[data-testid="report-row"][data-report-id="${id}"]`);

  async function waitCompleted(id: number, timeout = 240_000) {
    await expect.poll(() => row(id).getAttribute('data-status'), { timeout, interval: 500 }).toMatch(/completed|failed|cancelled/);
    const r = await call('reports.get', { id });
    expect(r.status, r.error ?? '').toBe('completed');
    return r;
  }

  /** Each test starts from a fresh load of the Reports page, whatever the one before left open. */
  async function openReportsPage() {
    await page.goto(serve.url);
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-page').waitFor();
  }

  async function newestReportId(): Promise<number> {
    const list = await call<{ id: number }[]>('reports.list', {});
    return list[0]!.id;
  }

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 950 }, acceptDownloads: true }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('makes a slide report from the analysis panel, with the notes in the PDF', { timeout: 420_000 }, async () => {
    await page.goto(serve.url);
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-empty').waitFor();

    await page.getByTestId('nav-slides').click();
    await openSlideInUi(page, svs!);

    await page.getByTestId('analysis-toggle').click();
    await page.getByTestId('analysis-panel').waitFor();
    await page.getByTestId('analysis-model').fill(model!);
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 60_000 }).toMatch(/tiles with tissue of/);
    await page.getByTestId('analysis-start').click();
    const status = page.getByTestId('analysis-status');
    await status.waitFor({ timeout: 60_000 });
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 180_000, interval: 500 }).toBe('completed');

    // Escape closes the dialog without making anything.
    await page.getByTestId('slide-report-button').click();
    const dialog = page.getByTestId('new-report-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await call('reports.list', {})).toEqual([]);

    await page.getByTestId('slide-report-button').click();
    await dialog.waitFor();
    // the slide's name shows once the library list has loaded (its id stands in until then)
    await expect.poll(async () => (await dialog.getByTestId('report-fixed-slide').textContent()) ?? '', { timeout: 30_000 }).toContain('CMU-1-Small-Region.svs');
    expect(await page.getByTestId('report-model').inputValue()).toBe(model);
    await page.getByTestId('report-notes').fill(notes);
    await page.getByTestId('report-save-html').locator('input').check();
    await page.getByTestId('report-save-csv').locator('input').check();
    await page.getByTestId('report-title').fill('CMU-1 small region, resnet_tiny');
    await dialog.locator('.MuiDialog-paper').screenshot({ path: join(shots, 'reports-slide-dialog.png') });
    // Enter in a one-line field submits the dialog.
    await page.keyboard.press('Enter');

    const followView = page.getByTestId('report-follow');
    await followView.waitFor({ timeout: 60_000 });
    const id = Number(await followView.getAttribute('data-report-id'));
    expect(id).toBeGreaterThan(0);
    await followView.getByTestId('report-open-pdf').waitFor({ timeout: 240_000 });
    await dialog.locator('.MuiDialog-paper').screenshot({ path: join(shots, 'reports-slide-done.png') });
    await page.getByTestId('report-go-reports').click();
    await page.getByTestId('reports-page').waitFor();

    const report = await waitCompleted(id);
    expect(report).toMatchObject({ kind: 'slide', title: 'CMU-1 small region, resnet_tiny', pageSize: 'A4' });
    expect(report.pages).toBeGreaterThan(0);
    expect(await row(id).textContent()).toContain('CMU-1 small region, resnet_tiny');
    await page.screenshot({ path: join(shots, 'reports-page.png') });

    const response = await follow(row(id).getByTestId('report-open-pdf'));
    expect(response.status).toBe(200);
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBe(report.bytes);
    const text = pdfText(pdf, 'reports-slide.pdf');
    expect(text).toContain(notes.replace(/\s+/g, ' '));
    expect(text).toContain('CMU-1-Small-Region');
    // The HTML and CSV asked for sit beside the PDF in the data home, and download from the row.
    for (const path of [report.htmlPath, report.csvPath]) expect(path).toContain(join(home.dir, 'home', 'reports'));
    const html = await follow(row(id).getByTestId('report-html'));
    expect(html.headers.get('content-type') ?? '').toMatch(/text\/html/);
    expect((await html.text()).replace(/\s+/g, ' ')).toContain(notes);
    const csv = await follow(row(id).getByTestId('report-csv'));
    expect((await csv.text()).trim().split('\n').length).toBeGreaterThan(10);
    // Revealing a file needs the desktop app; a browser tab does not offer it.
    expect(await row(id).getByTestId('report-reveal').count()).toBe(0);
  });

  it('makes a cohort report of two slides from the Reports page, analysing the one not yet analysed, with one CSV row per slide', { timeout: 420_000 }, async () => {
    // A second slide of the cohort: a copy under another name, which has no analysis yet.
    const copy = join(home.dir, 'CMU-1-second-copy.svs');
    copyFileSync(svs!, copy);
    const { added } = await call('slides.add', { paths: [copy] });
    expect(added).toHaveLength(1);
    await openReportsPage();
    await page.getByTestId('new-cohort-report').click();
    const dialog = page.getByTestId('new-report-dialog');
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-kind')).toBe('cohort');
    await page.getByTestId('report-model').fill(model!);
    // Nothing picked yet: the button waits for slides.
    expect(await page.getByTestId('report-create').isDisabled()).toBe(true);
    await page.getByTestId('report-slides-all').locator('input').check();
    await expect.poll(() => dialog.locator('[data-testid="report-slide-option"] input:checked').count()).toBe(2);
    // The form says up front that one slide still has to be analysed.
    await expect.poll(() => page.getByTestId('report-coverage').getAttribute('data-missing'), { timeout: 60_000 }).toBe('1');
    await page.getByTestId('report-notes').fill('Two-slide cohort for the e2e test.');
    await page.getByTestId('report-page-Letter').click();
    await dialog.locator('.MuiDialog-paper').screenshot({ path: join(shots, 'reports-cohort-dialog.png') });
    await page.getByTestId('report-create').click();
    await dialog.waitFor({ state: 'detached' });

    const id = await newestReportId();
    // While the copy is analysed the row shows a progress bar.
    await row(id).getByTestId('report-progress').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(shots, 'reports-cohort-running.png') });
    const report = await waitCompleted(id, 400_000);
    expect(report).toMatchObject({ kind: 'cohort', pageSize: 'Letter' });
    expect(report.slideIds).toHaveLength(2);
    expect(await call('analysis.list', { slideId: added[0].id, status: 'completed' })).toHaveLength(1);

    const pdf = Buffer.from(await (await follow(row(id).getByTestId('report-open-pdf'))).arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfText(pdf, 'reports-cohort.pdf')).toContain('CMU-1-second-copy.svs');

    const csvLink = row(id).getByTestId('report-csv');
    expect(await csvLink.getAttribute('download')).toMatch(/\.csv$/);
    const response = await follow(csvLink);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type') ?? '').toMatch(/csv/);
    const lines = (await response.text()).trim().split(/\r?\n/);
    expect(lines).toHaveLength(3);
    const header = lines[0]!.split(',');
    const at = (line: string, column: string) => line.split(',')[header.indexOf(column)];
    expect(lines.slice(1).map((l) => at(l, 'slide_name')).sort()).toEqual(['CMU-1-Small-Region.svs', 'CMU-1-second-copy.svs']);
    for (const line of lines.slice(1)) {
      expect(at(line, 'slide_label')).toMatch(/^(cat|dog|bird)$/);
      expect(at(line, 'error')).toBe('');
    }
    await page.screenshot({ path: join(shots, 'reports-cohort.png') });
  });

  it('makes a run report of a training run from the Reports page', { ...needs(lung), timeout: 480_000 }, async () => {
    const ds = await call('datasets.import', { path: lung!, name: 'lung' });
    const started = await call('training.start', { datasetId: ds.id, init: model!, mode: 'head', epochs: 2, batchSize: 16, lr: 0.01, name: 'head on resnet_tiny' });
    for (;;) {
      const r = await call('runs.get', { id: started.id });
      if (!['queued', 'running'].includes(r.status)) {
        expect(r.status).toBe('completed');
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }

    await openReportsPage();
    await page.getByTestId('new-run-report').click();
    const dialog = page.getByTestId('new-report-dialog');
    await dialog.waitFor();
    const option = dialog.locator(`[data-testid="report-run-option"][data-run-id="${started.id}"]`);
    await option.waitFor();
    await option.click();
    await page.getByTestId('report-notes').fill('Head-only fine-tune on LC25000 lung.');
    await dialog.locator('.MuiDialog-paper').screenshot({ path: join(shots, 'reports-run-dialog.png') });
    await page.getByTestId('report-create').click();
    await dialog.waitFor({ state: 'detached' });

    const id = await newestReportId();
    const report = await waitCompleted(id);
    expect(report).toMatchObject({ kind: 'run', runIds: [started.id] });
    const pdf = Buffer.from(await (await follow(row(id).getByTestId('report-open-pdf'))).arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf, 'reports-run.pdf');
    expect(text).toContain('head on resnet_tiny');
    expect(text).toContain('Head-only fine-tune on LC25000 lung.');

    // The same report from the run's own page: the run is ticked already, the dialog follows it to the end.
    await page.goto(`${serve.url.replace(/\?.*$/, '')}#/runs/${started.id}`);
    await page.getByTestId('run-detail').waitFor();
    await page.screenshot({ path: join(shots, 'reports-run-detail.png') });
    await page.getByTestId('run-report-button').click();
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-kind')).toBe('run');
    await expect.poll(() => dialog.locator(`[data-testid="report-run-option"][data-run-id="${started.id}"] input`).isChecked()).toBe(true);
    await page.getByTestId('report-create').click();
    const followView = page.getByTestId('report-follow');
    await followView.getByTestId('report-open-pdf').waitFor({ timeout: 240_000 });
    const second = Number(await followView.getAttribute('data-report-id'));
    expect(second).toBeGreaterThan(id);
    const again = Buffer.from(await (await follow(followView.getByTestId('report-open-pdf'))).arrayBuffer());
    expect(again.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('nav-reports').click();
    await expect.poll(() => row(second).getAttribute('data-status')).toBe('completed');
  });

  it('removes a report with its files', { timeout: 60_000 }, async () => {
    await openReportsPage();
    const before = await call<{ id: number; pdfPath: string | null }[]>('reports.list', {});
    const victim = before.at(-1)!;
    const pdfLink = await row(victim.id).getByTestId('report-open-pdf').getAttribute('href');
    await row(victim.id).getByTestId('report-remove').click();
    await page.getByTestId('report-remove-files').locator('input').check();
    await page.screenshot({ path: join(shots, 'reports-remove.png') });
    await page.getByTestId('report-remove-confirm').click();
    await expect.poll(() => row(victim.id).count()).toBe(0);
    expect(await page.getByTestId('report-row').count()).toBe(before.length - 1);
    expect((await call<{ id: number }[]>('reports.list', {})).map((r) => r.id)).not.toContain(victim.id);
    expect((await fetch(new URL(pdfLink!, origin()))).status).toBe(404);
  });
});
