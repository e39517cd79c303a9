/**
 * openSlide(): which reader each real file goes to, what every broken input turns into, the
 * reader status report, and the no-OpenSlide fallback (run in a child process with OpenSlide
 * disabled).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide, readerStatus, SLIDE_EXTENSIONS } from '../../../src/main/slides/open-slide.js';
import { DomainError } from '../../../src/main/errors.js';
import { SlideError, SUPPORTED_FORMATS } from '../../../src/main/slides/reader.js';
import {
  makeAbsurdTiff,
  makeBigPyramidTiff,
  makeTextNamedSvs,
  makeTruncatedCopy,
  makeZeroByteSlide,
  syntheticDir,
} from '../../helpers/make-slides.js';
import { runChild } from '../../helpers/run-child.js';
import { repoRoot, SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { has, needs } from '../../helpers/needs.js';

const svs = sharedPath(SLIDES.svs);
const ndpi = sharedPath(SLIDES.ndpi);
const dcm = sharedPath(SLIDES.dicom);
const png = sharedPath(SLIDES.ihc);
const openslide = has.openslide.met;

let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'tessella-open-cache-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

async function failure(path: string): Promise<SlideError> {
  const e = await openSlide(path, { cacheDir }).then(
    (r) => {
      r.close();
      return new Error(`${path} opened with ${r.readerName}`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SlideError);
  return e as SlideError;
}

describe('SLIDE_EXTENSIONS and readerStatus', () => {
  it('lists the lower-case extensions a folder scan picks up', () => {
    expect([...SLIDE_EXTENSIONS].sort()).toEqual(
      ['.bif', '.dcm', '.jpeg', '.jpg', '.mrxs', '.ndpi', '.png', '.scn', '.svs', '.svslide', '.tif', '.tiff', '.qptiff', '.btf', '.vms', '.vmu', '.webp'].sort(),
    );
  });

  it('reports the three readers with versions', () => {
    const status = readerStatus();
    expect(status.map((s) => s.name)).toEqual(['openslide', 'sharp', 'dicom']);
    const [os, sh, dicom] = status;
    expect(os.available).toBe(openslide);
    expect(os.detail).toMatch(openslide ? /^OpenSlide \d+\.\d+\.\d+ \(libopenslide/ : /OpenSlide library not found|disabled/);
    expect(sh).toMatchObject({ available: true, detail: expect.stringMatching(/^sharp \d+\.\d+\.\d+, libvips \d+\.\d+\.\d+$/) });
    expect(dicom).toMatchObject({ available: true, detail: expect.stringMatching(/^dicom-parser \d+\.\d+\.\d+;.*JPEG Baseline/) });
  });
});

describe('openSlide dispatch on the shared slides', () => {
  it('opens SVS with OpenSlide', needs(svs, has.openslide), async () => {
    const r = await openSlide(svs!, { cacheDir });
    expect([r.readerName, r.metadata.format, r.metadata.width]).toEqual(['openslide', 'aperio', 2220]);
    r.close();
  });

  it('opens NDPI with OpenSlide', needs(ndpi, has.openslide), async () => {
    const r = await openSlide(ndpi!, { cacheDir });
    expect([r.readerName, r.metadata.format, r.metadata.levels.length]).toEqual(['openslide', 'hamamatsu', 7]);
    r.close();
  });

  it('opens DICOM with the DICOM reader (OpenSlide 3.4 cannot)', needs(dcm), async () => {
    const r = await openSlide(dcm!, { cacheDir });
    expect([r.readerName, r.metadata.format, r.metadata.width, r.metadata.height]).toEqual(['dicom', 'dicom', 3236, 2638]);
    r.close();
  });

  it('opens PNG with sharp', needs(png), async () => {
    const r = await openSlide(png!, { cacheDir });
    expect([r.readerName, r.metadata.format, r.metadata.width]).toEqual(['sharp', 'png', 512]);
    r.close();
  });
});

describe('openSlide on broken inputs', () => {
  it('says a missing file is not found', async () => {
    const e = await failure(join(syntheticDir, 'does-not-exist.svs'));
    expect(e.code).toBe('not-found');
    expect(e.message).toContain('does-not-exist.svs');
  });

  it('refuses a zero-byte file, naming the problem and what is supported', async () => {
    const e = await failure(await makeZeroByteSlide());
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/zero-bytes\.svs.*empty \(0 bytes\)/);
    expect(e.message).toContain(SUPPORTED_FORMATS);
  });

  it('refuses a text file named .svs', async () => {
    const e = await failure(await makeTextNamedSvs());
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/not-a-slide\.svs.*named like an Aperio SVS.*text/);
    expect(e.message).toContain(SUPPORTED_FORMATS);
  });

  it('refuses truncated SVS files (cut at the start, middle and end)', needs(svs), async () => {
    for (const fraction of [0.01, 0.5, 0.99]) {
      const e = await failure(await makeTruncatedCopy(svs!, fraction, `svs-cut-${fraction}.svs`));
      expect(e.code).toBe('corrupt');
      expect(e.message).toMatch(new RegExp(`svs-cut-${fraction}\\.svs.*(truncated|corrupt)`));
      expect(e.message).toContain(SUPPORTED_FORMATS);
    }
  });

  it('refuses a truncated DICOM file', needs(dcm), async () => {
    const e = await failure(await makeTruncatedCopy(dcm!, 0.3, 'dicom-cut.dcm'));
    expect(e.code).toBe('corrupt');
    expect(e.message).toMatch(/dicom-cut\.dcm.*truncated/);
  });

  it('refuses a tiled TIFF header claiming 10^6 x 10^6 pixels', async () => {
    const e = await failure(await makeAbsurdTiff(1_000_000, 1_000_000, true));
    // OpenSlide claims it and fails on its short tile table; the size check then explains why.
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/absurd-1000000x1000000-tiled\.tif.*1000000 x 1000000 pixels/);
    expect(e.message).toContain(SUPPORTED_FORMATS);
  });

  it('refuses a strip TIFF over the plain-image budget in one line, without the format list', async () => {
    const e = await openSlide(await makeAbsurdTiff(1_000_000, 1_000_000, false), { cacheDir }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ kind: 'too-large' });
    expect((e as Error).message).toBe(
      'absurd-1000000x1000000-strip.tif: 1000000 x 1000000 pixels is over the 268 million pixel limit for plain images; convert it to a pyramid (tiled TIFF) first',
    );
  });

  it('refuses random bytes, a folder, and a known extension with the wrong content', async () => {
    const noise = join(syntheticDir, 'noise.bin');
    writeFileSync(noise, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    const e1 = await failure(noise);
    expect(e1.code).toBe('unsupported');
    expect(e1.message).toMatch(/noise\.bin.*not a recognised image format/);

    const e2 = await failure(syntheticDir);
    expect(e2.code).toBe('unsupported');
    expect(e2.message).toMatch(/folder/);

    const fakeJpeg = join(syntheticDir, 'fake.jpg');
    writeFileSync(fakeJpeg, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) % 256)));
    const e3 = await failure(fakeJpeg);
    expect(e3.code).toBe('corrupt');
    expect(e3.message).toMatch(/fake\.jpg.*named like a JPEG image/);
  });
});

describe('openSlide without OpenSlide (child process, TESSELLA_DISABLE_OPENSLIDE=1)', () => {
  it('falls back to sharp for SVS and TIFF pyramids and explains what needs OpenSlide', { ...needs(svs, ndpi), timeout: 600_000 }, async () => {
    const big = await makeBigPyramidTiff();
    const module = JSON.stringify(join(repoRoot, 'src/main/slides/open-slide.ts'));
    const result = runChild<{
      status: { name: string; available: boolean; detail: string }[];
      opened: Record<string, string>;
    }>(
      `const { openSlide, readerStatus } = await import(${module});
       const opened = {};
       for (const p of ${JSON.stringify([svs, ndpi, big])}) {
         try {
           const r = await openSlide(p, { cacheDir: ${JSON.stringify(cacheDir)} });
           await r.readRegion(0, 0, 0, 64, 64);
           opened[p] = r.readerName + ' ' + r.metadata.levels.length;
           r.close();
         } catch (e) {
           opened[p] = e.code + ': ' + e.message;
         }
       }
       console.log(JSON.stringify({ status: readerStatus(), opened }));`,
      { TESSELLA_DISABLE_OPENSLIDE: '1' },
    );
    expect(result.status[0]).toEqual({ name: 'openslide', available: false, detail: 'disabled by TESSELLA_DISABLE_OPENSLIDE=1' });
    expect(result.status[1].available).toBe(true);
    expect(result.opened[svs!]).toBe('sharp 1');
    expect(result.opened[ndpi!]).toMatch(/^unavailable: .*Hamamatsu NDPI, which needs OpenSlide/);
    expect(result.opened[big]).toBe('sharp 9');
  });
});
