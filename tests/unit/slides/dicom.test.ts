/**
 * The DICOM WSI reader: the shared TCGA-derived file checked against DCMTK's decoder, and a
 * synthetic multi-file series (TILED_FULL and TILED_SPARSE levels, a label, a stranger series)
 * checked against the frames written into it.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomSeriesUid, openDicom } from '../../../src/main/slides/dicom.js';
import { SlideError, type RgbaImage, type SlideReader } from '../../../src/main/slides/reader.js';
import {
  dicomFrames,
  makeCorruptedCopy,
  makeDicomSeries,
  makeTruncatedCopy,
  syntheticDir,
  testPicture,
  writeDicomInstance,
  type SyntheticDicomInstance,
} from '../../helpers/make-slides.js';
import { crop, dcmtkFrame } from '../../helpers/reference-decoders.js';
import { SLIDES, sharedPath } from '../../helpers/shared-data.js';
import { has, needs } from '../../helpers/needs.js';

const dcm = sharedPath(SLIDES.dicom);

/** Paste the w x h RGBA `src` into `dst` at (x, y), clipped to dst. */
function paste(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  for (let row = 0; row < src.height; row++) {
    for (let col = 0; col < src.width; col++) {
      const dx = x + col;
      const dy = y + row;
      if (dx < 0 || dy < 0 || dx >= dst.width || dy >= dst.height) continue;
      src.data.copy(dst.data, (dy * dst.width + dx) * 4, (row * src.width + col) * 4, (row * src.width + col) * 4 + 4);
    }
  }
}

describe('DICOM reader on pathml_small_dicom.dcm', needs(dcm), () => {
  let r: SlideReader;
  beforeAll(async () => {
    r = await openDicom(dcm!);
  });

  it('reads the total pixel matrix, tiling and the useful tags', () => {
    const m = r.metadata;
    expect(r.readerName).toBe('dicom');
    expect(m.format).toBe('dicom');
    expect([m.width, m.height]).toEqual([3236, 2638]);
    expect(m.levels).toEqual([{ width: 3236, height: 2638, downsample: 1 }]);
    // The file has no PixelSpacing, no optical path and no Manufacturer: nothing is invented.
    expect(m.mpp).toBeNull();
    expect(m.objectivePower).toBeNull();
    expect(m.vendor).toBeNull();
    expect(m.associatedImages).toEqual([]);
    expect(m.properties).toMatchObject({
      'dicom.SOPClassUID': '1.2.840.10008.5.1.4.1.1.77.1.6',
      'dicom.TransferSyntaxUID': '1.2.840.10008.1.2.4.50',
      'dicom.TransferSyntax': 'JPEG Baseline (Process 1)',
      'dicom.SeriesInstanceUID': '1.2.826.0.1.3680043.8.498.859956824875581540195623656735145902693',
      'dicom.StudyDate': '2021-01-07',
      'dicom.NumberOfFrames': '42',
      'dicom.Rows': '500',
      'dicom.Columns': '500',
      'dicom.TotalPixelMatrixColumns': '3236',
      'dicom.PhotometricInterpretation': 'RGB',
    });
    // Patient identifiers stay out of the properties shown to users.
    expect(Object.values(m.properties).join(' ')).not.toContain('TCGA');
  });

  it('decodes tiles identical to DCMTK (frames in TILED_FULL order)', needs(has.dcmtk), async () => {
    // 7 tiles across: tile (1, 1) is frame 9 (1-based).
    for (const [tx, ty, frame] of [
      [0, 0, 1],
      [1, 1, 9],
      [6, 5, 42],
    ]) {
      const ref = await dcmtkFrame(dcm!, frame);
      const w = Math.min(500, 3236 - tx * 500);
      const h = Math.min(500, 2638 - ty * 500);
      const ours = await r.readRegion(0, tx * 500, ty * 500, w, h);
      expect(ours.data.equals(crop(ref, 0, 0, w, h))).toBe(true);
    }
  });

  it('stitches regions across tile borders and leaves the outside transparent', needs(has.dcmtk), async () => {
    const expected: RgbaImage = { width: 200, height: 200, data: Buffer.alloc(200 * 200 * 4) };
    for (const [frame, tx, ty] of [
      [1, 0, 0],
      [2, 1, 0],
      [8, 0, 1],
      [9, 1, 1],
    ]) {
      paste(expected, await dcmtkFrame(dcm!, frame), tx * 500 - 400, ty * 500 - 400);
    }
    expect((await r.readRegion(0, 400, 400, 200, 200)).data.equals(expected.data)).toBe(true);

    // Columns 3200-3235 exist (frame 7, columns 200-235); beyond 3236 is off the slide.
    const edge = await r.readRegion(0, 3200, 0, 100, 50);
    expect(crop(edge, 0, 0, 36, 50).equals(crop(await dcmtkFrame(dcm!, 7), 200, 0, 36, 50))).toBe(true);
    expect(crop(edge, 36, 0, 64, 50).every((v) => v === 0)).toBe(true);
  });

  it('reports truncated or damaged pixel data as corrupt', async () => {
    const cut = await makeTruncatedCopy(dcm!, 0.5, 'dicom-half.dcm');
    await expect(openDicom(cut)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/dicom-half\.dcm.*truncated/) });

    const damaged = await makeCorruptedCopy(dcm!, 20_000, 100_000, 'dicom-damaged.dcm');
    const d = await openDicom(damaged);
    const err = await d.readRegion(0, 0, 0, 100, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlideError);
    expect(err).toMatchObject({ code: 'corrupt' });
    expect((err as Error).message).toMatch(/dicom-damaged\.dcm, frame 1\b/);
    // Frames past the damage still decode.
    const late = await d.readRegion(0, 1000, 2000, 64, 64);
    expect(late.data.equals((await r.readRegion(0, 1000, 2000, 64, 64)).data)).toBe(true);
    d.close();
  });
});

describe('DICOM reader on a synthetic multi-file series', () => {
  let dir: string;
  let instances: SyntheticDicomInstance[];
  beforeAll(async () => {
    ({ dir, instances } = await makeDicomSeries());
  });

  /** What a level should look like: the written JPEG frames decoded and laid out, clipped to the matrix. */
  async function expectedLevel(inst: SyntheticDicomInstance): Promise<RgbaImage> {
    const out: RgbaImage = { width: inst.width, height: inst.height, data: Buffer.alloc(inst.width * inst.height * 4) };
    const across = Math.ceil(inst.width / inst.tile);
    for (const [i, jpeg] of (await dicomFrames(inst)).entries()) {
      const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      paste(out, { width: info.width, height: info.height, data }, (i % across) * inst.tile, Math.floor(i / across) * inst.tile);
    }
    return out;
  }

  it('gathers the levels and label of the series from the folder, whichever file is opened', async () => {
    for (const file of ['level-0.dcm', 'level-1.dcm', 'label.dcm']) {
      const r = await openDicom(join(dir, file));
      const m = r.metadata;
      expect(m.levels).toEqual([
        { width: 1000, height: 700, downsample: 1 },
        { width: 500, height: 350, downsample: 2 },
      ]);
      expect(m.mpp).toEqual({ x: 0.25, y: 0.25 });
      expect(m.objectivePower).toBe(40);
      expect(m.vendor).toBe('Tessella Test Scanner Co');
      expect(m.properties['dicom.ManufacturerModelName']).toBe('Synthetic 1');
      expect(m.associatedImages).toEqual(['label']);
      r.close();
    }
  });

  it('places TILED_FULL and TILED_SPARSE frames where they belong', async () => {
    const r = await openDicom(join(dir, 'level-0.dcm'));
    for (const [level, inst] of [
      [0, instances[0]],
      [1, instances[1]],
    ] as const) {
      const whole = await r.readRegion(level, 0, 0, inst.width, inst.height);
      expect(whole.data.equals((await expectedLevel(inst)).data)).toBe(true);
    }
    // A level-1 read addressed in level-0 coordinates: (400, 300) level 0 is (200, 150) on level 1.
    const part = await r.readRegion(1, 400, 300, 120, 80);
    expect(part.data.equals(crop(await expectedLevel(instances[1]), 200, 150, 120, 80))).toBe(true);
    r.close();
  });

  it('tells the series of a file from its header, so the library can treat the series as one slide', async () => {
    const series = '1.2.826.0.1.3680043.8.498.424242';
    expect(await dicomSeriesUid(join(dir, 'level-1.dcm'))).toBe(series);
    expect(await dicomSeriesUid(join(dir, 'label.dcm'))).toBe(series);
    expect(await dicomSeriesUid(join(dir, 'other-series.dcm'))).toBe(`${series}.7`);
    await expect(dicomSeriesUid(join(dir, 'notes.dcm'))).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('reads the label clipped to its matrix, and ignores other series and non-DICOM .dcm files', async () => {
    const r = await openDicom(join(dir, 'level-0.dcm'));
    const label = await r.readAssociatedImage('label');
    expect([label.width, label.height]).toEqual([200, 100]);
    expect(label.data.equals((await expectedLevel(instances[2])).data)).toBe(true);
    r.close();

    const stranger = await openDicom(join(dir, 'other-series.dcm'));
    expect(stranger.metadata.levels).toEqual([{ width: 2000, height: 1400, downsample: 1 }]);
    expect(stranger.metadata.associatedImages).toEqual([]);
    stranger.close();
  });

  it('writes files DCMTK decodes to the same pixels', needs(has.dcmtk), async () => {
    const r = await openDicom(join(dir, 'level-0.dcm'));
    const ref = await dcmtkFrame(join(dir, 'level-0.dcm'), 5);
    // Frame 5 of a 4-across grid is tile (0, 1).
    expect((await r.readRegion(0, 0, 300, 300, 300)).data.equals(ref.data)).toBe(true);
    r.close();
  });
});

describe('DICOM files the reader must refuse', () => {
  const small = (file: string, extra: Partial<SyntheticDicomInstance>): SyntheticDicomInstance => ({
    file: join(syntheticDir, file),
    imageType: 'VOLUME',
    width: 64,
    height: 64,
    tile: 64,
    rgb: testPicture(64, 64),
    ...extra,
  });

  it('names an unsupported transfer syntax', async () => {
    const inst = small('j2k.dcm', { transferSyntax: '1.2.840.10008.1.2.4.91' });
    await writeDicomInstance(inst, '1.2.3.4.5.91', 1);
    const err = await openDicom(inst.file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlideError);
    expect(err).toMatchObject({ code: 'unsupported' });
    expect((err as Error).message).toMatch(/JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\)/);
  });

  it('says when a DICOM file is not a whole-slide image', async () => {
    const inst = small('ct.dcm', { sopClass: '1.2.840.10008.5.1.4.1.1.2' });
    await writeDicomInstance(inst, '1.2.3.4.5.2', 1);
    await expect(openDicom(inst.file)).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/not a whole-slide image.*1\.2\.840\.10008\.5\.1\.4\.1\.1\.2\b/),
    });
  });
});
