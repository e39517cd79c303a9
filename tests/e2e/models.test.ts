/**
 * The Models page in Chromium against browser mode, with the Hub played by the stand-in server:
 * the catalogue with licences, a pull shown with its licence first and then on disk with its
 * facts, and a gated model's refusal shown on its row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { endSession, launchChromium, shots, startServe, type ServeProcess } from '../helpers/browser.js';
import { has, needs } from '../helpers/needs.js';
import { FakeHub } from '../helpers/fake-hub.js';
import { tempHome } from '../helpers/temp-home.js';
import { DINOV2, repos, VIT } from '../unit/hub/hub-fixtures.js';

describe('the Models page in Chromium', needs(has.chromium, VIT, DINOV2), () => {
  const home = tempHome('tessella-e2e-models-');
  let hub: FakeHub;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const saved = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN, hfHome: process.env.HF_HOME };

  beforeAll(async () => {
    hub = new FakeHub(repos());
    await hub.start();
    // serve inherits the environment: the stand-in Hub, and no token from the machine running the tests.
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_HOME = join(home.dir, 'hf');
    delete process.env.HF_TOKEN;
    serve = await startServe(join(home.dir, 'home'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(serve.url + '#/models');
  });

  afterAll(async () => {
    for (const [k, v] of [['HF_ENDPOINT', saved.endpoint], ['HF_TOKEN', saved.token], ['HF_HOME', saved.hfHome]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await endSession(browser, serve, home);
    await hub?.stop();
  });

  it('lists the catalogue with licences and gating', async () => {
    const uni = page.getByTestId('catalogue-row-MahmoodLab/UNI');
    await uni.waitFor({ timeout: 30_000 });
    expect(await uni.textContent()).toContain('gated');
    expect(await page.getByTestId('catalogue-row-owkin/phikon').textContent()).toContain('Phikon');
    await expect.poll(() => page.getByTestId('models-empty').count()).toBe(1);
  });

  it('pulls a model after showing its licence, then lists it with its facts', async () => {
    await page.getByTestId('pull-owkin/phikon').click();
    const licence = page.getByTestId('pull-licence');
    await licence.waitFor();
    expect(await licence.textContent()).toMatch(/Licence/);
    await page.getByTestId('pull-confirm').click();
    const row = page.getByTestId('catalogue-row-owkin/phikon');
    await row.getByText('on disk').waitFor({ timeout: 60_000 });
    const local = page.getByTestId('local-models-table');
    await local.getByText(/Hub: owkin\/phikon@/).waitFor({ timeout: 30_000 });
    await local.getByText(/Hub: owkin\/phikon@/).click();
    const facts = page.locator('[data-testid^="model-facts-"]');
    await facts.waitFor({ timeout: 30_000 });
    const text = (await facts.textContent()) ?? '';
    expect(text).toMatch(/Parameters/);
    expect(text).toMatch(/Size on disk\d/);
    await page.getByTestId('models-page').evaluate((el) => el.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'models-page.png') });
  });

  it('shows why a gated model cannot be pulled without a token', async () => {
    await page.getByTestId('pull-MahmoodLab/UNI').click();
    await page.getByTestId('pull-confirm').click();
    // Refused either when the files are listed (the dialog says it) or during the download (the row does).
    const inDialog = page.getByTestId('pull-error');
    const onRow = page.getByTestId('pull-failed-MahmoodLab/UNI');
    await expect.poll(async () => (await inDialog.count()) + (await onRow.count()), { timeout: 30_000 }).toBeGreaterThan(0);
    if (await inDialog.count()) expect(await inDialog.textContent()).toMatch(/gated/i);
    await page.keyboard.press('Escape');
  });
});
