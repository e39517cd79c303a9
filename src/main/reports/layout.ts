/**
 * What every report template shares: HTML escaping, the embedded Inter font, the print CSS and
 * the page frame (title block, research-use notice). Templates are plain functions returning
 * an HTML string; every value from outside goes through `esc` (or `attr`) on the way in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export const RESEARCH_NOTICE = 'For research use only. Not for use in diagnostic procedures.';

let fontCss: string | undefined;

/**
 * Inter's latin and latin-ext faces (400, 600, 700) as @font-face rules with the WOFF2 inlined,
 * so the PDF never depends on the fonts of the machine that printed it.
 */
export function embeddedFontCss(): string {
  if (fontCss !== undefined) return fontCss;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@fontsource/inter/files/inter-latin-400-normal.woff2'));
  const rules: string[] = [];
  for (const weight of [400, 600, 700]) {
    const css = readFileSync(join(dir, '..', `${weight}.css`), 'utf8');
    for (const m of css.matchAll(/\/\*\s*inter-(latin(?:-ext)?)-\d+-normal\s*\*\/\s*@font-face\s*{([^}]*)}/g)) {
      const range = /unicode-range:\s*([^;]+);/.exec(m[2]!)?.[1];
      const woff2 = readFileSync(join(dir, `inter-${m[1]}-${weight}-normal.woff2`)).toString('base64');
      rules.push(
        `@font-face{font-family:'Inter';font-style:normal;font-weight:${weight};font-display:block;src:url(data:font/woff2;base64,${woff2}) format('woff2');${range ? `unicode-range:${range};` : ''}}`,
      );
    }
  }
  if (rules.length < 3) throw new Error('the Inter font files of @fontsource/inter are missing; run npm install');
  return (fontCss = rules.join('\n'));
}

const CSS = `
:root { --fg: #1c232b; --muted: #5a6470; --line: #d4d9df; --head: #eef2f6; --accent: #24577f; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: 'Inter', sans-serif; font-size: 9.5pt; line-height: 1.42; color: var(--fg); margin: 0; }
h1 { font-size: 19pt; font-weight: 700; margin: 0 0 3pt; line-height: 1.2; }
h2 { font-size: 13pt; font-weight: 700; color: var(--accent); margin: 16pt 0 6pt; padding-bottom: 3pt; border-bottom: 1.2pt solid var(--accent); break-after: avoid; }
h3 { font-size: 10.5pt; font-weight: 600; margin: 10pt 0 4pt; break-after: avoid; }
p { margin: 3pt 0 6pt; }
.major { break-before: page; }
.major > h2:first-child { margin-top: 0; }
.titleblock { border-bottom: 1pt solid var(--line); padding-bottom: 8pt; margin-bottom: 8pt; }
.brand { font-size: 8.5pt; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; color: var(--accent); }
.meta { color: var(--muted); font-size: 8.5pt; }
.notice { border: 1pt solid #c69a1c; background: #fff6da; padding: 5pt 8pt; font-weight: 600; margin: 8pt 0; break-inside: avoid; }
.notes { border-left: 3pt solid var(--accent); background: #f4f7fa; padding: 6pt 9pt; white-space: pre-wrap; break-inside: avoid; }
.muted { color: var(--muted); }
.hash { word-break: break-all; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 9pt; font-variant-numeric: tabular-nums; }
table.keep, figure, .keep { break-inside: avoid; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { text-align: left; padding: 2.6pt 6pt; border-bottom: 0.6pt solid var(--line); vertical-align: top; }
thead th { font-weight: 600; background: var(--head); border-bottom: 1pt solid #b7c0ca; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.kv th { width: 30%; font-weight: 600; color: var(--muted); background: none; }
figure { margin: 6pt 0 10pt; }
figcaption { font-size: 8.5pt; color: var(--muted); margin-top: 3pt; }
.row { display: flex; gap: 12pt; align-items: flex-start; }
.row > * { flex: 1 1 0; min-width: 0; }
.swatch { display: inline-block; width: 9pt; height: 9pt; border-radius: 1.5pt; vertical-align: -1pt; margin-right: 4pt; }
.legend { font-size: 8.5pt; display: flex; flex-wrap: wrap; gap: 4pt 12pt; margin-top: 4pt; }
.tiles { display: flex; flex-wrap: wrap; gap: 6pt; }
.tiles figure { margin: 0; width: 72pt; }
.tiles img { width: 72pt; height: 72pt; display: block; border: 0.6pt solid var(--line); }
.tiles figcaption { margin-top: 1pt; font-size: 7.5pt; }
img.slide { max-width: 100%; max-height: 150mm; display: block; border: 0.6pt solid var(--line); }
svg text { font-family: 'Inter', sans-serif; }
`;

/** What every template gets besides its data. */
export interface ReportMeta {
  title: string;
  notes?: string | undefined;
  generatedAt: Date;
  version: string;
}

/** The user's notes, as typed (line breaks kept). */
export function notesSection(notes: string | undefined): string {
  if (!notes?.trim()) return '';
  return `<section id="notes"><h2>Notes</h2><div class="notes">${esc(notes.trim())}</div></section>`;
}

export interface PageFrame {
  title: string;
  /** Line under the title (what the report covers). */
  subtitle?: string;
  generatedAt: Date;
  version: string;
  body: string;
}

export function formatDate(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A whole, self-contained document: no scripts, no network, fonts and images inline. */
export function page(f: PageFrame): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'">
<title>${esc(f.title)}</title>
<style>${embeddedFontCss()}${CSS}</style></head>
<body>
<div class="titleblock">
<div class="brand">Tessella report</div>
<h1>${esc(f.title)}</h1>
${f.subtitle ? `<div>${esc(f.subtitle)}</div>` : ''}
<div class="meta">Generated ${esc(formatDate(f.generatedAt))} by Tessella ${esc(f.version)}</div>
<div class="notice">${esc(RESEARCH_NOTICE)}</div>
</div>
${f.body}
</body></html>
`;
}

/** A two-column table of names and values; rows whose value is undefined are left out. */
export function kvTable(rows: [string, string | number | null | undefined][], opts: { html?: boolean } = {}): string {
  const body = rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v === null ? '<span class="muted">unknown</span>' : opts.html ? String(v) : esc(v)}</td></tr>`)
    .join('');
  return `<table class="kv keep"><tbody>${body}</tbody></table>`;
}

export interface Column<T> {
  head: string;
  cell: (row: T) => string | number | null;
  num?: boolean;
  /** The cell function returns markup built from escaped parts (a swatch and a name). */
  html?: boolean;
}

/** A table with a header row repeated on each page it spans. */
export function table<T>(columns: Column<T>[], rows: T[], opts: { keep?: boolean; cls?: string } = {}): string {
  const th = columns.map((c) => `<th${c.num ? ' class="num"' : ''}>${esc(c.head)}</th>`).join('');
  const trs = rows
    .map((r) => `<tr>${columns.map((c) => {
      const v = c.cell(r);
      return `<td${c.num ? ' class="num"' : ''}>${v === null ? '–' : c.html ? String(v) : esc(v)}</td>`;
    }).join('')}</tr>`)
    .join('');
  const cls = [opts.keep ? 'keep' : '', opts.cls ?? ''].filter(Boolean).join(' ');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

export const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? null : `${(v * 100).toFixed(digits)}%`);
export const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null : v.toFixed(digits));

export function imgTag(dataUrl: string, alt: string, cls?: string): string {
  return `<img${cls ? ` class="${cls}"` : ''} src="${esc(dataUrl)}" alt="${esc(alt)}">`;
}

export function dataUrl(mime: string, bytes: Buffer): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

export function rgbCss([r, g, b]: [number, number, number]): string {
  return `rgb(${r},${g},${b})`;
}

export function swatch(color: string): string {
  return `<span class="swatch" style="background:${esc(color)}"></span>`;
}

/** Bytes in a human unit. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
