/**
 * Training and runs end to end in Chromium against browser mode: start a small head-mode run from
 * the Training page and watch its progress bar and curves fill, open it on the Runs page (curves
 * with a point per epoch, a confusion matrix over the whole validation split), train a second
 * architecture and compare the two, export the best model in HuggingFace layout, cancel a longer
 * run after its first epoch (the page finds it again after a reload), resume it to completion,
 * and delete a run. The dataset (LC25000 lung, 3 x 30 patches) is imported over HTTP first; the
 * datasets e2e test covers importing from the UI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { has, needs } from '../helpers/needs.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');

describe('training and runs end to end in Chromium', needs(has.chromium, lung), () => {
  const home = tempHome('tessella-e2e-train-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let datasetId = 0;
  let valImages = 0;
  const runIds: number[] = [];

  /** A contract call over HTTP, for set-up and for checking what the page shows against the server. */
  const call = <T = any>(name: string, input: unknown) => apiCall<T>(serve, name, input);

  const series = (chart: string, id: string) => page.locator(`[data-testid="${chart}"] [data-testid="chart-series"][data-series-id="${id}"]`);
  const pointsOf = async (chart: string, id: string) => Number(await series(chart, id).getAttribute('data-points'));
  const row = (id: number) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);

  async function choose(testId: string, value: string) {
    await page.getByTestId(testId).click();
    await page.locator(`li[data-value="${value}"]`).click();
  }

  /** Fills the Training form for a run and starts it; returns the new run's id. */
  /** `warned`: the pre-flight check warns about this configuration, and the start is confirmed. */
  async function startRun(opts: { start: string; mode: 'head' | 'last-k' | 'full'; epochs: number; name: string; batchSize?: number; warned?: boolean }): Promise<number> {
    await choose('train-start-from', opts.start);
    await page.getByTestId(`train-mode-${opts.mode}`).click();
    await page.getByTestId('train-epochs').fill(String(opts.epochs));
    if (opts.batchSize) await page.getByTestId('train-batch-size').fill(String(opts.batchSize));
    await page.getByTestId('train-name').fill(opts.name);
    const before = (await page.getByTestId('live-run').count()) ? await page.getByTestId('live-run').getAttribute('data-run-id') : null;
    await page.getByTestId('train-start').click();
    if (opts.warned) await page.getByTestId('train-preflight-confirm').click();
    const live = page.getByTestId('live-run');
    await expect.poll(() => live.getAttribute('data-run-id'), { timeout: 60_000 }).not.toBe(before);
    const id = Number(await live.getAttribute('data-run-id'));
    expect(id).toBeGreaterThan(0);
    runIds.push(id);
    return id;
  }

  /** The status a run settles in, as the page shows it. */
  async function finalStatus(locator: Locator, timeout = 240_000): Promise<string | null> {
    let seen: string | null = null;
    await expect.poll(async () => (seen = await locator.getAttribute('data-status')), { timeout, interval: 500 }).toMatch(/completed|failed|cancelled|interrupted/);
    return seen;
  }

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1500, height: 950 } }));
    datasetId = (await call('datasets.import', { path: lung, name: 'lung' })).id;
    valImages = (await call('datasets.get', { id: datasetId })).splits.val;
    expect(valImages).toBeGreaterThan(0);
    if (vitTiny) await call('models.import', { path: vitTiny, name: 'vit_tiny' });
  });

  afterAll(() => endSession(browser, serve, home));

  it('starts a head-mode run from the Training page and follows it live', { timeout: 300_000 }, async () => {
    await page.goto(serve.url);
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-page').waitFor();
    await page.getByTestId('live-empty').waitFor();
    // never a guess: the dataset is chosen (and remembered from then on)
    expect(await page.getByTestId('train-dataset').textContent()).not.toContain('lung');
    await choose('train-dataset', String(datasetId));

    // Nothing chosen to start from: the form says so instead of calling the server.
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-start-from-error').waitFor();

    // The augmentation preview: originals and four variants each; a new seed draws other variants.
    await page.getByTestId('train-augmentation-toggle').click();
    await page.getByTestId('aug-preview-button').click();
    await expect.poll(() => page.getByTestId('aug-preview-variant').count(), { timeout: 60_000 }).toBe(16);
    expect(await page.getByTestId('aug-preview-original').count()).toBe(4);
    const firstVariant = await page.getByTestId('aug-preview-variant').first().getAttribute('src');
    await page.getByTestId('aug-reseed').click();
    await expect.poll(() => page.getByTestId('aug-seed').textContent(), { timeout: 60_000 }).toBe('seed 1');
    expect(await page.getByTestId('aug-preview-variant').first().getAttribute('src')).not.toBe(firstVariant);
    await page.screenshot({ path: join(shots, 'training-augment-preview.png') });

    // A problem only the server can see (a missing stain reference) comes back in its own words.
    await page.getByTestId('stain-enabled').check();
    await page.getByTestId('stain-reference').fill(join(home.dir, 'no-such-reference.png'));
    await choose('train-start-from', 'arch:resnet-18');
    await page.getByTestId('train-start').click();
    await expect.poll(() => page.getByTestId('train-error').textContent(), { timeout: 60_000 }).toMatch(/no-such-reference\.png: no such reference image/);
    expect(await call('runs.list', {})).toEqual([]);
    await page.getByTestId('stain-enabled').uncheck();
    await page.getByTestId('train-augmentation-toggle').click();

    const id = await startRun({ start: 'arch:resnet-18', mode: 'head', epochs: 2, name: 'resnet-18 head', warned: true });
    await page.getByTestId('live-progress').waitFor();
    await page.getByTestId('live-loss-chart').waitFor();
    await page.screenshot({ path: join(shots, 'training-live.png') });
    expect(await finalStatus(page.getByTestId('live-run'))).toBe('completed');
    expect(await page.getByTestId('live-progress').getAttribute('data-fraction')).toBe('1');
    await expect.poll(() => pointsOf('live-loss-chart', 'train_loss')).toBe(2);
    await expect.poll(() => pointsOf('live-accuracy-chart', 'val_accuracy')).toBe(2);
    expect(await pointsOf('live-loss-chart', 'train_loss_step')).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('live-summary').textContent()).toMatch(/Best epoch [12]/);
    await page.screenshot({ path: join(shots, 'training-completed.png') });

    await page.getByTestId('live-open-run').click();
    await page.locator(`[data-testid="run-detail"][data-run-id="${id}"]`).waitFor();
  });

  it('shows the run: one curve point per epoch, a confusion matrix over the validation split, metrics', async () => {
    const detail = page.getByTestId('run-detail');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 30_000 }).toBe('completed');
    await expect.poll(() => pointsOf('run-loss-chart', 'train_loss')).toBe(2);
    expect(await pointsOf('run-loss-chart', 'val_loss')).toBe(2);
    expect(await pointsOf('run-accuracy-chart', 'val_accuracy')).toBe(2);
    expect(await pointsOf('run-accuracy-chart', 'train_accuracy')).toBe(2);
    // what a live view re-reads while epoch 2 trains: that epoch only, steps and all
    const all: { epoch: number }[] = await call('runs.metrics', { id: runIds[0] });
    const since: { epoch: number }[] = await call('runs.metrics', { id: runIds[0], fromEpoch: 2 });
    expect(since.length).toBe(all.filter((m) => m.epoch >= 2).length);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((m) => m.epoch === 2)).toBe(true);

    const cells = page.locator('[data-testid="confusion-val"] [data-testid="confusion-cell"]');
    await expect.poll(() => cells.count(), { timeout: 30_000 }).toBe(9);
    const counts = (await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))).reduce((a, b) => a + b, 0);
    expect(counts).toBe(valImages);
    expect(Number(await page.getByTestId('eval-val').getAttribute('data-n'))).toBe(valImages);
    expect(await page.getByTestId('eval-class-row').count()).toBe(3);
    expect(await page.locator('[data-testid="roc-val"] [data-testid="chart-series"]').count()).toBe(3);
    expect(await page.locator('[data-testid="run-config-row"][data-key="Mode"]').textContent()).toContain('head');
    expect(await page.locator('[data-testid="run-fact"][data-fact="Backend"]').textContent()).toMatch(/onnxruntime/);

    // Hovering the accuracy chart reads out every series at the nearest epoch.
    const area = page.locator('[data-testid="run-accuracy-chart"] [data-testid="chart-hover-area"]');
    const box = (await area.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    const tip = page.locator('[data-testid="run-accuracy-chart"] [data-testid="chart-tooltip"]');
    await tip.waitFor();
    expect(await tip.textContent()).toMatch(/epoch 2.*train accuracy.*val accuracy/);
    await page.screenshot({ path: join(shots, 'run-detail.png') });
    await page.mouse.move(0, 0);
    await page.getByTestId('confusion-val').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'run-detail-evaluation.png') });
  });

  it('trains a second architecture and compares both runs on one chart and one table', { timeout: 300_000 }, async () => {
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-page').waitFor();
    const id = await startRun({ start: 'arch:vit-ti16', mode: 'head', epochs: 2, name: 'vit-ti16 head', warned: true });
    expect(await finalStatus(page.getByTestId('live-run'))).toBe('completed');

    await page.getByTestId('nav-runs').click();
    await row(id).waitFor();
    expect(await page.getByTestId('run-row').count()).toBe(2);
    expect(await row(id).getByTestId('run-epochs').textContent()).toBe('2 / 2');
    for (const runId of runIds) await row(runId).getByTestId('run-select').check();
    await page.getByTestId('runs-compare').click();
    await page.getByTestId('compare-page').waitFor();
    const lines = page.locator('[data-testid="compare-accuracy-chart"] [data-testid="chart-series"]');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await lines.evaluateAll((els) => els.map((e) => e.getAttribute('data-points')))).toEqual(['2', '2']);
    expect(await page.locator('[data-testid="compare-loss-chart"] [data-testid="chart-series"]').count()).toBe(2);
    expect(await page.locator('[data-testid="compare-accuracy-chart"] [data-testid="chart-legend-item"]').allTextContents()).toEqual(['resnet-18 head', 'vit-ti16 head']);
    expect(await page.getByTestId('compare-run-column').count()).toBe(2);
    const accuracyRow = page.locator('[data-testid="compare-row"][data-metric="accuracy"]');
    expect(await accuracyRow.locator('td').count()).toBe(3);
    expect(await accuracyRow.locator('td[data-best="true"]').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(shots, 'runs-compare.png') });
  });

  it('exports the best model as a flat HuggingFace folder with the run files in run/', async () => {
    const dir = join(home.dir, 'exported', 'resnet-18-head');
    await page.getByTestId('nav-runs').click();
    await row(runIds[0]).getByTestId('run-export').click();
    await page.getByTestId('export-run-dialog').waitFor();
    await page.getByTestId('export-dir').fill(dir);
    await page.getByTestId('export-submit').click();
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-file').allTextContents()).toContain(join(dir, 'config.json'));
    // one layout: a flat HuggingFace folder, the run's files in run/
    for (const f of ['config.json', 'model.safetensors', join('run', 'metrics.csv'), join('run', 'summary.json'), join('run', 'training_config.json')]) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).id2label).toEqual({ 0: 'lung_aca', 1: 'lung_n', 2: 'lung_scc' });
    await page.getByTestId('export-close').click();
  });

  it('cancels a longer run after its first epoch, finds it again after a reload, resumes it to the end', { ...needs(vitTiny), timeout: 420_000 }, async () => {
    const engine = await call('engine.info', {});
    const cpuOnly = !engine.tfjs.tried.some((t: { name: string; ok: boolean }) => t.name === 'node-gpu' && t.ok);
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-page').waitFor();
    // A fresh form: pretrained weights on a CPU-only machine pre-select head mode and say why.
    await page.reload();
    await page.getByTestId('training-page').waitFor();
    await choose('train-start-from', `init:${vitTiny}`);
    if (cpuOnly) {
      await page.getByTestId('train-mode-reason').waitFor();
      expect(await page.getByTestId('train-mode-head').getAttribute('aria-pressed')).toBe('true');
    }
    const epochs = 40;
    const id = await startRun({ start: `init:${vitTiny}`, mode: 'full', epochs, name: 'vit_tiny full', batchSize: 8 });
    await expect.poll(() => pointsOf('live-accuracy-chart', 'val_accuracy'), { timeout: 180_000, interval: 250 }).toBeGreaterThanOrEqual(1);

    await page.reload();
    const live = page.getByTestId('live-run');
    await expect.poll(() => live.getAttribute('data-run-id'), { timeout: 60_000 }).toBe(String(id));
    await page.screenshot({ path: join(shots, 'training-reattached.png') });
    await page.getByTestId('train-cancel').click();
    expect(await finalStatus(live, 60_000)).toBe('cancelled');
    const cancelled = await call('runs.get', { id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochsCompleted).toBeGreaterThanOrEqual(1);
    expect(cancelled.epochsCompleted).toBeLessThan(epochs);

    await page.getByTestId('nav-runs').click();
    await expect.poll(() => row(id).getAttribute('data-status')).toBe('cancelled');
    await row(id).getByTestId('run-resume').click();
    await expect.poll(() => row(id).getAttribute('data-status'), { timeout: 60_000 }).not.toBe('cancelled');
    expect(await finalStatus(row(id), 300_000)).toBe('completed');
    expect(await row(id).getByTestId('run-epochs').textContent()).toBe(`${epochs} / ${epochs}`);

    await row(id).getByTestId('run-name').click();
    await page.locator(`[data-testid="run-detail"][data-run-id="${id}"]`).waitFor();
    // every epoch recorded once, the ones before the cancel and the ones after the resume alike
    await expect.poll(() => pointsOf('run-accuracy-chart', 'val_accuracy')).toBe(epochs);
    expect(await pointsOf('run-loss-chart', 'train_loss')).toBe(epochs);
  });

  it('deletes a run after asking, from the Delete key', async () => {
    await page.getByTestId('nav-runs').click();
    const victim = runIds[1];
    await row(victim).waitFor();
    const before = await page.getByTestId('run-row').count();
    await page.screenshot({ path: join(shots, 'runs-list.png') });
    await row(victim).getByTestId('run-select').check();
    await page.keyboard.press('Delete');
    await page.getByTestId('run-delete-confirm').click();
    await expect.poll(() => row(victim).count()).toBe(0);
    expect(await page.getByTestId('run-row').count()).toBe(before - 1);
    const left: { id: number }[] = await call('runs.list', {});
    expect(left.map((r) => r.id)).not.toContain(victim);
    await page.goto(`${serve.url.replace(/\?.*$/, '')}#/runs/${victim}`);
    await page.getByTestId('run-missing').waitFor();
  });
});
