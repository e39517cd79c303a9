/**
 * Datasets end to end in Chromium against browser mode: import LC25000 lung from the UI, read
 * its class counts and sample grid, relabel in the labelling grid by key with undo/redo, find the
 * label persisted after a reload, get model suggestions; then the grid at 100,000 images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('datasets and labelling end to end in Chromium', needs(has.chromium, lung), () => {
  const home = tempHome('tessella-e2e-ds-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let datasetId = 0;

  const cells = () => page.getByTestId('label-cell');
  const cellAt = (index: number) => page.locator(`[data-testid="label-cell"][data-index="${index}"]`);
  const base = () => serve.url.replace(/\?.*$/, '');

  /** Thumbnails in the page that finished loading with real pixels. */
  const loadedThumbs = (testId: string) =>
    page.evaluate((id) => [...document.querySelectorAll<HTMLImageElement>(`img[data-testid="${id}"]`)].filter((i) => i.complete && i.naturalWidth > 0).length, testId);

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 900 } }));
  });

  afterAll(() => endSession(browser, serve, home));

  it('imports the lung folder from the UI and shows its classes, splits and samples', async () => {
    await page.goto(serve.url);
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('datasets-empty').waitFor();
    await page.getByTestId('import-dataset-button').click();
    // A copy with one file that is not really a JPEG: the import leaves it out and says why.
    const copy = join(home.dir, 'lc25000_lung');
    cpSync(lung!, copy, { recursive: true });
    writeFileSync(join(copy, 'lung_n', 'broken.jpeg'), 'not a jpeg');
    await page.getByTestId('import-path').fill(copy);
    expect(await page.getByTestId('import-name').inputValue()).toBe('lc25000_lung');
    await page.getByTestId('import-name').fill('lung');
    await page.getByTestId('import-seed').fill('7');
    await page.getByTestId('import-dataset-dialog').locator('.MuiDialog-paper').screenshot({ path: join(shots, 'datasets-import-form.png') });
    await page.getByTestId('import-submit').click();
    const result = page.getByTestId('import-result');
    await result.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('import-result-classes').textContent()).toBe('lung_aca: 30lung_n: 30lung_scc: 30');
    // LC25000 itself holds two rotated copies (lungn1773 of lungn1150, lungn4821 of lungn2243): found, kept, in one split each.
    expect(await page.getByTestId('import-result-duplicates').textContent()).toContain('0 exact and 2 near-duplicate images');
    expect(await page.getByTestId('import-errors').textContent()).toMatch(/1 file left out.*lung_n\/broken\.jpeg: .+/);
    await page.getByTestId('import-dataset-dialog').locator('.MuiDialog-paper').screenshot({ path: join(shots, 'datasets-import-result.png') });

    await page.getByTestId('import-open').click();
    await page.getByTestId('dataset-detail').waitFor();
    datasetId = Number(/#\/datasets\/(\d+)/.exec(page.url())?.[1]);
    expect(datasetId).toBeGreaterThan(0);
    expect(await page.getByTestId('dataset-class-total').allTextContents()).toEqual(['30', '30', '30']);
    const splits = await Promise.all(['train', 'val', 'test'].map(async (s) => Number((await page.getByTestId(`dataset-split-${s}`).textContent())!.replace(/\D/g, ''))));
    expect(splits.reduce((a, b) => a + b, 0)).toBe(90);
    expect(await page.getByTestId('dataset-class-chart').locator('rect').count()).toBeGreaterThanOrEqual(9);
    expect(await page.getByTestId('dataset-errors').textContent()).toContain('broken.jpeg');
    // Twelve samples of each class, every one a decoded JPEG.
    await expect.poll(() => loadedThumbs('dataset-sample-thumb'), { timeout: 60_000 }).toBe(36);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'datasets-detail.png') });

    await page.getByTestId('nav-datasets').click();
    const row = page.getByTestId('dataset-row');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/lung.*folder.*90.*3 · lung_aca, lung_n, lung_scc/);
    await page.screenshot({ path: join(shots, 'datasets-list.png') });
  });

  it('relabels an image with a number key, undoes and redoes it, and keeps it after a reload', async () => {
    await page.goto(`${base()}#/datasets/${datasetId}`);
    await page.getByTestId('dataset-label-button').click();
    await page.getByTestId('label-grid').waitFor();
    await expect.poll(() => page.getByTestId('label-count').textContent()).toBe('90 images');
    await expect.poll(() => loadedThumbs('label-thumb'), { timeout: 60_000 }).toBeGreaterThan(20);
    // Windowed: only the rows near the viewport are in the DOM.
    expect(await cells().count()).toBeLessThan(90);

    const first = cellAt(0);
    expect(await first.getAttribute('data-label')).toBe('lung_aca');
    const imageId = Number(await first.getAttribute('data-image-id'));
    await first.click();
    await expect.poll(() => first.getAttribute('data-selected')).toBe('true');
    await page.keyboard.press('2');
    await expect.poll(() => first.getAttribute('data-label')).toBe('lung_n');
    // The focus moved on to the next image, ready for the next key.
    expect(await cellAt(1).getAttribute('data-focused')).toBe('true');
    await expect.poll(() => page.locator('[data-testid="class-chip"][data-label="lung_n"]').textContent()).toContain('31');
    await page.screenshot({ path: join(shots, 'labelling-relabelled.png') });

    await page.keyboard.press('Control+z');
    await expect.poll(() => first.getAttribute('data-label')).toBe('lung_aca');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => first.getAttribute('data-label')).toBe('lung_n');

    // Shift-click a range and label it by clicking a class; then undo that step only.
    await cellAt(3).click();
    await cellAt(6).click({ modifiers: ['Shift'] });
    expect(await page.getByTestId('label-selected-count').textContent()).toBe('4 selected');
    await page.locator('[data-testid="class-chip"][data-label="lung_scc"]').click();
    await expect.poll(async () => Promise.all([3, 4, 5, 6].map((i) => cellAt(i).getAttribute('data-label')))).toEqual(['lung_scc', 'lung_scc', 'lung_scc', 'lung_scc']);
    await page.getByTestId('label-undo').click();
    await expect.poll(async () => Promise.all([3, 4, 5, 6].map((i) => cellAt(i).getAttribute('data-label')))).toEqual(['lung_aca', 'lung_aca', 'lung_aca', 'lung_aca']);

    await page.reload();
    await page.getByTestId('label-grid').waitFor({ timeout: 60_000 });
    await expect.poll(() => cellAt(0).getAttribute('data-label'), { timeout: 60_000 }).toBe('lung_n');
    expect(Number(await cellAt(0).getAttribute('data-image-id'))).toBe(imageId);
    expect(await cellAt(3).getAttribute('data-label')).toBe('lung_aca');
    await page.goto(`${base()}#/datasets/${datasetId}`);
    await page.getByTestId('dataset-detail').waitFor();
    await expect.poll(() => page.getByTestId('dataset-class-total').allTextContents()).toEqual(['29', '31', '30']);
  });

  it('shows model suggestions, least certain first', needs(vitTiny), async () => {
    await page.goto(`${base()}#/datasets/${datasetId}/label`);
    await page.getByTestId('label-grid').waitFor();
    await page.getByTestId('predict-model').fill(vitTiny!);
    await page.getByTestId('predict-run').click();
    await expect.poll(() => page.getByTestId('predict-message').textContent(), { timeout: 60_000 }).toMatch(/Predicted 90 images/);
    await page.getByTestId('filter-order').click();
    await page.locator('li[data-value="uncertainty"]').click();
    await expect.poll(() => page.getByTestId('label-suggestion').count(), { timeout: 60_000 }).toBeGreaterThan(20);
    await expect.poll(() => loadedThumbs('label-thumb'), { timeout: 60_000 }).toBeGreaterThan(20);
    await cellAt(0).click();
    await page.getByTestId('focused-image').waitFor();
    expect(await page.getByTestId('focused-image').textContent()).toMatch(/Suggestion(lung_aca|lung_n|lung_scc) · [\d.]+% · margin [\d.]+ pts/);
    await page.screenshot({ path: join(shots, 'labelling-suggestions.png') });
  });

  it('maps the dataset by a backbone: points coloured by label, split or prediction; a click shows the image', needs(vitTiny), async () => {
    await page.goto(`${base()}#/datasets/${datasetId}`);
    await page.getByTestId('dataset-detail').waitFor();
    await page.getByTestId('map-backbone').fill(vitTiny!);
    await page.getByTestId('map-run').click();
    await expect.poll(() => page.getByTestId('map-summary').textContent(), { timeout: 120_000 }).toMatch(/^90 images · 48-d embeddings · 90 computed now/);
    // embeddings are stored: mapping again runs the backbone on nothing
    await page.getByTestId('map-run').click();
    await expect.poll(() => page.getByTestId('map-summary').textContent(), { timeout: 120_000 }).toMatch(/^90 images · 48-d embeddings · all from the cache/);
    const legend = () => page.getByTestId('map-legend').innerText();
    expect(await legend()).toMatch(/lung_aca\s+lung_n\s+lung_scc\s+Unlabelled/);
    await page.getByTestId('map-colour-by').getByText('Split').click();
    expect(await legend()).toMatch(/Train\s+Validation\s+Test/);
    await page.getByTestId('map-colour-by').getByText('Prediction').click();
    expect(await legend()).toMatch(/No prediction/);
    // a drawn point, found from the canvas's own pixels, opens its image
    const at = await page.getByTestId('map-canvas').evaluate((c: HTMLCanvasElement) => {
      const g = c.getContext('2d')!;
      const { data, width, height } = g.getImageData(0, 0, c.width, c.height);
      for (let i = 0; i < width * height; i++) if (data[4 * i + 3] > 200) return { x: ((i % width) + 2) / (width / c.clientWidth), y: (Math.floor(i / width) + 3) / (height / c.clientHeight) };
      return null;
    });
    expect(at).not.toBeNull();
    await page.getByTestId('map-canvas').click({ position: at! });
    await page.getByTestId('map-picked').waitFor();
    expect(await page.getByTestId('map-picked').innerText()).toMatch(/lung_(aca|n|scc)[\s\S]*lc25000_lung\/lung_(aca|n|scc)\/.+\.jpeg/);
    await page.getByTestId('embedding-map').screenshot({ path: join(shots, 'dataset-embedding-map.png') });
  });

  it('stays windowed and responsive with 100,000 images', async () => {
    // Rows written straight into the server's database (WAL lets two processes share it); the
    // first and last few hundred point at real patches so the visible thumbnails load.
    const N = 100_000;
    const files = ['lung_aca', 'lung_n', 'lung_scc'].flatMap((c) => readdirSync(join(lung!, c)).map((f) => join(lung!, c, f)));
    const links = join(home.dir, 'big');
    mkdirSync(links);
    const db = new Database(join(home.dir, 'home', 'tessella.db'));
    db.pragma('busy_timeout = 5000');
    let bigId = 0;
    db.transaction(() => {
      bigId = Number(db.prepare("INSERT INTO datasets (name, source, root) VALUES ('big', 'folder', ?)").run(links).lastInsertRowid);
      const labels = ['aca', 'normal', 'scc'].map((name, i) => Number(db.prepare('INSERT INTO labels (dataset_id, name, color, position) VALUES (?, ?, ?, ?)').run(bigId, name, ['#4e79a7', '#f28e2b', '#e15759'][i], i).lastInsertRowid));
      const ins = db.prepare('INSERT INTO images (dataset_id, path, file_size, content_hash, width, height, label_id, split) VALUES (?, ?, 1, ?, 224, 224, ?, ?)');
      for (let i = 0; i < N; i++) {
        const path = join(links, `${String(i).padStart(6, '0')}.jpeg`);
        if (i < 300 || i >= N - 300) symlinkSync(files[i % files.length], path);
        ins.run(bigId, path, `h${i}`, labels[i % 3], ['train', 'val', 'test'][i % 3]);
      }
    })();
    db.close();

    await page.goto(`${base()}#/datasets/${bigId}/label`);
    await expect.poll(() => page.getByTestId('label-count').textContent(), { timeout: 60_000 }).toBe('100,000 images');
    await expect.poll(() => cells().count()).toBeGreaterThan(20);
    expect(await cells().count()).toBeLessThan(200);

    // Jump to the end: the last image is there, and still only a window of cells.
    await page.getByTestId('label-grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await cellAt(N - 1).waitFor({ timeout: 60_000 });
    await expect.poll(() => loadedThumbs('label-thumb'), { timeout: 60_000 }).toBeGreaterThan(20);
    expect(await cells().count()).toBeLessThan(200);
    await cellAt(N - 1).click();
    await page.keyboard.press('ArrowLeft');
    expect(await cellAt(N - 2).getAttribute('data-focused')).toBe('true');
    await page.screenshot({ path: join(shots, 'labelling-100k-end.png') });

    // Everything in view at once, labelled by a key, then undone.
    await page.keyboard.press('Control+a');
    expect(await page.getByTestId('label-selected-count').textContent()).toBe('100,000 selected');
    await page.keyboard.press('3');
    await expect.poll(() => page.locator('[data-testid="class-chip"][data-label="scc"]').textContent(), { timeout: 60_000 }).toContain('100,000');
    expect(await cellAt(N - 2).getAttribute('data-label')).toBe('scc');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-testid="class-chip"][data-label="scc"]').textContent(), { timeout: 60_000 }).toContain('33,333');
    expect(await cellAt(N - 2).getAttribute('data-label')).toBe(['aca', 'normal', 'scc'][(N - 2) % 3]);
  });
});
