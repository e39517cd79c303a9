/**
 * Turning a report's HTML into PDF is the host's business: Electron's printToPDF in the desktop
 * app, headless Chromium through Playwright in the CLI and browser mode. Both take the same
 * header and footer templates (Chromium fills in pageNumber and totalPages).
 */
import type { PageSize } from '../../shared/contract/reports.js';
import { embeddedFontCss, esc } from './layout.js';

export interface PrintOptions {
  pageSize: PageSize;
  /** Shown at the top of every page. */
  headerTitle: string;
  /** Left part of the footer, beside "Page X of Y". */
  footerText: string;
}

export interface PdfPrinter {
  print(html: string, opts: PrintOptions): Promise<Buffer>;
  /** Frees what the printer keeps between jobs (a browser process). */
  close?(): Promise<void>;
}

/** Page margins; the header and footer live inside the top and bottom ones. */
export const MARGINS_MM = { top: 17, bottom: 16, left: 15, right: 15 };

function inter400(): string {
  // Only the regular face: every template is rendered again for each page.
  return embeddedFontCss()
    .split('\n')
    .filter((r) => r.includes('font-weight:400'))
    .join('');
}

export function headerFooter(opts: PrintOptions): { headerTemplate: string; footerTemplate: string } {
  const style = `<style>${inter400()} .hf { font-family: 'Inter', sans-serif; font-size: 7.5pt; color: #5a6470; width: 100%; margin: 0 ${MARGINS_MM.left}mm; display: flex; justify-content: space-between; gap: 12pt; -webkit-print-color-adjust: exact; } .hf span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }</style>`;
  return {
    headerTemplate: `${style}<div class="hf" style="border-bottom: 0.5pt solid #d4d9df; padding-bottom: 2pt;"><span>${esc(opts.headerTitle)}</span><span>Tessella</span></div>`,
    footerTemplate: `${style}<div class="hf"><span>${esc(opts.footerText)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
  };
}

/** Pages of a PDF Chromium wrote (its page objects are plain dictionaries), null when unsure. */
export function pdfPageCount(pdf: Buffer): number | null {
  const text = pdf.toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  if (pages > 0) return pages;
  const counts = [...text.matchAll(/\/Type\s*\/Pages[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  return counts.length ? Math.max(...counts) : null;
}
