/**
 * Reading the PDFs the way a user's tools would: poppler-utils' pdftotext, pdfinfo, pdffonts and
 * pdftoppm (installed by .ci/run). Tests that need them declare needs(has.poppler).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Text of the whole PDF, or of page `page` (1-based), with the layout kept. */
export function pdfText(pdf: string, page?: number): string {
  return run('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), pdf, '-']);
}

export function pdfInfo(pdf: string): { pages: number; width: number; height: number } {
  const out = run('pdfinfo', [pdf]);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(out)?.[1]);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(out);
  return { pages, width: Number(size?.[1]), height: Number(size?.[2]) };
}

/** Every font of the PDF with whether it is embedded (pdffonts' emb column). */
export function pdfFonts(pdf: string): { name: string; embedded: boolean }[] {
  const lines = run('pdffonts', [pdf]).split('\n').slice(2).filter((l) => l.trim());
  return lines.map((l) => {
    const cols = l.trim().split(/\s+/);
    // name type... encoding emb sub uni objectID gen: emb is the fifth column from the end
    return { name: cols[0]!, embedded: cols[cols.length - 5] === 'yes' };
  });
}

/** The page (1-based) whose text contains `needle`. */
export function pageWith(pdf: string, needle: string | RegExp): number {
  const { pages } = pdfInfo(pdf);
  for (let p = 1; p <= pages; p++) {
    const t = pdfText(pdf, p);
    if (typeof needle === 'string' ? t.includes(needle) : needle.test(t)) return p;
  }
  throw new Error(`no page of ${pdf} has ${needle}`);
}

/** Page `page` rendered at `dpi` as raw RGB. */
export async function renderPage(pdf: string, page: number, dpi = 50): Promise<{ data: Buffer; width: number; height: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-pdftoppm-'));
  try {
    run('pdftoppm', ['-r', String(dpi), '-png', '-f', String(page), '-l', String(page), pdf, join(dir, 'p')]);
    const file = readdirSync(dir).find((f) => f.endsWith('.png'))!;
    const { data, info } = await sharp(join(dir, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pixels in the box (fractions of the page) for which `test(r, g, b)` holds. */
export function countPixels(img: { data: Buffer; width: number; height: number }, box: { x0: number; y0: number; x1: number; y1: number }, test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let y = Math.floor(box.y0 * img.height); y < Math.floor(box.y1 * img.height); y++) {
    for (let x = Math.floor(box.x0 * img.width); x < Math.floor(box.x1 * img.width); x++) {
      const i = (y * img.width + x) * 3;
      if (test(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!)) n++;
    }
  }
  return n;
}

/** Hue in degrees and saturation (HSV) of an RGB colour. */
export function hueSat(r: number, g: number, b: number): { hue: number; sat: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  const sat = max === 0 ? 0 : d / max;
  if (d === 0) return { hue: 0, sat };
  let hue = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  hue *= 60;
  return { hue: hue < 0 ? hue + 360 : hue, sat };
}

/** Within `tol` of an RGB colour on every channel. */
export const near = (c: [number, number, number], tol = 40) => (r: number, g: number, b: number) => Math.abs(r - c[0]) <= tol && Math.abs(g - c[1]) <= tol && Math.abs(b - c[2]) <= tol;
