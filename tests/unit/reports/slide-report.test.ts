/**
 * `tessella report slide` as a user runs it: the analysis is run first when none is stored, the
 * PDF has the expected text on numbered A4 (or Letter) pages with every font embedded, the
 * heatmap shows in the rendered page, the CSV is the stored tile predictions, label and macro
 * images appear only when asked for, and a second report reuses the stored analysis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { analysisService } from '../../../src/main/analysis/service';
import { tessella } from '../../helpers/cli';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { countPixels, hueSat, pageWith, pdfFonts, pdfInfo, pdfText, renderPage } from './poppler';
import { has, needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const vitTiny = sharedPath('oracle/vit_tiny');
const home = tempHome('tessella-report-slide-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

/** Parses RFC 4180 CSV without quoted fields (these files have none). */
function csvRows(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return text.trimEnd().split('\r\n').map((l) => l.split(','));
}

function analyses() {
  const ctx = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
  try {
    const svc = analysisService(ctx);
    return svc.list({}).map((a) => ({ ...a, tiles: svc.tiles(a.id, undefined, 1_000_000) }));
  } finally {
    ctx.close();
  }
}

describe('tessella report slide', { ...needs(svs, vitTiny, has.chromium, has.poppler), timeout: 240_000 }, () => {
  const pdf = join(home.dir, 'slide.pdf');
  const html = join(home.dir, 'slide.html');
  const csv = join(home.dir, 'tiles.csv');
  let report: any;

  beforeAll(() => {
    const r = tessella(
      ['report', 'slide', svs!, '--model', vitTiny!, '--mpp', '4', '--out', pdf, '--html', html, '--csv', csv, '--notes', 'Reviewed with <b>Dr. Ng</b> & team', '--json'],
      env,
      200_000,
    );
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout);
  }, 240_000);

  it('prints the finished report as one JSON document', () => {
    expect(report).toMatchObject({ kind: 'slide', status: 'completed', pageSize: 'A4', pdfPath: pdf, htmlPath: html, csvPath: csv, error: null, slideIds: [expect.any(Number)] });
    expect(report.pages).toBe(pdfInfo(pdf).pages);
  });

  it('ran the analysis first, since none was stored', () => {
    const all = analyses();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'completed', params: { targetMpp: 4 } });
  });

  it('names the execution provider and precision the analysis ran with', () => {
    // no GPU provider is usable on the test machines: the analysis recorded cpu, at the default fp32
    expect(analyses()[0]!.summary?.provider).toBe('cpu');
    expect(readFileSync(html, 'utf8')).toMatch(/ONNX Runtime [\d.]+ \(onnxruntime-node\), cpu execution provider, fp32, up to \d+ threads on cpu/);
  });

  it('has the slide, hash, mpp, classes, notice and notes, on numbered A4 pages', () => {
    const text = pdfText(pdf);
    expect(text).toContain('CMU-1-Small-Region.svs');
    // The file hash as the library stores it (the slide's content hash) and the checkpoint hash.
    const ctx = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
    const slide = ctx.slides.get(report.slideIds[0])!;
    ctx.close();
    expect(text).toContain(slide.contentHash);
    expect(text).toMatch(/0\.499\d* µm\/px/);
    for (const c of ['cat', 'dog', 'bird']) expect(text).toContain(c);
    expect(text).toMatch(/for research use/i);
    expect(text).toContain('Reviewed with <b>Dr. Ng</b> & team');
    expect(text).toMatch(/Checkpoint hash\s+[0-9a-f]{16,}/);
    expect(text).toContain('Not trained in Tessella');
    expect(text).toMatch(/ONNX Runtime/);
    const { pages, width, height } = pdfInfo(pdf);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect([Math.round(width), Math.round(height)]).toEqual([596, 843]);
    expect(text).toContain(`Page 1 of ${pages}`);
    expect(text).toContain(`Page ${pages} of ${pages}`);
  });

  it('embeds every font', () => {
    const fonts = pdfFonts(pdf);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.filter((f) => !f.embedded)).toEqual([]);
    expect(fonts.some((f) => /Inter/.test(f.name))).toBe(true);
  });

  it('renders the heatmap: its page shows the colormap over the slide', async () => {
    const page = pageWith(pdf, 'Probability of');
    const img = await renderPage(pdf, page, 50);
    // The heatmap is the left figure; the colour map's greens and yellows (viridis, as on screen) are nowhere in H&E.
    const turboish = countPixels(img, { x0: 0, y0: 0.05, x1: 0.5, y1: 0.6 }, (r, g, b) => {
      const { hue, sat } = hueSat(r, g, b);
      return sat > 0.3 && hue > 55 && hue < 200;
    });
    const stained = countPixels(img, { x0: 0, y0: 0.05, x1: 0.5, y1: 0.6 }, (r, g, b) => {
      const { hue, sat } = hueSat(r, g, b);
      return sat > 0.15 && (hue > 270 || hue < 20);
    });
    expect(turboish).toBeGreaterThan(1500);
    expect(stained).toBeGreaterThan(300);
  });

  it('writes the CSV of exactly the stored tile predictions', () => {
    const rows = csvRows(readFileSync(csv, 'utf8'));
    const [{ tiles }] = analyses();
    expect(rows[0]).toEqual(['x', 'y', 'width', 'height', 'tissue', 'label', 'p_cat', 'p_dog', 'p_bird']);
    expect(rows.length - 1).toBe(tiles.total);
    tiles.tiles.forEach((t, i) => {
      const r = rows[i + 1]!;
      expect(r.slice(0, 4).map(Number)).toEqual([t.x, t.y, t.w, t.h]);
      expect(r[5]).toBe(tiles.labels[t.label]);
      r.slice(6).forEach((p, c) => expect(Number(p)).toBeCloseTo(t.probs[c]!, 5));
      expect(Number(r[4])).toBeCloseTo(t.tissue, 5);
    });
  });

  it('leaves associated images out unless asked', () => {
    const doc = readFileSync(html, 'utf8');
    expect(doc).not.toContain('id="associated-images"');
    expect(doc).not.toMatch(/<script/i);
    // Notes are escaped, not markup.
    expect(doc).toContain('Reviewed with &lt;b&gt;Dr. Ng&lt;/b&gt; &amp; team');
  });

  it('reuses the stored analysis for a second report, here on Letter paper', () => {
    const letter = join(home.dir, 'letter.pdf');
    const r = tessella(['report', 'slide', svs!, '--model', vitTiny!, '--page-size', 'Letter', '--out', letter, '--json'], env, 200_000);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', pageSize: 'Letter', csvPath: null, htmlPath: null });
    expect(analyses()).toHaveLength(1);
    const { width, height, pages } = pdfInfo(letter);
    expect([Math.round(width), Math.round(height)]).toEqual([612, 792]);
    expect(pdfText(letter)).toContain(`Page 1 of ${pages}`);
  });

  it('includes the macro image when asked, on a slide that has one', needs(ndpi), () => {
    const out = join(home.dir, 'ndpi.pdf');
    const outHtml = join(home.dir, 'ndpi.html');
    // the NDPI is a DAPI fluorescence scan: a brightfield model runs on it only when asked
    const refused = tessella(['report', 'slide', ndpi!, '--model', vitTiny!, '--mpp', '4', '--out', out, '--json'], env, 200_000);
    expect(refused.code).toBeGreaterThan(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/fluorescence image but model "vit_tiny" was trained on brightfield/);
    const r = tessella(
      ['report', 'slide', ndpi!, '--model', vitTiny!, '--mpp', '4', '--allow-image-type-mismatch', '--include-associated', '--top-tiles', '0', '--out', out, '--html', outHtml, '--json'],
      env,
      200_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = readFileSync(outHtml, 'utf8');
    expect(doc).toContain('id="associated-images"');
    expect(doc).toMatch(/<img[^>]+alt="macro"/);
    expect(pdfText(out)).toContain('Associated images');
  });

  it('lists the reports made, newest first', () => {
    const r = tessella(['report', 'list', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout);
    // newest first: the NDPI report made when allowed, then the refused one (failed), then the rest
    expect(list.map((x: { status: string }) => x.status)).toEqual(list.map((x: { id: number }, i: number) => (i === 1 && ndpi ? 'failed' : 'completed')));
    expect(list.at(-1).id).toBe(report.id);
  });

  it('fails with one line and exit 2 on bad options', () => {
    const r = tessella(['report', 'slide', svs!, '--model', vitTiny!, '--page-size', 'A3'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/A4 or Letter/);
  });
});
