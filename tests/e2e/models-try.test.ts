/**
 * "Try it on an image" on the Models page, in Chromium against browser mode: a classifier (the
 * vit_tiny oracle) on an image file typed in shows its classes with the reference probabilities;
 * a bare backbone (the DINOv2 oracle) on an image picked from a dataset of real lung patches shows
 * its embedding's size and norm and the time taken; a missing file is one clear line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiCall, endSession, shots, startSession, type ServeProcess } from '../helpers/browser.js';
import { has, needs } from '../helpers/needs.js';
import { sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';

const lung = sharedPath('data/patches/lc25000_lung');
const vitTiny = sharedPath('oracle/vit_tiny');
const dinov2 = sharedPath('oracle/fm/hf_dinov2');

describe('trying a model on an image in Chromium', { ...needs(has.chromium, lung, vitTiny, dinov2), timeout: 180_000 }, () => {
  const home = tempHome('tessella-e2e-models-try-');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let classifier = 0;
  let backbone = 0;
  let datasetId = 0;
  const call = <T = any>(name: string, input: unknown) => apiCall<T>(serve, name, input);

  beforeAll(async () => {
    ({ serve, browser, page } = await startSession(home.dir, { viewport: { width: 1400, height: 1000 } }));
    datasetId = (await call('datasets.import', { path: lung, name: 'lung' })).id;
    classifier = (await call('models.import', { path: vitTiny, name: 'vit_tiny' })).id;
    backbone = (await call('models.import', { path: dinov2, name: 'dinov2' })).id;
    await page.goto(serve.url + '#/models');
  }, 180_000);

  afterAll(() => endSession(browser, serve, home));

  it('shows a classifier\'s classes with their probabilities for an image file', async () => {
    await page.getByTestId(`model-row-${classifier}`).click();
    const panel = page.getByTestId(`model-try-${classifier}`);
    await panel.getByTestId('try-path').fill(join(vitTiny!, 'image_0.png'));
    await panel.getByTestId('try-run').click();
    const result = panel.getByTestId('try-result');
    await result.waitFor({ timeout: 90_000 });
    expect(await result.getAttribute('data-kind')).toBe('classes');
    const rows = await result.getByTestId('try-class').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), Number(e.getAttribute('data-probability'))] as const));
    const logits: number[] = JSON.parse(readFileSync(join(vitTiny!, 'logits.json'), 'utf8')).logits[0];
    const e = logits.map((v) => Math.exp(v));
    const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    expect(rows.map(([l]) => l)).toEqual(['dog', 'cat', 'bird']);
    for (const [label, prob] of rows) expect(prob).toBeCloseTo(p[['cat', 'dog', 'bird'].indexOf(label!)]!, 4);
    expect(await result.textContent()).toContain(`${(p[1]! * 100).toFixed(1)}%`);
    await panel.getByTestId('try-path').fill(join(home.dir, 'missing.png'));
    await panel.getByTestId('try-run').click();
    await expect.poll(() => panel.getByTestId('try-error').textContent(), { timeout: 30_000 }).toMatch(/missing\.png: no such image file/);
  });

  it('shows a bare backbone\'s embedding size, norm and time for an image picked from a dataset', async () => {
    await page.getByTestId(`model-row-${classifier}`).click(); // fold the first one away
    await page.getByTestId(`model-row-${backbone}`).click();
    const panel = page.getByTestId(`model-try-${backbone}`);
    await panel.getByTestId('try-dataset').click();
    await page.locator(`li[data-value="${datasetId}"]`).click();
    const images = (await call('datasets.images', { id: datasetId, limit: 200 })).items;
    const picked = images.find((i: { label: string }) => i.label === 'lung_n').path as string;
    await panel.getByTestId('try-dataset-image').click();
    await page.locator(`li[data-value="${picked}"]`).click();
    expect(await panel.getByTestId('try-path').inputValue()).toBe(picked);
    await panel.getByTestId('try-run').click();
    const result = panel.getByTestId('try-result');
    await result.waitFor({ timeout: 90_000 });
    expect(await result.getAttribute('data-kind')).toBe('embedding');
    const server = await call('models.try', { id: backbone, path: picked });
    expect(await result.getByTestId('try-embedding').textContent()).toBe(`Embedding of 48 dimensions, norm ${server.embedding.norm.toFixed(3)}`);
    expect(await result.getByTestId('try-time').textContent()).toMatch(/^The image took \d+(\.\d)? m?s on \S+; opening the model \d+(\.\d)? m?s\.$/);
    await page.screenshot({ path: join(shots, 'models-try.png') });
  });
});
