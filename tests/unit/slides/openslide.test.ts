/**
 * The OpenSlide reader (koffi) on the shared SVS and NDPI, checked against openslide-python
 * reading the same files: geometry, properties, associated images and pixels byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { openslideStatus, openWithOpenSlide } from '../../../src/main/slides/openslide.js';
import { SlideError, type SlideReader } from '../../../src/main/slides/reader.js';
import { makeCorruptedCopy } from '../../helpers/make-slides.js';
import { pythonOpenSlideAssociated, pythonOpenSlideRegion } from '../../helpers/reference-decoders.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { has, needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const png = sharedPath(SLIDES.ihc);

async function open(path: string): Promise<SlideReader> {
  const r = await openWithOpenSlide(path);
  if (!r) throw new Error(`OpenSlide did not recognise ${path}`);
  return r;
}

describe('OpenSlide library', needs(has.openslide), () => {
  it('reports the loaded library and its version', () => {
    const s = openslideStatus();
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.detail).toContain(`OpenSlide ${s.version}`);
    expect(s.detail).toMatch(/libopenslide/);
  });

  it('returns null for a file it does not recognise', needs(png), async () => {
    expect(await openWithOpenSlide(png!)).toBeNull();
  });
});

describe('OpenSlide reader on CMU-1-Small-Region.svs', needs(has.openslide, svs), () => {
  it('reads geometry, resolution, vendor and properties', async () => {
    const r = await open(svs!);
    try {
      const m = r.metadata;
      expect(r.readerName).toBe('openslide');
      expect(m.format).toBe('aperio');
      expect(m.vendor).toBe('aperio');
      expect([m.width, m.height]).toEqual([2220, 2967]);
      expect(m.levels).toEqual([{ width: 2220, height: 2967, downsample: 1 }]);
      expect(m.mpp).toEqual({ x: 0.499, y: 0.499 });
      expect(m.objectivePower).toBe(20);
      expect(m.properties['aperio.AppMag']).toBe('20');
      expect(m.properties['openslide.level[0].tile-width']).toBe('240');
      expect(m.properties['openslide.quickhash-1']).toBe('6335ea0e6cc54c2cba64bb265d3c713a50cd84484924e3a9c109558c13521d5c');
      expect([...m.associatedImages].sort()).toEqual(['label', 'macro', 'thumbnail']);
    } finally {
      r.close();
    }
  });

  it('reads regions identical to openslide-python, transparent off the slide', needs(has.pythonOpenSlide), async () => {
    const r = await open(svs!);
    try {
      for (const [x, y, w, h] of [
        [1000, 1200, 300, 200],
        [0, 0, 240, 240],
        [2100, 2900, 200, 100], // runs off the right and bottom edges
      ]) {
        const ours = await r.readRegion(0, x, y, w, h);
        const ref = pythonOpenSlideRegion(svs!, 0, x, y, w, h);
        expect([ours.width, ours.height]).toEqual([w, h]);
        expect(ours.data.equals(ref.data)).toBe(true);
      }
      const edge = await r.readRegion(0, 2100, 2900, 200, 100);
      // Pixel (150, 80) of that region is at (2250, 2980), outside the 2220 x 2967 slide.
      expect(edge.data[(80 * 200 + 150) * 4 + 3]).toBe(0);
      expect(edge.data[(10 * 200 + 10) * 4 + 3]).toBe(255);
    } finally {
      r.close();
    }
  });

  it('reads associated images identical to openslide-python', needs(has.pythonOpenSlide), async () => {
    const r = await open(svs!);
    try {
      for (const name of ['label', 'macro', 'thumbnail']) {
        const ours = await r.readAssociatedImage(name);
        const ref = pythonOpenSlideAssociated(svs!, name);
        expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
        expect(ours.data.equals(ref.data)).toBe(true);
      }
      await expect(r.readAssociatedImage('nope')).rejects.toMatchObject({ code: 'bad-request' });
    } finally {
      r.close();
    }
  });

  it('runs reads on the threadpool: the event loop turns while a region decodes', async () => {
    const r = await open(svs!);
    try {
      let turned = false;
      setImmediate(() => (turned = true));
      await r.readRegion(0, 0, 0, 2220, 2967);
      expect(turned).toBe(true);
    } finally {
      r.close();
    }
  });

  it('gives the same pixels for concurrent reads as for sequential ones, and closes safely mid-read', async () => {
    const r = await open(svs!);
    const spots = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i * 240, i * 300] as const);
    const sequential: Buffer[] = [];
    for (const [x, y] of spots) sequential.push((await r.readRegion(0, x, y, 256, 256)).data);
    const inFlight = spots.map(([x, y]) => r.readRegion(0, x, y, 256, 256));
    r.close();
    const concurrent = await Promise.all(inFlight);
    concurrent.forEach((img, i) => expect(img.data.equals(sequential[i])).toBe(true));
    await expect(r.readRegion(0, 0, 0, 10, 10)).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('rejects bad region arguments as bad-request or too-large', async () => {
    const r = await open(svs!);
    try {
      await expect(r.readRegion(1, 0, 0, 10, 10)).rejects.toMatchObject({ code: 'bad-request' });
      await expect(r.readRegion(0, 0, 0, 0, 10)).rejects.toMatchObject({ code: 'bad-request' });
      await expect(r.readRegion(0, 0.5, 0, 10, 10)).rejects.toMatchObject({ code: 'bad-request' });
      await expect(r.readRegion(0, 0, 0, 100_000, 100_000)).rejects.toMatchObject({ code: 'too-large' });
    } finally {
      r.close();
    }
  });

  it('reports damaged tiles as corrupt and still reads the undamaged part', needs(has.pythonOpenSlide), async () => {
    // Bytes 20,000-620,000 hold the JPEG tiles of the top rows; the TIFF directories sit at the end.
    const damaged = await makeCorruptedCopy(svs!, 20_000, 600_000, 'svs-damaged-tiles.svs');
    const r = await open(damaged);
    try {
      const err = await r.readRegion(0, 0, 0, 256, 256).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlideError);
      expect(err).toMatchObject({ code: 'corrupt' });
      expect((err as Error).message).toMatch(/svs-damaged-tiles\.svs.*JPEG/);
      const ok = await r.readRegion(0, 1000, 2500, 300, 200);
      expect(ok.data.equals(pythonOpenSlideRegion(svs!, 0, 1000, 2500, 300, 200).data)).toBe(true);
    } finally {
      r.close();
    }
  });
});

describe('OpenSlide reader on the Hamamatsu NDPI', needs(has.openslide, ndpi), () => {
  it('reads the 7-level pyramid, resolution and the macro image', async () => {
    const r = await open(ndpi!);
    try {
      const m = r.metadata;
      expect(m.format).toBe('hamamatsu');
      expect(m.vendor).toBe('hamamatsu');
      expect(m.levels.map((l) => [l.width, l.height])).toEqual([
        [3968, 4864],
        [1984, 2432],
        [992, 1216],
        [496, 608],
        [248, 304],
        [124, 152],
        [62, 76],
      ]);
      expect(m.levels.map((l) => l.downsample)).toEqual([1, 2, 4, 8, 16, 32, 64]);
      expect(m.mpp!.x).toBeCloseTo(0.2281750559028887, 12);
      expect(m.mpp!.y).toBeCloseTo(0.2281750559028887, 12);
      expect(m.objectivePower).toBe(40);
      expect(m.properties['tiff.Make']).toBe('Hamamatsu');
      expect(m.associatedImages).toEqual(['macro']);
      const macro = await r.readAssociatedImage('macro');
      expect([macro.width, macro.height]).toEqual([1188, 406]);
    } finally {
      r.close();
    }
  });

  it('reads regions at several levels identical to openslide-python', needs(has.pythonOpenSlide), async () => {
    const r = await open(ndpi!);
    try {
      for (const [level, x, y, w, h] of [
        [0, 1500, 2000, 256, 256],
        [3, 800, 1600, 200, 150],
        [6, 0, 0, 62, 76],
      ]) {
        const ours = await r.readRegion(level, x, y, w, h);
        expect(ours.data.equals(pythonOpenSlideRegion(ndpi!, level, x, y, w, h).data)).toBe(true);
      }
    } finally {
      r.close();
    }
  });
});
