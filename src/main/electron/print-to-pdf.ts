/**
 * Report PDFs in the desktop app: Electron's own Chromium prints them (webContents.printToPDF),
 * so the app needs no second browser. The HTML is loaded from a temporary file in a hidden,
 * sandboxed, script-less window in its own in-memory session, which is closed after each print.
 */
import { BrowserWindow, session } from 'electron';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerFooter, MARGINS_MM, type PdfPrinter, type PrintOptions } from '../reports/pdf-printer.js';

const inches = (mm: number) => mm / 25.4;

export function electronPdfPrinter(): PdfPrinter {
  return {
    async print(html: string, opts: PrintOptions): Promise<Buffer> {
      // A file, not a data: URL: reports with many images run to megabytes.
      const file = join(tmpdir(), `tessella-report-${process.pid}-${randomBytes(6).toString('hex')}.html`);
      await writeFile(file, html);
      const ses = session.fromPartition('tessella-report-print', { cache: false });
      // The document is self-contained: nothing it might ask for is fetched.
      ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !/^(file|data):/.test(details.url) }));
      const win = new BrowserWindow({
        show: false,
        width: 1024,
        height: 1400,
        webPreferences: { session: ses, sandbox: true, nodeIntegration: false, contextIsolation: true, javascript: false, offscreen: true, webSecurity: true },
      });
      win.webContents.on('will-navigate', (e) => e.preventDefault());
      win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
      try {
        await win.loadFile(file);
        const pdf = await win.webContents.printToPDF({
          pageSize: opts.pageSize,
          printBackground: true,
          displayHeaderFooter: true,
          ...headerFooter(opts),
          margins: { top: inches(MARGINS_MM.top), bottom: inches(MARGINS_MM.bottom), left: inches(MARGINS_MM.left), right: inches(MARGINS_MM.right) },
        });
        return Buffer.from(pdf);
      } finally {
        if (!win.isDestroyed()) win.destroy();
        await rm(file, { force: true });
      }
    },
  };
}
