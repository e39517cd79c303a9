/**
 * The desktop app end to end: the Electron binary starts this checkout's build (main, preload,
 * renderer), and the journeys of the browser-mode e2e tests run through the preload bridge, IPC
 * and the tessella:// protocol instead of HTTP: add a slide, view its tiles, analyse it, annotate
 * it, train a small head (the worker forked from Electron), make a PDF with Electron's printToPDF.
 * Then what only the desktop has: context isolation and the sandbox (the renderer reaches no Node),
 * the CSP, refused navigation and new windows, better-sqlite3 loaded under Electron's ABI.
 *
 * The shell's checks use a slide made here; the journeys with models and datasets need ../shared.
 * Where no Electron binary was downloaded (machines whose network reaches only the npm registry)
 * the suite is skipped with one line saying so (has.electron); the GitHub workflow runs it on
 * Linux, macOS and Windows.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlideInUi, shots } from '../helpers/browser.js';
import { desktopCall, startDesktop } from '../helpers/electron.js';
import { has, needs } from '../helpers/needs.js';
import { SLIDES, sharedPath } from '../helpers/shared-data.js';
import { tempHome } from '../helpers/temp-home.js';
import { testPicture } from '../helpers/make-slides.js';

const svs = sharedPath(SLIDES.svs);
const model = sharedPath('oracle/resnet_tiny');
const lung = sharedPath('data/patches/lc25000_lung');

/** A pyramidal tiled TIFF of a deterministic picture: a slide the shell tests need no ../shared for. */
async function makePyramid(path: string): Promise<string> {
  const [width, height] = [3000, 2000];
  await sharp(testPicture(width, height), { raw: { width, height, channels: 3 } }).tiff({ tile: true, pyramid: true, compression: 'jpeg', quality: 85 }).toFile(path);
  return path;
}

describe('the desktop shell (Electron)', needs(has.electron), () => {
  const home = tempHome('tessella-e2e-electron-');
  let slidePath = '';
  let app: ElectronApplication;
  let page: Page;
  let slideId = 0;
  // A server on 127.0.0.1 the renderer must never reach: CSP, navigation and window.open are refused.
  let bait: Server;
  let baitUrl = '';
  const baitHits: string[] = [];

  const call = <T = any>(name: string, input: unknown) => desktopCall<T>(page, name, input);

  beforeAll(async () => {
    bait = createServer((req, res) => {
      baitHits.push(req.url ?? '');
      res.end('reached');
    });
    await new Promise<void>((r) => bait.listen(0, '127.0.0.1', r));
    baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}`;
    slidePath = await makePyramid(join(home.dir, 'gradient-slide.tif'));
    ({ app, page } = await startDesktop(home.dir));
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((r) => bait?.close(r));
    home.cleanup();
  });

  it('starts on the data home it was given, in Electron, with the Electron-ABI better-sqlite3', async () => {
    const info = await call('app.info', {});
    expect(info.host).toBe('electron');
    expect(info.home).toBe(join(home.dir, 'home'));
    const versions = await app.evaluate(() => ({ electron: process.versions.electron, modules: process.versions.modules }));
    expect(versions.electron).toMatch(/^\d+\./);
    // Electron's module ABI is not this Node's: a store that answers was loaded with an addon built for it.
    expect(versions.modules).not.toBe(process.versions.modules);
    expect(await call('slides.list', {})).toEqual([]);
    await page.getByTestId('slides-empty').waitFor();
    await page.screenshot({ path: join(shots, 'electron-first-run.png') });
  });

  it('isolates and sandboxes the renderer: no require or process, only the bridge', async () => {
    const seen = await page.evaluate(() => ({
      require: typeof (window as any).require,
      process: typeof (window as any).process,
      module: typeof (window as any).module,
      bridge: Object.keys((window as any).tessella).sort(),
    }));
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', bridge: ['call', 'on', 'resourceBase'] });
    // The renderer's process runs inside Chromium's OS sandbox: seccomp-bpf on Linux, and what
    // Electron reports as sandboxed on macOS and Windows.
    const pid = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.getOSProcessId());
    if (process.platform === 'linux') {
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Seccomp:\s+2$/m);
    } else {
      const metrics = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().map((m) => ({ pid: m.pid, type: m.type, sandboxed: m.sandboxed })));
      expect(metrics.find((m) => m.pid === pid)).toMatchObject({ type: 'Tab', sandboxed: true });
    }
    // The bridge passes only the contract's calls.
    await expect(page.evaluate(() => (window as any).tessella.call('fs.readFile', { path: '/etc/passwd' }))).rejects.toThrow(/unknown call/);
  });

  it('applies the CSP: inline scripts and requests to other origins are refused', async () => {
    const result = await page.evaluate(async (url) => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      let fetched = 'refused';
      try {
        await fetch(url + '/csp');
        fetched = 'reached';
      } catch {
        /* refused by connect-src */
      }
      await new Promise((r) => setTimeout(r, 200));
      return { inlineRan: (window as any).__inlineRan === true, fetched, violations };
    }, baitUrl);
    expect(result.inlineRan).toBe(false);
    expect(result.fetched).toBe('refused');
    expect(result.violations).toEqual(expect.arrayContaining(['script-src-elem', 'connect-src']));
    expect(baitHits).toEqual([]);
  });

  it('refuses navigation away from the app and new windows', async () => {
    const before = page.url();
    await page.evaluate((url) => {
      window.location.href = url + '/navigate';
    }, baitUrl);
    const opened = await page.evaluate(() => window.open('about:blank') === null);
    expect(opened).toBe(true);
    // Give a navigation that should not happen the time to happen, then check it did not.
    await page.waitForTimeout(1500);
    expect(page.url()).toBe(before);
    expect(app.windows()).toHaveLength(1);
    expect(baitHits).toEqual([]);
  });

  it('adds a slide and views its tiles through tessella://', async () => {
    const card = await addSlideInUi(page, slidePath);
    await card.click();
    const viewer = page.getByTestId('viewer');
    await viewer.waitFor();
    slideId = Number(/#\/slides\/(\d+)/.exec(page.url())?.[1]);
    expect(slideId).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('zoom-in').isEnabled(), { timeout: 60_000 }).toBe(true);
    // The protocol serves the tile as the viewer loads it (an image: tessella:// is not a CORS
    // scheme, so no fetch), and nothing outside tessella://r/.
    const tile = await page.evaluate(async (id) => {
      const load = (src: string) =>
        new Promise<{ loaded: boolean; width: number }>((resolve) => {
          const img = new Image();
          img.onload = () => resolve({ loaded: true, width: img.naturalWidth });
          img.onerror = () => resolve({ loaded: false, width: 0 });
          img.src = src;
        });
      return { tile: await load(`tessella://r/tiles/${id}/9/0_0.jpeg`), other: await load('tessella://elsewhere/tiles/1/9/0_0.jpeg') };
    }, slideId);
    expect(tile.tile.loaded).toBe(true);
    expect(tile.tile.width).toBeGreaterThan(0);
    expect(tile.other.loaded).toBe(false);
    await page.waitForTimeout(1500);
    const png = await viewer.screenshot({ path: join(shots, 'electron-viewer.png') });
    const stats = await sharp(png).stats();
    // The picture drawn from tessella:// tiles, not a blank canvas.
    expect(Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(10);
  });

  it('annotates the slide: a rectangle drawn in the viewer is stored', async () => {
    await page.getByTestId('annotation-toolbar').waitFor();
    await page.getByTestId('tool-rectangle').click();
    const box = (await page.getByTestId('viewer').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx - 120, cy - 80);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy + 80, { steps: 10 });
    await page.mouse.up();
    await expect
      .poll(async () => (await call<{ annotations: { geometry: { type: string } }[] }>('annotations.list', { slideId, limit: 100 })).annotations.length, { timeout: 60_000 })
      .toBe(1);
    const [shape] = (await call('annotations.list', { slideId, limit: 100 })).annotations;
    expect(shape.geometry.type).toBe('Polygon');
    await page.getByTestId('tool-select').click();
  });
});

describe("the desktop app's journeys on real data (Electron)", needs(has.electron, svs, model, lung), () => {
  const home = tempHome('tessella-e2e-electron-data-');
  let app: ElectronApplication;
  let page: Page;
  let slideId = 0;

  const call = <T = any>(name: string, input: unknown) => desktopCall<T>(page, name, input);

  beforeAll(async () => {
    ({ app, page } = await startDesktop(home.dir));
    const card = await addSlideInUi(page, svs!);
    await card.click();
    await page.getByTestId('viewer').waitFor();
    slideId = Number(/#\/slides\/(\d+)/.exec(page.url())?.[1]);
    expect(slideId).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await app?.close();
    home.cleanup();
  });

  it('analyses the slide from the Analysis panel (the worker thread runs in Electron)', { timeout: 300_000 }, async () => {
    await page.getByTestId('analysis-toggle').click();
    await page.getByTestId('analysis-panel').waitFor();
    await page.getByTestId('analysis-model').fill(model!);
    await expect.poll(async () => (await page.getByTestId('analysis-plan').textContent()) ?? '', { timeout: 60_000 }).toMatch(/tiles with tissue of/);
    await page.getByTestId('analysis-start').click();
    const status = page.getByTestId('analysis-status');
    await status.waitFor({ timeout: 60_000 });
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 240_000, interval: 500 }).toBe('completed');
    await expect.poll(async () => Number(await page.getByTestId('heatmap-canvas').getAttribute('data-tiles')), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'electron-analysis.png') });
  });

  it('trains a small head in a worker forked from Electron', { timeout: 420_000 }, async () => {
    const dataset = await call('datasets.import', { path: lung, name: 'lung' });
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-page').waitFor();
    await page.getByTestId('train-start-from').click();
    await page.locator('li[data-value="arch:resnet-18"]').click();
    await page.getByTestId('train-mode-head').click();
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('train-name').fill('electron head');
    await page.getByTestId('train-start').click();
    const live = page.getByTestId('live-run');
    await expect.poll(async () => Number(await live.getAttribute('data-run-id')), { timeout: 60_000 }).toBeGreaterThan(0);
    const runId = Number(await live.getAttribute('data-run-id'));
    await expect.poll(() => live.getAttribute('data-status'), { timeout: 360_000, interval: 1000 }).toMatch(/completed|failed|cancelled|interrupted/);
    const run = await call('runs.get', { id: runId });
    expect(run.status, run.error ?? '').toBe('completed');
    expect(run.datasetId).toBe(dataset.id);
    await page.screenshot({ path: join(shots, 'electron-training.png') });
  });

  it('makes a slide report PDF with Electron printToPDF', { timeout: 300_000 }, async () => {
    const started = await call('reports.slide', { slideId, model: model!, title: 'Electron report' });
    let report = started;
    await expect
      .poll(async () => (report = await call('reports.get', { id: started.id })).status, { timeout: 240_000, interval: 1000 })
      .toMatch(/completed|failed|cancelled/);
    expect(report.status, report.error ?? '').toBe('completed');
    expect(report.pdfPath).toBeTruthy();
    expect(existsSync(report.pdfPath!)).toBe(true);
    const pdf = readFileSync(report.pdfPath!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Chromium's PDF backend signs what printToPDF makes.
    expect(pdf.toString('latin1')).toMatch(/Skia\/PDF/);
    expect(report.pages).toBeGreaterThan(0);
  });
});
