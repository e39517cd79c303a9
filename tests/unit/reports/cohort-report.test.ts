/**
 * `tessella report cohort` on three slides of different formats (Aperio SVS, a plain PNG with its
 * mpp given, a DICOM) scored by one model: one CSV row per slide whose class fractions sum to 1
 * and equal what analysis.slideLabel says of the stored analysis, and a PDF that lists them all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { DEFAULT_AGGREGATE } from '../../../src/main/analysis/aggregate';
import { analysisService } from '../../../src/main/analysis/service';
import { tessella } from '../../helpers/cli';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { pdfFonts, pdfInfo, pdfText } from './poppler';
import { has, needs } from '../../helpers/needs.js';

const files = [sharedPath(SLIDES.svs), sharedPath(SLIDES.ihc), sharedPath(SLIDES.dicom)];
const vitTiny = sharedPath('oracle/vit_tiny');
const home = tempHome('tessella-report-cohort-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

describe('tessella report cohort', { ...needs(...files, vitTiny, has.chromium, has.poppler), timeout: 240_000 }, () => {
  const pdf = join(home.dir, 'cohort.pdf');
  const csv = join(home.dir, 'cohort.csv');
  let report: any;

  beforeAll(() => {
    // Without --slide-mpp the slides whose files have no mpp stop the report before anything runs, named in one line.
    const refused = tessella(['report', 'cohort', ...(files as string[]), '--model', vitTiny!, '--out', pdf], env, 120_000);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('skimage_ihc.png');
    expect(refused.stderr).toMatch(/no mpp.*--slide-mpp/);
    expect(existsSync(pdf)).toBe(false);
    // The PNG has no mpp: --slide-mpp gives it one (and only it).
    const r = tessella(['report', 'cohort', ...(files as string[]), '--model', vitTiny!, '--mpp', '4', '--slide-mpp', '0.5', '--out', pdf, '--csv', csv, '--json'], env, 220_000);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout);
  }, 240_000);

  it('has one CSV row per slide, fractions summing to 1 and equal to the stored analyses', () => {
    expect(report).toMatchObject({ kind: 'cohort', status: 'completed', csvPath: csv, pdfPath: pdf });
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header).toEqual(['slide_id', 'slide_name', 'file_hash', 'path', 'analysis_id', 'tissue_tiles', 'slide_label', 'confidence', 'fraction_cat', 'fraction_dog', 'fraction_bird', 'error']);
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v])));
    expect(rows.map((r) => r.path)).toEqual(files);
    const ctx = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
    try {
      const svc = analysisService(ctx);
      expect(svc.list({})).toHaveLength(3);
      for (const r of rows) {
        expect(r.error).toBe('');
        const fr = ['cat', 'dog', 'bird'].map((c) => Number(r[`fraction_${c}`]));
        expect(fr.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        const label = svc.slideLabel(Number(r.analysis_id), DEFAULT_AGGREGATE);
        expect(svc.get(Number(r.analysis_id)).slideId).toBe(Number(r.slide_id));
        expect(Number(r.tissue_tiles)).toBe(label.tissueTiles);
        expect(r.slide_label).toBe(label.slideLabel ?? '');
        ['cat', 'dog', 'bird'].forEach((c, i) => expect(fr[i]).toBe(label.classFractions[c]));
      }
    } finally {
      ctx.close();
    }
  });

  it('lists every slide in the PDF, on numbered pages with embedded fonts', () => {
    const text = pdfText(pdf);
    for (const name of ['CMU-1-Small-Region.svs', 'skimage_ihc.png', 'pathml_small_dicom.dcm']) expect(text).toContain(name);
    expect(text).toContain('Class fractions per slide');
    expect(text).toMatch(/for research use/i);
    const { pages } = pdfInfo(pdf);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(pdfFonts(pdf).filter((f) => !f.embedded)).toEqual([]);
  });
});
