/**
 * `tessella report slide --annotations`: the slide's annotations appear in the PDF with their
 * class, kind and area (a rectangle drawn here as a rectangle), the heatmap's colour bar is the
 * viewer's viridis, and a pixel size typed in is marked as the user's; without the flag, no
 * annotation section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/main/app-context';
import { annotationService } from '../../../src/main/annotations/service';
import { tessella } from '../../helpers/cli';
import { has, needs } from '../../helpers/needs.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { tempHome } from '../../helpers/temp-home';
import { pdfText } from './poppler';

const svs = sharedPath(SLIDES.svs);
const geojson = sharedPath('data/annotations/cmu1-qupath-style.geojson');
const vitTiny = sharedPath('oracle/vit_tiny');
const home = tempHome('tessella-report-annotations-');
afterAll(() => home.cleanup());
const env = { TESSELLA_HOME: join(home.dir, 'home') };

describe('a slide report with annotations', { ...needs(svs, geojson, vitTiny, has.chromium, has.poppler), timeout: 300_000 }, () => {
  const pdf = join(home.dir, 'with.pdf');
  const html = join(home.dir, 'with.html');
  const plainHtml = join(home.dir, 'without.html');
  let text = '';

  beforeAll(async () => {
    const ctx = createAppContext({ host: 'cli', home: env.TESSELLA_HOME });
    try {
      const slide = await ctx.slides.ensure(svs!);
      const svc = annotationService(ctx);
      svc.importGeoJson(slide.id, readFileSync(geojson!, 'utf8'));
      const tumor = svc.classes().find((c) => c.name === 'Tumor')!;
      // 400 x 250 level-0 pixels: 25,000 µm² at the 0.5 µm/px typed in below.
      svc.create(slide.id, { type: 'Polygon', coordinates: [[[100, 100], [500, 100], [500, 350], [100, 350], [100, 100]]] }, { classId: tumor.id, name: 'Drawn box' });
      ctx.slides.setMpp(slide.id, 0.5);
    } finally {
      ctx.close();
    }
    const r = tessella(['report', 'slide', svs!, '--model', vitTiny!, '--mpp', '4', '--annotations', '--out', pdf, '--html', html, '--json'], env, 280_000);
    expect(r.code, r.stderr).toBe(0);
    text = pdfText(pdf);
  }, 300_000);

  it('lists each annotation with its class, kind and area, and totals per class', () => {
    expect(text).toContain('Annotations');
    expect(text).toMatch(/7 annotations on this slide/);
    for (const cls of ['Stroma', 'Tumor', 'Lymphocyte', 'Other', 'Unclassified']) expect(text).toContain(cls);
    for (const kind of ['Rectangle', 'Polygon', 'Multi-polygon', 'Line', 'Points']) expect(text).toContain(kind);
    expect(text).toMatch(/Tumor\s+Rectangle\s+Drawn box\s+25,000 µm²/);
    expect(text).toContain('Dermis, upper');
  });

  it('says the pixel size was set by the user, in the slide facts and the analysis', () => {
    expect(text).toContain('0.5 µm/px, set by the user');
    expect(text).toMatch(/Tile resolution\s+4 µm\/px \(slide 0\.5 µm\/px, set by the user\)/);
  });

  it('draws the heatmap legend in the viewer’s viridis, not a rainbow', () => {
    const doc = readFileSync(html, 'utf8');
    expect(doc).toContain('stop-color="rgb(68,1,84)"');
    expect(doc).toContain('stop-color="rgb(253,231,37)"');
    expect(doc).not.toContain('stop-color="rgb(48,18,59)"');
    expect(doc).toContain('id="annotations"');
  });

  it('leaves the annotations out when not asked', () => {
    const r = tessella(['report', 'slide', svs!, '--model', vitTiny!, '--mpp', '4', '--out', join(home.dir, 'without.pdf'), '--html', plainHtml, '--json'], env, 280_000);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(plainHtml, 'utf8')).not.toContain('id="annotations"');
  });
});
