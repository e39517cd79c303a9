/**
 * End-to-end tests drive Debian's Chromium with playwright-core against browser mode
 * (`tessella serve`), started as a user would start it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { CHROMIUM } from './needs.js';
import { repoRoot } from './shared-data.js';

/** Where the e2e tests leave their screenshots and files to look at. */
export const shots = join(repoRoot, 'test-results');


export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `tessella serve --port 0 --json` in a child process; resolves once it printed its URL. */
export function startServe(home: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tessella.mjs'), 'serve', '--port', '0', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, TESSELLA_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        const { url, port } = JSON.parse(line);
        resolve({
          url,
          port,
          child,
          stop: () =>
            new Promise<void>((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`tessella serve exited with ${code}: ${err}`)));
  });
}

/** The origin of a running `tessella serve` (its URL without the token). */
export const serveOrigin = (serve: ServeProcess): string => new URL(serve.url).origin;

/** The session token `tessella serve` printed in its URL. */
export const serveToken = (serve: ServeProcess): string => new URL(serve.url).searchParams.get('token')!;

/** A contract call over HTTP with the session token, for set-up and checks the test need not click through. */
export async function apiCall<T = any>(serve: ServeProcess, name: string, input: unknown): Promise<T> {
  const r = await fetch(`${serveOrigin(serve)}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tessella-token': serveToken(serve) },
    body: JSON.stringify(input),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`${name}: ${body.error}`);
  return body as T;
}

/** An address in the app for a hash route (`slides/3`), without the token: the page keeps the one it was opened with. */
export const appUrl = (serve: ServeProcess, route: string): string => `${serve.url.replace(/\?.*$/, '')}#/${route}`;

/** Adds slides through the API, for tests whose subject is not adding them; returns their ids in order. */
export async function addSlidesByApi(serve: ServeProcess, ...paths: string[]): Promise<number[]> {
  const { added } = await apiCall<{ added: { id: number }[] }>(serve, 'slides.add', { paths });
  return added.map((a) => a.id);
}

/**
 * Analyses a slide through the API and waits for the analysis to complete (it throws when it fails,
 * is cancelled or is still running after `timeoutMs`); returns the analysis id. A plain loop, not
 * expect.poll, so beforeAll can use it too.
 */
export async function analyseByApi(serve: ServeProcess, slideId: number, model: string, params: Record<string, unknown>, timeoutMs = 240_000): Promise<number> {
  const { analyses } = await apiCall<{ analyses: { id: number }[] }>(serve, 'analysis.enqueue', { slideIds: [slideId], model, params });
  const id = analyses[0]!.id;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await apiCall<{ status: string }>(serve, 'analysis.get', { id });
    if (status === 'completed') return id;
    if (status === 'failed' || status === 'cancelled') throw new Error(`analysis ${id} ${status}`);
    if (Date.now() > deadline) throw new Error(`analysis ${id} still ${status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Opens the app (which takes the session token), then a slide's viewer by its address; returns the viewer once it is there. */
export async function openSlideByUrl(page: Page, serve: ServeProcess, slideId: number): Promise<Locator> {
  await page.goto(serve.url);
  await page.goto(appUrl(serve, `slides/${slideId}`));
  const viewer = page.getByTestId('viewer');
  await viewer.waitFor();
  return viewer;
}

export interface E2eSession {
  serve: ServeProcess;
  browser: Browser;
  page: Page;
}

/** What the e2e files start with: the shots folder, `tessella serve` on `<homeDir>/home`, Chromium and one page. */
export async function startSession(homeDir: string, pageOptions: BrowserContextOptions): Promise<E2eSession> {
  mkdirSync(shots, { recursive: true });
  const serve = await startServe(join(homeDir, 'home'));
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage(pageOptions);
    // Playwright's 30 s defaults are timed assertions on a busy machine; a hang still fails.
    page.setDefaultTimeout(90_000);
    page.setDefaultNavigationTimeout(90_000);
    return { serve, browser, page };
  } catch (e) {
    await browser?.close();
    await serve.stop();
    throw e;
  }
}

/** The afterAll of the e2e files: closes what was started (if it was) and removes the temporary home. */
export async function endSession(browser: Browser | undefined, serve: ServeProcess | undefined, home: { cleanup(): void }): Promise<void> {
  await browser?.close();
  await serve?.stop();
  home.cleanup();
}

/**
 * Adds a slide or image from the Slides page as a user would (the Add slides dialog) and waits for
 * its card; returns the card. Escape makes sure the dialog is gone before the test goes on.
 */
export async function addSlideInUi(page: Page, path: string): Promise<Locator> {
  await page.getByTestId('add-slides-button').click();
  await page.getByTestId('add-slides-path').fill(path);
  await page.getByTestId('add-slides-submit').click();
  const card = page.getByTestId('slide-card').filter({ hasText: basename(path) });
  await card.waitFor({ timeout: 90_000 });
  await page.keyboard.press('Escape');
  return card;
}

/** Adds a slide from the Slides page and opens it from its card; returns the viewer once it is there. */
export async function openSlideInUi(page: Page, path: string): Promise<Locator> {
  await (await addSlideInUi(page, path)).click();
  const viewer = page.getByTestId('viewer');
  await viewer.waitFor();
  return viewer;
}

/** Pixels of a canvas that are not fully transparent. */
export function opaquePixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
}

/** Opens the viewer's Analysis panel and names the model to analyse with; returns the panel. */
export async function openAnalysisPanel(page: Page, model: string): Promise<Locator> {
  await page.getByTestId('analysis-toggle').click();
  const panel = page.getByTestId('analysis-panel');
  await panel.waitFor();
  await page.getByTestId('analysis-model').fill(model);
  return panel;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw HTTP to 127.0.0.1:<port>, so tests control the Host header and exact path bytes (fetch normalises both). */
export function rawRequest(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
