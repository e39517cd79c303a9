/**
 * PDF through a system Chromium driven by playwright-core (the CLI and browser mode; the desktop
 * app prints with Electron instead). The browser starts on the first print and is closed when
 * idle, so a report costs one Chromium start-up and nothing stays running afterwards.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { headerFooter, MARGINS_MM, type PdfPrinter, type PrintOptions } from './pdf-printer.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** A browser left over after the last print is closed after this long. */
const IDLE_MS = 30_000;

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.TESSELLA_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`TESSELLA_CHROMIUM is ${given}, which does not exist`);
    return given;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `PDF reports need Chromium and none was found (looked for ${CANDIDATES.join(', ')}); install it (Debian/Ubuntu: apt-get install chromium) or point TESSELLA_CHROMIUM at a Chrome or Chromium binary`,
    );
  }
  return found;
}

export class ChromiumPrinter implements PdfPrinter {
  private browser: Promise<Browser> | null = null;
  private idle: NodeJS.Timeout | null = null;
  private active = 0;

  private launch(): Promise<Browser> {
    if (!this.browser) {
      const p = (async () => {
        const { chromium } = await import('playwright-core');
        return chromium.launch({ executablePath: findChromium(), args: ARGS, headless: true });
      })();
      this.browser = p;
      p.then(
        (b) => b.on('disconnected', () => this.browser === p && (this.browser = null)),
        () => this.browser === p && (this.browser = null),
      );
    }
    return this.browser;
  }

  async print(html: string, opts: PrintOptions): Promise<Buffer> {
    this.active++;
    if (this.idle) clearTimeout(this.idle), (this.idle = null);
    try {
      const browser = await this.launch();
      // A fresh context per report: nothing (cache, storage) carries from one to the next.
      const context = await browser.newContext({ offline: true });
      try {
        const page = await context.newPage();
        // The document is self-contained; anything it would fetch is refused.
        await page.route('**/*', (r) => (r.request().url().startsWith('data:') ? r.continue() : r.abort()));
        await page.setContent(html, { waitUntil: 'load' });
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        await page.emulateMedia({ media: 'print' });
        return await page.pdf({
          format: opts.pageSize,
          printBackground: true,
          displayHeaderFooter: true,
          ...headerFooter(opts),
          margin: { top: `${MARGINS_MM.top}mm`, bottom: `${MARGINS_MM.bottom}mm`, left: `${MARGINS_MM.left}mm`, right: `${MARGINS_MM.right}mm` },
        });
      } finally {
        await context.close().catch(() => {});
      }
    } finally {
      this.active--;
      if (this.active === 0) {
        this.idle = setTimeout(() => void this.close(), IDLE_MS);
        this.idle.unref();
      }
    }
  }

  async close(): Promise<void> {
    if (this.idle) clearTimeout(this.idle), (this.idle = null);
    const b = this.browser;
    this.browser = null;
    if (b) await b.then((x) => x.close(), () => {});
  }
}
